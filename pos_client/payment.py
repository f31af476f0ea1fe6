"""One code payment in progress: the SDK session, where the PIN comes from, and its state.

The app starts a :class:`PaymentRun` the moment a code is scanned, so the
request leaves before any screen is drawn; a payment that is answered at
once goes straight to its result. When the run has to wait (the PIN, a
query, a reversal, or a slow answer) the blocking payment screen shows it;
that screen only draws this object's state.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from appkit.progress import follow
from protocol.models import Tender, TenderPart
from terminal_sdk.session import (
    EventKind,
    PaymentResult,
    PaymentSession,
    PinRequest,
    SessionEvent,
)
from terminal_sdk.terminal import Terminal

from .i18n import N_
from .pin import CashierPinSource, PadReader
from .sale import RemainderTender, SalePlan

__all__ = ["PaymentOrder", "PaymentRun", "first_payment", "wallet_remainder"]

log = logging.getLogger(__name__)

WAITING = frozenset(
    {EventKind.WAITING_FOR_PIN, EventKind.CONFIRMING, EventKind.QUERYING, EventKind.REVERSING}
)
LOCKED_NOTE = N_("PIN payments are locked: only the SMS code can confirm it (F7).")
WRONG_PIN_NOTE = N_("Wrong PIN: the customer can try again.")
PAD_FAILED_NOTE = N_("The PIN pad is not answering: ask the customer for the SMS code (F7).")


@dataclass(frozen=True)
class PaymentOrder:
    """One code payment of a sale: how much this code pays and what else the sale took."""

    order_no: str
    plan: SalePlan
    amount_fen: int
    other_tenders: list[TenderPart] = field(default_factory=list)
    remainder_scan: bool = False  # this is the wallet code paying the remainder

    @property
    def till_tender_fen(self) -> int:
        """Cash or bank card the till takes itself once this payment is paid."""
        till = (Tender.CASH, Tender.BANK_CARD)
        return sum(p.amount_fen for p in self.other_tenders if p.tender in till)

    @property
    def wallet_remainder_due(self) -> bool:
        return (
            not self.remainder_scan
            and self.plan.tender is RemainderTender.WALLET
            and self.plan.remainder_fen > 0
            and self.amount_fen == self.plan.code_fen
        )


def first_payment(plan: SalePlan, order_no: str) -> PaymentOrder:
    if plan.code_fen == 0:  # nothing by points: the scanned wallet code pays it all
        return PaymentOrder(order_no, plan, plan.amount_fen, remainder_scan=True)
    return PaymentOrder(order_no, plan, plan.code_fen, plan.other_tenders())


def wallet_remainder(order: PaymentOrder, code_tender: str) -> PaymentOrder:
    """The second payment: an external wallet's code pays what the points did not."""
    try:
        paid_by = Tender(code_tender)
    except ValueError:
        paid_by = Tender.POINTS
    return PaymentOrder(
        order.order_no,
        order.plan,
        order.plan.remainder_fen,
        [TenderPart(tender=paid_by, amount_fen=order.plan.code_fen)],
        remainder_scan=True,
    )


class PaymentRun:
    """The state of one payment as the SDK reports it; ``on_change`` is called on every change."""

    def __init__(
        self,
        order: PaymentOrder,
        code: str,
        pad: PadReader | None,
        on_change: Callable[[PaymentRun], None],
    ) -> None:
        self.order = order
        self.code = code
        self.pad = pad
        self._on_change = on_change
        self.kind = EventKind.SENDING
        self.event: SessionEvent | None = None
        self.deadline: float | None = None  # on clock()
        self.attempts_left: int | None = None
        self.digits = 0
        self.note = ""  # a catalog message id, translated when shown
        self.stopping = False
        self.pad_problem = ""
        self.pin_source = CashierPinSource(
            pad,
            on_request=self._pin_requested,
            on_digits=self._digits_typed,
            on_pad_failed=self._pad_failed,
        )
        self.session: PaymentSession | None = None

    @property
    def waiting(self) -> bool:
        """The customer or the network is being waited for: the blocking screen shows it."""
        return self.kind in WAITING or self.stopping

    def clock(self) -> float:
        return time.monotonic()

    def seconds_left(self) -> int | None:
        if self.deadline is None:
            return None
        return max(0, int(self.deadline - self.clock() + 0.999))

    async def run(self, terminal: Terminal) -> PaymentResult:
        self.session = terminal.session(pin_source=self.pin_source, on_event=self._on_event)
        plan = self.order.plan
        return await self.session.pay(
            self.code,
            self.order.amount_fen,
            order_no=self.order.order_no,
            other_tenders=self.order.other_tenders or None,
            order_total_fen=plan.amount_fen if plan.remainder_fen else None,
        )

    def stop(self) -> None:
        """The cashier stops the payment: the SDK reverses it (nothing charged)."""
        if self.session is not None and not self.stopping:
            self.stopping = True
            self.session.stop()
            self._changed()

    def give_sms_code(self, digits: str) -> bool:
        return self.pin_source.give_sms_code(digits)

    def _changed(self) -> None:
        """Tell the screens; a fault in drawing must never end the payment itself."""
        try:
            self._on_change(self)
        except Exception:
            log.exception("showing the payment's state failed")

    def _on_event(self, event: SessionEvent) -> None:
        self.event = event
        if event.kind is EventKind.RESULT:
            return
        if event.kind is EventKind.PIN_WRONG:
            self.note = WRONG_PIN_NOTE
        elif event.kind is EventKind.PIN_LOCKED:
            self.note = LOCKED_NOTE
        follow(self, event, self.clock())
        if event.kind is EventKind.WAITING_FOR_PIN:
            self.digits = 0
        self._changed()

    def _pin_requested(self, request: PinRequest) -> None:
        self.attempts_left = request.attempts_left
        if request.locked:
            self.note = LOCKED_NOTE
        self._changed()

    def _pad_failed(self, why: str) -> None:
        self.pad_problem = why
        self.note = PAD_FAILED_NOTE
        self._changed()

    def _digits_typed(self, count: int) -> None:
        self.digits = count
        self._changed()
