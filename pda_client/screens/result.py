"""The result, large: PAID or NOT CHARGED, and why in plain words.

Paid: Enter goes on to the sign-off with this payment. Not charged: the
courier can scan again (Esc, back to the order) or take cash instead (F2).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from protocol.errors import ErrorCode, message_for
from protocol.models import CodOrderView
from protocol.money import format_fen
from terminal_sdk.session import PaymentResult

from ..i18n import N_, current_language, tr
from ..i18n import points as points_text
from .base import PdaScreen

__all__ = ["ResultScreen", "result_reason"]


def result_reason(result: PaymentResult) -> str:
    """The reason in plain words, in the current language."""
    if result.paid:
        return tr("The customer has paid.")
    text = message_for(result.reason or ErrorCode.CANCELLED, current_language())
    if result.reversal_pending:
        text += " " + tr("The reversal is finished automatically when the service is back.")
    return text


class ResultScreen(PdaScreen):
    TITLE_TEXT = N_("Result")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "next", N_("Sign off")),
        Binding("escape", "back", N_("Scan again")),
        Binding("f2", "cash", N_("Cash instead")),
    ]

    def __init__(self, result: PaymentResult, order: CodOrderView) -> None:
        super().__init__()
        self.result = result
        self.order = order

    def body(self) -> ComposeResult:
        paid = self.result.paid
        with Vertical(id="result"):
            yield Static(
                tr("P A I D") if paid else tr("NOT CHARGED"),
                id="big",
                classes="paid" if paid else "not-charged",
                markup=False,
            )
            yield Static(result_reason(self.result), id="reason", markup=False)
            yield Static("\n".join(self.detail_lines()), id="result-details", markup=False)

    def detail_lines(self) -> list[str]:
        lines = [
            tr("Order {no}", no=self.order.order_no),
            tr("Amount: {amount}", amount=format_fen(self.order.amount_fen)),
        ]
        trade = self.result.trade
        if trade is not None and self.result.paid and trade.points:
            lines.append(tr("Points used: {points}", points=points_text(trade.points)))
        if self.result.out_trade_no:
            lines.append(tr("Payment {no}", no=self.result.out_trade_no))
        return lines

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return self.result.paid
        if action in ("back", "cash"):
            return not self.result.paid
        return True

    def action_next(self) -> None:
        from .signoff import SignOffScreen

        if self.result.paid:
            screen = SignOffScreen(self.order, out_trade_no=self.result.out_trade_no)
            self.app.switch_screen(screen)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_cash(self) -> None:
        from .signoff import SignOffScreen

        self.app.switch_screen(SignOffScreen(self.order, out_trade_no=None))
