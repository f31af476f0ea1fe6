"""The result, large and unmistakable: PAID or NOT CHARGED, why, and the points left.

After a code payment that was not charged the cashier can take the same
amount in cash or by bank card; after a paid points part whose remainder
goes to an external wallet, this screen takes the second scan.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from appkit.messages import Scanned
from appkit.result import ResultScreen as AppResultScreen
from protocol.money import format_fen, parse_fen
from protocol.paycode import Issuer
from terminal_sdk.session import PaymentResult

from ..i18n import N_, tr
from ..i18n import points as points_text
from ..payment import PaymentOrder, wallet_remainder
from ..sale import RemainderTender
from .base import PosScreen

__all__ = ["ResultScreen", "TenderResultScreen"]


class ResultScreen(AppResultScreen, PosScreen):
    NOT_CHARGED = N_("N O T   C H A R G E D")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "done", N_("Next sale")),
        Binding("escape", "back", N_("Back to the sale")),
        Binding("f5", "cash", N_("Take cash instead")),
        Binding("f6", "card", N_("Bank card instead")),
    ]

    def __init__(self, result: PaymentResult, order: PaymentOrder) -> None:
        super().__init__(result)
        self.order = order

    @property
    def points_part_paid(self) -> bool:
        """This was the wallet code for the remainder, after the points part was paid."""
        return self.order.remainder_scan and self.order.plan.code_fen > 0

    def remainder_order(self) -> PaymentOrder | None:
        """What a wallet code scanned now would pay: the remainder still open, if any."""
        if self.result.paid and self.order.wallet_remainder_due:
            tender = self.result.trade.issuer if self.result.trade else None
            return wallet_remainder(self.order, tender.value if tender else "points")
        if not self.result.paid and self.points_part_paid:
            return self.order  # the remainder's code was not charged: another code may pay it
        return None

    def takes_scans(self) -> bool:
        return self.remainder_order() is not None

    def on_mount(self) -> None:
        self.pos.result_shown()

    def after_details(self) -> ComposeResult:
        yield Static(self.next_step(), id="next-step", markup=False)

    def detail_lines(self) -> list[str]:
        lines = [tr("Amount: {amount}", amount=format_fen(self.order.amount_fen))]
        trade = self.result.trade
        if trade is not None and self.result.paid:
            if trade.issuer in (Issuer.POINTS, None):
                lines.append(tr("Points used: {points}", points=points_text(trade.points)))
            if trade.balance_points is not None:
                lines.append(tr("Balance left: {points}", points=points_text(trade.balance_points)))
            if trade.issuer is Issuer.CARD and trade.balance_card_fen is not None:
                lines.append(
                    tr("Card balance left: {amount}", amount=format_fen(trade.balance_card_fen))
                )
        elif trade is not None and trade.balance_points is not None:
            lines.append(
                tr("Customer's balance: {points}", points=points_text(trade.balance_points))
            )
        if self.result.out_trade_no:
            lines.append(tr("Payment no.: {no}", no=self.result.out_trade_no))
        return lines

    def next_step(self) -> str:
        if not self.result.paid and self.points_part_paid:
            return tr(
                "The points part is paid. Remainder {amount}: scan another wallet code, "
                "or F5/F6: cash / card.",
                amount=format_fen(self.order.amount_fen),
            )
        if not self.result.paid:
            return tr(
                "Esc: back to the sale to scan again   F5/F6: take {amount} in cash / by card",
                amount=format_fen(self.due_by_other_tender()),
            )
        if self.order.wallet_remainder_due:
            return tr(
                "Remainder {amount}: scan the customer's wallet code now (or F5/F6: cash / card).",
                amount=format_fen(self.order.plan.remainder_fen),
            )
        if self.order.till_tender_fen:
            return tr(
                "Take the remainder: {amount}. Enter: next sale.",
                amount=format_fen(self.order.till_tender_fen),
            )
        return tr("Enter: next sale.")

    def due_by_other_tender(self) -> int:
        if self.result.paid:
            return self.order.plan.remainder_fen if self.order.wallet_remainder_due else 0
        return self.order.amount_fen + self.order.till_tender_fen

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("cash", "card"):
            return self.due_by_other_tender() > 0
        if action == "done":
            return self.result.paid and not self.order.wallet_remainder_due
        if action == "back":
            return not self.result.paid and not self.points_part_paid
        return True

    def on_scanned(self, message: Scanned) -> None:
        order = self.remainder_order()
        if order is not None:
            self.pos.start_payment(order, message.scan.text)

    def action_done(self) -> None:
        self.pos.back_to_sale(clear=True)

    def action_back(self) -> None:
        self.pos.back_to_sale(clear=False)

    def _take(self, tender: RemainderTender) -> None:
        amount = self.due_by_other_tender()
        self.pos.record_tender(self.order.order_no, tender, amount)
        if tender is not RemainderTender.CASH:  # cash: queued once the cash given is typed
            self.pos.sale_complete(self.order.order_no)
        self.app.switch_screen(TenderResultScreen(amount, tender, self.order.order_no))

    def action_cash(self) -> None:
        self._take(RemainderTender.CASH)

    def action_card(self) -> None:
        self._take(RemainderTender.BANK_CARD)


class TenderResultScreen(PosScreen):
    """Money the till takes itself: the cashier takes the cash or runs the card terminal.

    For cash the cashier may type what the customer handed over: the change
    is shown, and both go on the receipt, which is queued when the sale is
    left (Enter, or any other way off this screen).
    """

    TITLE_TEXT = N_("Result")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "done", N_("Next sale"))]

    def __init__(self, amount_fen: int, tender: RemainderTender, order_no: str) -> None:
        super().__init__()
        self.amount_fen = amount_fen
        self.tender = tender
        self.order_no = order_no
        self.receipt_queued = tender is not RemainderTender.CASH  # card: queued already
        self.given_fen: int | None = None  # the cash handed over, once typed (and enough)

    @property
    def cash(self) -> bool:
        return self.tender is RemainderTender.CASH

    def body(self) -> ComposeResult:
        big = tr("C A S H") if self.cash else tr("B A N K   C A R D")
        with Vertical(id="result"):
            yield Static(big, id="big", classes="tender", markup=False)
            yield Static(
                tr(
                    "Take {amount} by {tender}.",
                    amount=format_fen(self.amount_fen),
                    tender=self.tender.label,
                ),
                id="reason",
                markup=False,
            )
            yield Static(tr("Order no.: {no}", no=self.order_no), id="result-details", markup=False)
            if self.cash:
                yield Input(placeholder=tr("cash given (optional), then Enter"), id="cash-given")
                yield Static(id="change", markup=False)
            yield Static(tr("Enter: next sale."), id="next-step", markup=False)

    def on_mount(self) -> None:
        if self.cash:
            self.query_one("#cash-given", Input).focus()

    @on(Input.Changed, "#cash-given")
    def _given_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        try:
            given = parse_fen(text) if text else None
        except ValueError:
            given = None
        self.given_fen = given if given is not None and given >= self.amount_fen else None
        change = "" if self.given_fen is None else tr("Change: {amount}", amount=format_fen(
            self.given_fen - self.amount_fen))  # fmt: skip
        self.query_one("#change", Static).update(change)

    @on(Input.Submitted, "#cash-given")
    def _given_entered(self) -> None:
        self.action_done()

    def queue_receipt(self) -> None:
        if not self.receipt_queued:
            self.receipt_queued = True
            self.pos.sale_complete(self.order_no, cash_given_fen=self.given_fen)

    def on_unmount(self) -> None:
        self.queue_receipt()  # left some other way (the app quit): the receipt still prints

    def action_done(self) -> None:
        self.queue_receipt()
        self.pos.back_to_sale(clear=True)
