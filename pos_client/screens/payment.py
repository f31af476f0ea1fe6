"""The payment in progress: a blocking screen that shows what the SDK is doing, with a countdown.

While the customer types the PIN the cashier sees the amount, the attempts
left and how many digits were typed (never the digits), with the time left.
Waiting for an answer shows the querying, and a reversal shows as such.
Esc stops the payment, which reverses it; F7 takes the SMS code instead of
the PIN. The screen ends only with a definite result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from protocol.models import Tender, TenderPart
from protocol.money import format_fen
from protocol.paycode import classify, mask
from terminal_sdk.session import (
    EventKind,
    PaymentResult,
    PaymentSession,
    PinRequest,
    SessionEvent,
)

from ..i18n import N_, current_language, tr
from ..pin import CashierPinSource
from ..sale import RemainderTender, SalePlan
from .base import PosScreen

__all__ = ["PaymentOrder", "PaymentScreen", "first_payment", "wallet_remainder"]

PIN_LENGTH = 6


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
        return sum(
            p.amount_fen for p in self.other_tenders if p.tender in (Tender.CASH, Tender.BANK_CARD)
        )

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


class PaymentScreen(PosScreen):
    TITLE_TEXT = N_("Payment")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop", N_("Stop (reverses)")),
        Binding("f7", "sms", N_("SMS code")),
    ]

    def __init__(self, order: PaymentOrder, code: str) -> None:
        super().__init__()
        self.order = order
        self.code = code
        self.kind: EventKind = EventKind.SENDING
        self.event: SessionEvent | None = None
        self.deadline: float | None = None
        self.attempts_left: int | None = None
        self.digits = 0
        self.note = ""
        self.stopping = False
        self.pin_source = CashierPinSource(
            on_request=self._pin_requested, on_digits=self._digits_typed
        )
        self.session: PaymentSession | None = None

    def body(self) -> ComposeResult:
        with Vertical(id="payment"):
            yield Static(id="banner", markup=False)
            yield Static(id="details", markup=False)
            yield Static(id="mirror", markup=False)
            yield Static(id="countdown", markup=False)
            yield Static(id="note", markup=False)
            yield Input(
                placeholder=tr("SMS code: 6 digits, then Enter"),
                id="sms",
                max_length=6,
                restrict=r"[0-9]*",
            )
            yield Static(id="hint", markup=False)

    def on_mount(self) -> None:
        self.pin_source.pad = self.pos.pad
        self.query_one("#sms", Input).display = False
        self.set_interval(0.25, self.show_countdown)
        self.show()
        self.pay()

    def after_retranslate(self) -> None:
        self.query_one("#sms", Input).display = (
            self.kind is EventKind.WAITING_FOR_PIN and self.query_one("#sms", Input).has_focus
        )
        self.show()

    # -- the payment ----------------------------------------------------------------------

    @work(exclusive=True, group="payment")
    async def pay(self) -> None:
        terminal = self.pos.terminal
        assert terminal is not None
        self.pos.payment_running = True
        try:
            self.session = session = terminal.session(
                pin_source=self.pin_source, on_event=self.on_session_event
            )
            result = await session.pay(
                self.code,
                self.order.amount_fen,
                order_no=self.order.order_no,
                other_tenders=self.order.other_tenders or None,
                order_total_fen=self.order.plan.amount_fen
                if self.order.plan.remainder_fen
                else None,
            )
        finally:
            self.pos.payment_running = False
        self.finish(result)

    def finish(self, result: PaymentResult) -> None:
        from .result import ResultScreen

        if result.paid:
            for part in self.order.other_tenders:
                if part.tender in (Tender.CASH, Tender.BANK_CARD):
                    self.pos.record_tender(
                        self.order.order_no, RemainderTender(part.tender.value), part.amount_fen
                    )
        else:
            self.pos.check_health_now()
        self.pos.show_on_pad(result.message(current_language()))
        self.app.switch_screen(ResultScreen(result, self.order))

    def on_session_event(self, event: SessionEvent) -> None:
        self.event = event
        if event.kind is EventKind.RESULT:
            return
        if event.kind is EventKind.PIN_WRONG:
            self.note = tr("Wrong PIN: the customer can try again.")
        elif event.kind is EventKind.PIN_LOCKED:
            self.note = tr("PIN payments are locked: only the SMS code can confirm it (F7).")
        else:
            self.kind = event.kind
        if event.attempts_left is not None:
            self.attempts_left = event.attempts_left
        if event.seconds_left is not None:
            self.deadline = self.clock() + event.seconds_left
        elif event.kind in (EventKind.SENDING, EventKind.CONFIRMING, EventKind.REVERSING):
            self.deadline = None
        if event.kind is EventKind.WAITING_FOR_PIN:
            self.digits = 0
        else:
            self.hide_sms()
        self.show()

    def _pin_requested(self, request: PinRequest) -> None:
        self.attempts_left = request.attempts_left
        if request.locked:
            self.note = tr("PIN payments are locked: only the SMS code can confirm it (F7).")
        self.show()

    def _digits_typed(self, count: int) -> None:
        self.digits = count
        self.show()

    # -- showing ----------------------------------------------------------------------------

    def show(self) -> None:
        banner = self.query_one("#banner", Static)
        banner.set_classes("waiting" if self.kind is not EventKind.REVERSING else "reversing")
        headline, detail = self.describe()
        banner.update(headline)
        lines = [
            tr("Amount") + f"   {format_fen(self.order.amount_fen)}",
            tr("Code") + f"     {mask(classify(self.code).text)}",
        ]
        if self.kind is EventKind.WAITING_FOR_PIN and self.attempts_left is not None:
            lines.append(tr("Attempts left: {n}", n=self.attempts_left))
        lines.append(detail)
        self.query_one("#details", Static).update("\n".join(lines))
        mirror = self.query_one("#mirror", Static)
        if self.kind is EventKind.WAITING_FOR_PIN and self.pos.pad is not None:
            typed = min(self.digits, PIN_LENGTH)
            mirror.update(tr("PIN") + "  " + " ".join("●" * typed + "○" * (PIN_LENGTH - typed)))
        else:
            mirror.update("")
        self.query_one("#note", Static).update(self.note)
        self.query_one("#hint", Static).update(self.hint())
        self.show_countdown()

    def describe(self) -> tuple[str, str]:
        if self.stopping and self.kind is not EventKind.REVERSING:
            return tr("STOPPING"), tr("Stopping the payment; it will be reversed.")
        attempt = self.event.attempt if self.event else 0
        return {
            EventKind.SENDING: (tr("SENDING"), tr("Sending the payment...")),
            EventKind.WAITING_FOR_PIN: (
                tr("WAITING FOR THE CUSTOMER'S PIN"),
                tr("The customer types the PIN on the PIN pad.")
                if self.pos.pad is not None
                else tr("No PIN pad here: ask the customer for the SMS code and press F7."),
            ),
            EventKind.CONFIRMING: (
                tr("CHECKING THE PIN"),
                tr("Waiting for the payment service..."),
            ),
            EventKind.QUERYING: (
                tr("CHECKING THE RESULT"),
                tr("Asking the payment service whether it went through (query {n}).", n=attempt),
            ),
            EventKind.REVERSING: (
                tr("REVERSING"),
                tr("Reversing so that nothing is charged (attempt {n})...", n=attempt),
            ),
        }.get(self.kind, (tr("SENDING"), ""))

    def hint(self) -> str:
        if self.kind is EventKind.REVERSING:
            return tr("Please wait: the result will be definite.")
        if self.kind is EventKind.WAITING_FOR_PIN:
            return tr("Esc: stop (nothing is charged)   F7: type the SMS code instead")
        return tr("Esc: stop (the payment is reversed)")

    def clock(self) -> float:
        return time.monotonic()

    def show_countdown(self) -> None:
        widget = self.query_one("#countdown", Static)
        if self.deadline is None:
            widget.update("")
            return
        left = max(0, int(self.deadline - self.clock() + 0.999))
        if self.kind is EventKind.QUERYING:
            widget.update(tr("Reversed in {s} s if still unknown", s=left))
        else:
            widget.update(tr("Time left: {s} s", s=left))

    # -- keys --------------------------------------------------------------------------------

    def action_stop(self) -> None:
        if self.session is not None and not self.stopping:
            self.stopping = True
            self.session.stop()
            self.hide_sms()
            self.show()

    def action_sms(self) -> None:
        if not self.pin_source.waiting:
            self.notify(tr("No PIN is asked for now."), severity="warning")
            return
        sms = self.query_one("#sms", Input)
        sms.display = True
        sms.value = ""
        sms.focus()

    def hide_sms(self) -> None:
        sms = self.query_one("#sms", Input)
        sms.display = False
        sms.value = ""

    @on(Input.Submitted, "#sms")
    def _sms_entered(self, event: Input.Submitted) -> None:
        digits = event.value.strip()
        if len(digits) != 6 or not digits.isdigit():
            self.note = tr("The SMS code has 6 digits.")
            self.show()
            return
        if self.pin_source.give_sms_code(digits):
            self.note = tr("SMS code sent.")
        self.hide_sms()
        self.show()
