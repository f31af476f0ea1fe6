"""The one small interface every external channel adapter implements.

A channel takes a customer's code for an issuer it carries (WeChat Pay,
Alipay, UnionPay) and answers in its own words; :mod:`.codes` translates
them. Five calls, each keyed by *our* numbers so a retry is always safe:

- ``pay(order)``: take the payment. ``PAID``, ``PAYING`` (the customer is
  confirming on the phone: query), ``DECLINED`` with the channel's code, or
  ``ERROR`` (the channel did not say: the outcome is unknown, query).
- ``query(channel_trade_no)``: the order as the channel knows it now.
- ``reverse(channel_trade_no)``: make it "not charged": close it if unpaid,
  refund it if paid. ``CLOSED`` / ``REFUNDED`` when done, ``ERROR`` to try
  again. Reversing an order the channel never saw records it as closed, so a
  pay that arrives later cannot charge.
- ``refund(channel_trade_no, refund_no, amount_fen)``: give back part or all
  of a paid order; the same ``refund_no`` again is the same refund.
- ``statement(start_ms, end_ms)``: the channel's own lines for reconciliation.

Adapters are synchronous and may be slow or hang: callers reach them only
through :class:`~backend_stub.routing.channels.pool.ChannelPool`, which bounds the
calls in flight per channel and how long anyone waits.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Channel", "ChannelAnswer", "ChannelOrder", "ChannelStatus", "StatementLine"]


class ChannelStatus(StrEnum):
    PAID = "PAID"
    PAYING = "PAYING"
    CLOSED = "CLOSED"  # nothing charged, and nothing can be any more
    REFUNDED = "REFUNDED"  # was paid, all of it given back
    DECLINED = "DECLINED"  # a definite no; ``code`` says why
    NOT_FOUND = "NOT_FOUND"  # the channel has no such order
    ERROR = "ERROR"  # no usable answer: system error, timeout, channel unreachable


@dataclass(frozen=True)
class ChannelAnswer:
    status: ChannelStatus
    code: str = ""  # the channel's own code, e.g. USERPAYING, NOTENOUGH, SYSTEMERROR
    refunded_fen: int = 0
    sent: bool = True  # False: the request never left (bulkhead full), safe to try elsewhere

    def __str__(self) -> str:
        return f"{self.status}{'/' + self.code if self.code else ''}"


@dataclass(frozen=True)
class ChannelOrder:
    channel_trade_no: str
    payment_code: str
    amount_fen: int
    merchant_id: str
    description: str = ""

    def __repr__(self) -> str:  # the code never goes to a log
        return f"ChannelOrder({self.channel_trade_no}, {self.amount_fen} fen)"


@dataclass(frozen=True)
class StatementLine:
    kind: str  # "pay" | "refund"
    channel_trade_no: str
    refund_no: str
    amount_fen: int
    fee_fen: int
    at_ms: int


class Channel(ABC):
    """A physical channel. ``id`` is its name in the routing configuration."""

    def __init__(self, channel_id: str) -> None:
        self.id = channel_id

    @abstractmethod
    def pay(self, order: ChannelOrder) -> ChannelAnswer: ...

    @abstractmethod
    def query(self, channel_trade_no: str) -> ChannelAnswer: ...

    @abstractmethod
    def reverse(self, channel_trade_no: str) -> ChannelAnswer: ...

    @abstractmethod
    def refund(self, channel_trade_no: str, refund_no: str, amount_fen: int) -> ChannelAnswer: ...

    @abstractmethod
    def statement(self, start_ms: int, end_ms: int) -> list[StatementLine]: ...
