"""The payment in progress: a blocking screen that shows what the SDK is doing, with a countdown.

While the customer types the PIN the cashier sees the amount, the attempts
left and how many digits were typed (never the digits), with the time left.
Waiting for an answer shows the querying, and a reversal shows as such.
Esc stops the payment, which reverses it; F7 takes the SMS code instead of
the PIN. The screen ends only with a definite result. It draws a
:class:`~pos_client.payment.PaymentRun`, which the app drives.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from appkit.console import glyph
from protocol.money import format_fen
from protocol.paycode import classify, mask
from terminal_sdk.session import EventKind

from ..i18n import N_, tr
from ..payment import PaymentRun
from .base import PosScreen

__all__ = ["PaymentScreen"]

PIN_LENGTH = 6


class PaymentScreen(PosScreen):
    TITLE_TEXT = N_("Payment")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop", N_("Stop (reverses)")),
        Binding("f7", "sms", N_("SMS code")),
    ]

    def __init__(self, payment: PaymentRun) -> None:
        super().__init__()
        self.payment = payment
        self.composed = False

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
        self.composed = True
        self.query_one("#sms", Input).display = False
        self.set_interval(0.25, self.show_countdown)
        self.show()

    def after_retranslate(self) -> None:
        sms = self.query_one("#sms", Input)
        sms.display = self.payment.kind is EventKind.WAITING_FOR_PIN and sms.has_focus
        self.show()

    # -- showing ----------------------------------------------------------------------------

    def show(self) -> None:
        if not self.composed:
            return  # on_mount draws it
        run = self.payment
        if run.kind is not EventKind.WAITING_FOR_PIN:
            self.hide_sms()
        banner = self.query_one("#banner", Static)
        banner.set_classes("waiting" if run.kind is not EventKind.REVERSING else "reversing")
        headline, detail = self.describe()
        banner.update(headline)
        lines = [
            tr("Amount") + f"   {format_fen(run.order.amount_fen)}",
            tr("Code") + f"     {mask(classify(run.code).text)}",
        ]
        if run.kind is EventKind.WAITING_FOR_PIN and run.attempts_left is not None:
            lines.append(tr("Attempts left: {n}", n=run.attempts_left))
        lines.append(detail)
        self.query_one("#details", Static).update("\n".join(lines))
        mirror = self.query_one("#mirror", Static)
        if run.kind is EventKind.WAITING_FOR_PIN and run.pad is not None:
            typed = min(run.digits, PIN_LENGTH)
            dots = glyph("filled") * typed + glyph("empty") * (PIN_LENGTH - typed)
            mirror.update(tr("PIN") + "  " + " ".join(dots))
        else:
            mirror.update("")
        self.query_one("#note", Static).update(tr(run.note) if run.note else "")
        self.query_one("#hint", Static).update(self.hint())
        self.show_countdown()

    def describe(self) -> tuple[str, str]:
        run = self.payment
        if run.stopping and run.kind is not EventKind.REVERSING:
            return tr("STOPPING"), tr("Stopping the payment; it will be reversed.")
        attempt = run.event.attempt if run.event else 0
        return {
            EventKind.SENDING: (tr("SENDING"), tr("Sending the payment...")),
            EventKind.WAITING_FOR_PIN: (
                tr("WAITING FOR THE CUSTOMER'S PIN"),
                tr("The customer types the PIN on the PIN pad.")
                if run.pad is not None
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
        }.get(run.kind, (tr("SENDING"), ""))

    def hint(self) -> str:
        if self.payment.kind is EventKind.REVERSING:
            return tr("Please wait: the result will be definite.")
        if self.payment.kind is EventKind.WAITING_FOR_PIN:
            return tr("Esc: stop (nothing is charged)   F7: type the SMS code instead")
        return tr("Esc: stop (the payment is reversed)")

    def show_countdown(self) -> None:
        widget = self.query_one("#countdown", Static)
        left = self.payment.seconds_left()
        if left is None:
            widget.update("")
        elif self.payment.kind is EventKind.QUERYING:
            widget.update(tr("Reversed in {s} s if still unknown", s=left))
        else:
            widget.update(tr("Time left: {s} s", s=left))

    # -- keys --------------------------------------------------------------------------------

    def action_stop(self) -> None:
        self.payment.stop()

    def action_sms(self) -> None:
        if not self.payment.pin_source.waiting:
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
            self.notify(tr("The SMS code has 6 digits."), severity="warning")
            return
        if self.payment.give_sms_code(digits):
            self.notify(tr("SMS code sent."))
        self.hide_sms()
