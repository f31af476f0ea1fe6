"""The payment at the door: what the SDK is doing, and the PIN or SMS code when it is asked for.

Above the customer's no-PIN limit the courier hands the handheld over and
the customer types the PIN here; it shows as dots and is sealed into an
envelope for this trade the moment Enter is pressed (``seal_pin`` with the
backend's key, in :meth:`PaymentScreen.pin_entered`), so the digits never
leave this screen. Or the customer reads out the SMS code and the courier
types it (F3); when PIN payments are locked that is the only way. Esc stops
the payment, which reverses it. The screen ends only with a definite result.
"""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from appkit.progress import follow
from protocol.models import CodOrderView
from protocol.money import format_fen
from protocol.paycode import classify, mask
from protocol.pin import ClearPin, PinEnvelope, PinEnvelopeError, seal_pin
from terminal_sdk.session import (
    EventKind,
    PaymentResult,
    PaymentSession,
    PinRequest,
    SessionEvent,
    SmsCode,
)

from ..i18n import N_, tr
from ..widgets.pinentry import PinEntry
from .base import PdaScreen

__all__ = ["PaymentScreen"]


class PaymentScreen(PdaScreen):
    TITLE_TEXT = N_("Payment")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop", N_("Stop")),
        Binding("f3", "sms", N_("SMS code")),
    ]

    def __init__(self, order: CodOrderView, code: str) -> None:
        super().__init__()
        self.order = order
        self.code = code
        self.kind: EventKind = EventKind.SENDING
        self.attempts_left: int | None = None
        self.deadline: float | None = None
        self.note = ""
        self.stopping = False
        self.request: PinRequest | None = None
        self.sms_mode = False
        self._answer: asyncio.Future[PinEnvelope | SmsCode | None] | None = None
        self.session: PaymentSession | None = None

    def body(self) -> ComposeResult:
        with Vertical(id="payment"):
            yield Static(id="banner", markup=False)
            yield Static(id="details", markup=False)
            yield Static(id="pin-prompt", markup=False)
            yield PinEntry(self.pin_entered, id="pin")
            yield Input(
                placeholder=tr("SMS code: 6 digits, Enter"),
                id="sms",
                max_length=6,
                restrict=r"[0-9]*",
            )
            yield Static(id="note", markup=False)
            yield Static(id="countdown", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(0.25, self.show_countdown)
        self.show_entries()
        self.show()
        self.pay()

    def after_retranslate(self) -> None:
        self.show_entries()
        self.show()

    # -- the payment ----------------------------------------------------------------------

    @work(exclusive=True, group="payment")
    async def pay(self) -> None:
        terminal = self.pda.terminal
        assert terminal is not None
        self.pda.payment_running = True
        try:
            self.session = session = terminal.session(
                pin_source=self.ask_pin, on_event=self.on_session_event
            )
            result = await session.pay(
                self.code,
                self.order.amount_fen,
                order_no=self.order.order_no,
                description=self.order.trade_description,
            )
        finally:
            self.pda.payment_running = False
        self.finish(result)

    def finish(self, result: PaymentResult) -> None:
        from .result import ResultScreen

        if not result.paid:
            self.pda.check_health_now()
        self.pda.round_changed()
        self.app.switch_screen(ResultScreen(result, self.order))

    def on_session_event(self, event: SessionEvent) -> None:
        if event.kind is EventKind.RESULT:
            return
        if event.kind is EventKind.PIN_WRONG:
            self.note = tr("Wrong PIN. Tries left: {n}", n=event.attempts_left)
        elif event.kind is EventKind.PIN_LOCKED:
            self.note = tr("PIN locked: the customer reads out the SMS code (F3).")
        follow(self, event, self.clock())
        self.show()

    # -- the PIN or the SMS code ------------------------------------------------------------

    async def ask_pin(self, request: PinRequest) -> PinEnvelope | SmsCode | None:
        """The session's PIN source: a PIN sealed here, the typed SMS code, or None (stopped)."""
        answer: asyncio.Future[PinEnvelope | SmsCode | None] = (
            asyncio.get_running_loop().create_future()
        )
        self._answer = answer
        self.request = request
        self.attempts_left = request.attempts_left
        if request.locked:
            self.sms_mode = True
            self.note = tr("PIN locked: the customer reads out the SMS code (F3).")
        self.show_entries()
        self.show()
        try:
            return await answer
        finally:
            self._answer = None
            self.request = None
            if self.is_attached:  # not while the app shuts down
                self.show_entries()

    def pin_entered(self, pin: ClearPin) -> None:
        """Enter on the PIN entry: seal the PIN for this trade at once; only the envelope leaves."""
        request, answer = self.request, self._answer
        if request is None or answer is None or answer.done():
            return
        try:
            envelope = seal_pin(pin, request.trade_ref, request.pin_public_key.encode("ascii"))
        except (PinEnvelopeError, ValueError) as exc:  # no usable PIN key: reverse, say so
            answer.set_exception(exc)
            return
        answer.set_result(envelope)
        self.note = tr("Checking the PIN...")
        self.show()

    @on(Input.Submitted, "#sms")
    def _sms_entered(self, event: Input.Submitted) -> None:
        digits = event.value.strip()
        event.input.value = ""
        if len(digits) != 6 or not digits.isdigit():
            self.note = tr("The SMS code has 6 digits.")
        elif self._answer is not None and not self._answer.done():
            self._answer.set_result(SmsCode(digits))
            self.note = tr("Checking the SMS code...")
        self.show()

    def show_entries(self) -> None:
        asking = self._answer is not None
        pin = self.query_one("#pin", PinEntry)
        sms = self.query_one("#sms", Input)
        pin.display = asking and not self.sms_mode
        sms.display = asking and self.sms_mode
        if not asking:
            pin.clear()
            sms.value = ""
        elif self.sms_mode:
            sms.focus()
        else:
            pin.focus()

    # -- showing ----------------------------------------------------------------------------

    def show(self) -> None:
        banner = self.query_one("#banner", Static)
        banner.set_classes("reversing" if self.kind is EventKind.REVERSING else "waiting")
        banner.update(self.headline())
        lines = [
            tr("Amount: {amount}", amount=format_fen(self.order.amount_fen)),
            tr("Code: {code}", code=mask(classify(self.code).text)),
        ]
        if self.kind is EventKind.WAITING_FOR_PIN and self.attempts_left is not None:
            lines.append(tr("PIN tries left: {n}", n=self.attempts_left))
        self.query_one("#details", Static).update("\n".join(lines))
        self.query_one("#pin-prompt", Static).update(self.prompt())
        self.query_one("#note", Static).update(self.note)
        self.show_countdown()

    def headline(self) -> str:
        if self.stopping and self.kind is not EventKind.REVERSING:
            return tr("STOPPING")
        return {
            EventKind.SENDING: tr("SENDING"),
            EventKind.WAITING_FOR_PIN: tr("PIN NEEDED"),
            EventKind.CONFIRMING: tr("CHECKING"),
            EventKind.QUERYING: tr("CHECKING THE RESULT"),
            EventKind.REVERSING: tr("REVERSING"),
        }.get(self.kind, tr("SENDING"))

    def prompt(self) -> str:
        if self._answer is None:
            if self.kind is EventKind.REVERSING:
                return tr("Reversing so that nothing is charged. Please wait.")
            return tr("Please wait: the result will be definite.")
        if self.sms_mode:
            return tr("Type the SMS code the customer reads out, then Enter.")
        return tr("Customer: type your PIN, then Enter. (F3: SMS code)")

    def clock(self) -> float:
        return time.monotonic()

    def show_countdown(self) -> None:
        widget = self.query_one("#countdown", Static)
        if self.deadline is None:
            widget.update("")
            return
        left = max(0, int(self.deadline - self.clock() + 0.999))
        widget.update(tr("Time left: {s} s", s=left))

    # -- keys --------------------------------------------------------------------------------

    def action_stop(self) -> None:
        if self.session is not None and not self.stopping:
            self.stopping = True
            self.session.stop()
            self.show()

    def action_sms(self) -> None:
        if self._answer is None:
            self.notify(tr("No PIN is asked for now."), severity="warning")
            return
        self.sms_mode = not self.sms_mode or (self.request is not None and self.request.locked)
        self.show_entries()
        self.show()
