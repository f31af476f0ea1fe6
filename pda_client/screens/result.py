"""The result, large: PAID or NOT CHARGED, and why in plain words.

Paid: Enter goes on to the sign-off with this payment. Not charged: the
courier can scan again (Esc, back to the order) or take cash instead (F2).
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from appkit.result import ResultScreen as AppResultScreen
from protocol.models import CodOrderView
from protocol.money import format_fen
from terminal_sdk.session import PaymentResult

from ..i18n import N_, tr
from ..i18n import points as points_text
from .base import PdaScreen

__all__ = ["ResultScreen"]


class ResultScreen(AppResultScreen, PdaScreen):
    NOT_CHARGED = N_("NOT CHARGED")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "next", N_("Sign off")),
        Binding("escape", "back", N_("Scan again")),
        Binding("f2", "cash", N_("Cash instead")),
    ]

    def __init__(self, result: PaymentResult, order: CodOrderView) -> None:
        super().__init__(result)
        self.order = order

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
