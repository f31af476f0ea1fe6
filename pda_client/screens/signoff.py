"""The sign-off: who took the parcel, and how it was paid (this wallet payment, or cash).

The sign-off is written to the handheld's queue before it is sent, so it is
never lost: sent at once when the backend answers, otherwise sent later by
the app (also after a restart). The screen says which it was, large.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from appkit.i18n import current_language
from protocol.errors import message_for
from protocol.models import CodOrderView
from protocol.money import format_fen

from ..i18n import N_, tr
from ..localstore import SignOff, SignOffConflict, SignOffState
from .base import PdaScreen

__all__ = ["SignOffScreen"]


class SignOffScreen(PdaScreen):
    TITLE_TEXT = N_("Sign-off")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("enter", "done", N_("Orders"), show=True),
    ]

    def __init__(self, order: CodOrderView, *, out_trade_no: str | None) -> None:
        super().__init__()
        self.order = order
        self.out_trade_no = out_trade_no
        self.outcome: SignOff | None = None
        self.sending = False

    @property
    def cash(self) -> bool:
        return self.out_trade_no is None

    def body(self) -> ComposeResult:
        with Vertical(id="signoff"):
            yield Static("\n".join(self.payment_lines()), id="signoff-details", markup=False)
            yield Label(tr("Received by (name):"))
            yield Input(self.order.recipient, id="recipient", max_length=128)
            yield Static(id="signoff-result", markup=False)

    def payment_lines(self) -> list[str]:
        lines = [tr("Order {no}", no=self.order.order_no)]
        amount = format_fen(self.order.amount_fen)
        if self.cash:
            lines.append(tr("Collect {amount} in cash.", amount=amount))
        else:
            lines.append(tr("Paid from the wallet: {amount}", amount=amount))
        return lines

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#recipient", Input).focus()
        self.show()

    def after_retranslate(self) -> None:
        self.show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "done":
            return self.outcome is not None and not self.sending
        if action == "back":
            return self.outcome is None and not self.sending
        return True

    @on(Input.Submitted, "#recipient")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.outcome is not None:
            self.action_done()
            return
        name = event.value.strip()
        if not name:
            self.query_one("#signoff-result", Static).update(tr("Type the name of who took it."))
            return
        try:
            stored = self.pda.queue_sign_off(
                SignOff(
                    order_no=self.order.order_no,
                    recipient_name=name,
                    amount_fen=self.order.amount_fen,
                    out_trade_no=self.out_trade_no,
                    paid_cash=self.cash,
                )
            )
        except SignOffConflict:
            self.query_one("#signoff-result", Static).update(
                tr("This order was already signed off.")
            )
            return
        self.pda.print_sign_off(stored)
        self.sending = True
        self.outcome = stored
        self.show()
        self.send(stored)

    @work(exclusive=True, group="sign-off")
    async def send(self, stored: SignOff) -> None:
        self.outcome = await self.pda.send_now(stored)
        self.sending = False
        self.query_one("#recipient", Input).disabled = True
        self.show()
        self.refresh_bindings()
        self.focus()

    def show(self) -> None:
        result = self.query_one("#signoff-result", Static)
        if self.outcome is None:
            result.set_classes("")
            result.update("")
            return
        if self.sending:
            result.set_classes("waiting")
            result.update(tr("SENDING..."))
        elif self.outcome.state is SignOffState.SENT:
            result.set_classes("paid")
            result.update(tr("SIGNED OFF") + "\n" + tr("Enter: back to the orders."))
        elif self.outcome.state is SignOffState.QUEUED:
            result.set_classes("waiting")
            result.update(
                tr("SAVED ON THE HANDHELD") + "\n" + tr("It is sent when the connection is back.")
            )
        else:
            why = message_for(self.outcome.reason or "SYSTEM_ERROR", current_language())
            result.set_classes("not-charged")
            result.update(tr("SIGN-OFF REFUSED") + "\n" + why)

    def action_back(self) -> None:
        if self.outcome is None:
            self.app.pop_screen()

    def action_done(self) -> None:
        from .orders import OrdersScreen

        if self.outcome is None or self.sending:
            return
        while len(self.app.screen_stack) > 1 and not isinstance(self.app.screen, OrdersScreen):
            self.app.pop_screen()
