"""The courier's round as the handheld shows it: the backend's orders plus what it knows itself.

The backend's list may be old (fetched before the signal went); the handheld
also knows its own queued sign-offs and the payments in its journal. The
shown step of an order is the most advanced one it knows of.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from protocol.models import CodOrderView, CodStatus

from .localstore import SignOff, SignOffState

__all__ = ["OrderRow", "Step", "order_rows"]


class Step(StrEnum):
    TO_COLLECT = "TO_COLLECT"  # take the payment (wallet code, or cash)
    PAID = "PAID"  # paid from the wallet: sign off
    QUEUED = "QUEUED"  # signed off here, not yet sent
    REFUSED = "REFUSED"  # the backend refused this handheld's sign-off
    SIGNED_OFF = "SIGNED_OFF"  # done

    @property
    def can_pay(self) -> bool:
        return self in (Step.TO_COLLECT, Step.REFUSED)

    @property
    def done(self) -> bool:
        return self in (Step.QUEUED, Step.SIGNED_OFF)


@dataclass(frozen=True)
class OrderRow:
    order: CodOrderView
    step: Step
    out_trade_no: str | None  # the wallet payment, if any
    sign_off: SignOff | None

    @property
    def order_no(self) -> str:
        return self.order.order_no


def order_rows(
    orders: list[CodOrderView],
    sign_off_for: Callable[[str], SignOff | None],
    paid_trade_for: Callable[[str], str | None],
) -> list[OrderRow]:
    """Each order with its shown step; ``paid_trade_for`` reads the handheld's journal."""
    rows = []
    for order in orders:
        local = sign_off_for(order.order_no)
        paid = order.out_trade_no or paid_trade_for(order.order_no)
        if order.status is CodStatus.SIGNED_OFF or (
            local is not None and local.state is SignOffState.SENT
        ):
            step = Step.SIGNED_OFF
        elif local is not None and local.state is SignOffState.QUEUED:
            step = Step.QUEUED
        elif local is not None and local.state is SignOffState.REFUSED:
            step = Step.PAID if paid else Step.REFUSED
        elif paid:
            step = Step.PAID
        else:
            step = Step.TO_COLLECT
        rows.append(OrderRow(order, step, paid if not order.paid_cash else None, local))
    return rows
