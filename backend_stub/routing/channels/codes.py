"""What a channel's answer means for us: our reason, whether it is final, whose fault it is.

Every channel has its own return codes; this table maps them (the simulated
channels speak WeChat Pay's micropay codes, which Alipay's and UnionPay's
customer-presented-code APIs mirror). Four outcomes:

- ``PAID``.
- ``PENDING``: the customer is still confirming (``USERPAYING``); query.
- ``UNKNOWN``: the channel did not say (``SYSTEMERROR``, ``BANKERROR``, a
  timeout, an unknown code); the payment may have gone through: query, and
  reverse at the deadline. Never retried on another channel.
- ``DECLINED``: a definite no, nothing was charged.

Post-routing retry (seed 001, "事后路由"): a decline is tried again on the
next channel only when it is *channel-caused and definite*: the channel
refused before taking anything for reasons of its own (``NOAUTH``: the
merchant is not set up there, ``CHANNEL_QUOTA``, ``FREQUENCY_LIMITED``,
``MAINTENANCE``), or the request never left (``BULKHEAD_FULL``). A decline
about the customer or the code (``NOTENOUGH``, ``AUTHCODEEXPIRE``,
``AUTH_CODE_INVALID``, ``USERCANCELLED``, ``RISK_DECLINED``) is final: any
other channel would say the same. ``channel_fault`` answers count against the
channel's health; ``ERROR`` answers also against its circuit breaker.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from protocol.errors import ErrorCode

from .base import ChannelAnswer, ChannelStatus

__all__ = ["SIM_CODES", "Meaning", "Outcome", "meaning"]


class Outcome(StrEnum):
    PAID = "PAID"
    PENDING = "PENDING"
    UNKNOWN = "UNKNOWN"
    DECLINED = "DECLINED"


@dataclass(frozen=True)
class Meaning:
    outcome: Outcome
    reason: ErrorCode | None = None
    retry_elsewhere: bool = False
    channel_fault: bool = False


_D, _U = Outcome.DECLINED, Outcome.UNKNOWN

SIM_CODES: dict[str, Meaning] = {
    # the customer or the code: final, the channel did its job
    "NOTENOUGH": Meaning(_D, ErrorCode.INSUFFICIENT_BALANCE),
    "AUTHCODEEXPIRE": Meaning(_D, ErrorCode.CODE_EXPIRED),
    "AUTH_CODE_INVALID": Meaning(_D, ErrorCode.CODE_INVALID),
    "USERCANCELLED": Meaning(_D, ErrorCode.CHANNEL_DECLINED),
    "RISK_DECLINED": Meaning(_D, ErrorCode.CHANNEL_DECLINED),
    "ORDERCLOSED": Meaning(_D, ErrorCode.TRADE_CLOSED),
    # the channel refused for its own reasons, definitely before charging: try the next one
    "NOAUTH": Meaning(_D, ErrorCode.ISSUER_NOT_SUPPORTED, retry_elsewhere=True),
    "CHANNEL_QUOTA": Meaning(
        _D, ErrorCode.CHANNEL_UNAVAILABLE, retry_elsewhere=True, channel_fault=True
    ),
    "FREQUENCY_LIMITED": Meaning(
        _D, ErrorCode.CHANNEL_UNAVAILABLE, retry_elsewhere=True, channel_fault=True
    ),
    "MAINTENANCE": Meaning(
        _D, ErrorCode.CHANNEL_MAINTENANCE, retry_elsewhere=True, channel_fault=True
    ),
    "BULKHEAD_FULL": Meaning(_D, ErrorCode.CHANNEL_UNAVAILABLE, retry_elsewhere=True),
    # no usable answer: query, never retry elsewhere
    "SYSTEMERROR": Meaning(_U, ErrorCode.SYSTEM_ERROR, channel_fault=True),
    "BANKERROR": Meaning(_U, ErrorCode.SYSTEM_ERROR, channel_fault=True),
    "TIMEOUT": Meaning(_U, ErrorCode.SYSTEM_ERROR, channel_fault=True),
}


def meaning(answer: ChannelAnswer) -> Meaning:
    """The meaning of a ``pay`` (or ``query``) answer."""
    if answer.status is ChannelStatus.PAID:
        return Meaning(Outcome.PAID)
    if answer.status is ChannelStatus.PAYING:
        return Meaning(Outcome.PENDING, ErrorCode.USER_PAYING)
    if answer.status in (ChannelStatus.CLOSED, ChannelStatus.REFUNDED):
        return Meaning(_D, ErrorCode.TRADE_CLOSED)
    known = SIM_CODES.get(answer.code)
    if answer.status is ChannelStatus.DECLINED:
        return known or Meaning(_D, ErrorCode.CHANNEL_DECLINED)
    if answer.status is ChannelStatus.NOT_FOUND:
        return Meaning(_U, ErrorCode.SYSTEM_ERROR)
    if known is not None and known.outcome is _U:
        return known
    return Meaning(_U, ErrorCode.SYSTEM_ERROR, channel_fault=True)
