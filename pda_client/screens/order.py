"""At the door: one order, and what to do next.

To collect: scan the customer's payment code (the handheld's scan engine or
the camera), or take cash (F2). Paid from the wallet: sign off (F3). With
no connection a wallet payment cannot be taken, and the screen says so
before anyone scans: cash is the way.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from appkit.i18n import current_language
from appkit.messages import Scanned
from protocol.errors import message_for
from protocol.money import format_fen

from ..board import OrderRow, Step
from ..i18n import N_, tr
from .base import PdaScreen
from .orders import step_words

__all__ = ["OrderScreen"]


class OrderScreen(PdaScreen):
    TITLE_TEXT = N_("Delivery")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("f2", "cash", N_("Cash")),
        Binding("f3", "sign_off", N_("Sign off")),
    ]

    def __init__(self, order_no: str) -> None:
        super().__init__()
        self.order_no = order_no

    @property
    def row(self) -> OrderRow | None:
        return self.pda.row(self.order_no)

    def takes_scans(self) -> bool:
        row = self.row
        return row is not None and row.step.can_pay

    def body(self) -> ComposeResult:
        with Vertical(id="order"):
            yield Static(id="order-details", markup=False)
            yield Static(id="order-step")
            yield Static(id="offline", markup=False)
            yield Static(id="order-hint", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.watch(self.pda, "status_version", lambda _v: self.show(), init=False)
        self.show()

    def on_screen_resume(self) -> None:
        self.show()

    def round_changed(self) -> None:
        self.show()

    def after_retranslate(self) -> None:
        self.show()

    def show(self) -> None:
        row = self.row
        if row is None:
            self.query_one("#order-details", Static).update(tr("This order is no longer listed."))
            return
        order = row.order
        lines = [
            tr("Order {no}", no=order.order_no),
            order.recipient,
            order.address,
            tr("To pay: {amount}", amount=format_fen(order.amount_fen)),
        ]
        self.query_one("#order-details", Static).update("\n".join(x for x in lines if x))
        words, style = step_words(row)
        self.query_one("#order-step", Static).update(Text(words.upper(), style=style))
        offline = self.query_one("#offline", Static)
        offline.display = row.step.can_pay and (self.pda.backend_down or self.pda.switched_off)
        if self.pda.switched_off:
            offline.update(
                tr("Switched off by store IT: call store IT. No wallet payment. F2: take cash.")
            )
        else:
            offline.update(tr("No connection: no wallet payment now. F2: take cash."))
        self.query_one("#order-hint", Static).update(self.hint(row))
        self.refresh_bindings()

    def hint(self, row: OrderRow) -> str:
        if row.step.can_pay:
            text = tr("Scan the customer's payment code, or F2: cash.")
            if row.step is Step.REFUSED and row.sign_off is not None and row.sign_off.reason:
                refused = message_for(row.sign_off.reason, current_language())
                text = tr("Sign-off refused: {why}", why=refused) + "\n" + text
            return text
        if row.step is Step.PAID:
            return tr("Paid from the wallet. F3: sign off.")
        if row.sign_off is not None:
            return tr("Received by {name}.", name=row.sign_off.recipient_name)
        if row.order.signed_by:
            return tr("Received by {name}.", name=row.order.signed_by)
        return ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        row = self.row
        if action == "cash":
            return row is not None and row.step.can_pay
        if action == "sign_off":
            return row is not None and row.step is Step.PAID
        return True

    def on_scanned(self, message: Scanned) -> None:
        from .payment import PaymentScreen

        row = self.row
        if row is None or not row.step.can_pay:
            return
        if not self.pda.started:
            self.notify(tr("Still starting: try again in a moment."), severity="warning")
            return
        self.app.push_screen(PaymentScreen(row.order, message.scan.text))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_cash(self) -> None:
        from .signoff import SignOffScreen

        row = self.row
        if row is not None and row.step.can_pay:
            self.app.push_screen(SignOffScreen(row.order, out_trade_no=None))

    def action_sign_off(self) -> None:
        from .signoff import SignOffScreen

        row = self.row
        if row is not None and row.step is Step.PAID and row.out_trade_no:
            self.app.push_screen(SignOffScreen(row.order, out_trade_no=row.out_trade_no))
