"""Refunds and lookups by payment number: the original trade is shown before anything is sent.

The cashier types (or picks from the recent list) a payment number; the
trade is looked up at the backend and shown with what is left to refund;
the refund amount is the whole rest unless a smaller amount is typed; F10
confirms. Refunds are journalled and retried with the same number by the SDK.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.widgets import Input, Label, Static

from appkit.i18n import current_language
from appkit.messages import Scanned
from protocol.errors import ScanPayError
from protocol.models import TradeView
from protocol.money import format_fen, parse_fen
from protocol.paycode import CodeKind, classify

from ..i18n import N_, tr
from ..i18n import points as points_text
from .base import PosScreen

__all__ = ["RefundScreen", "trade_lines"]


def trade_lines(trade: TradeView, order_no: str = "") -> list[str]:
    """The original trade, as the cashier checks it before refunding."""
    when = (
        time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(trade.created_at))
        if trade.created_at
        else "-"
    )
    lines = [
        tr("Payment no.: {no}", no=trade.out_trade_no),
        tr("State: {state}", state=state_words(trade)),
        tr("Amount: {amount}", amount=format_fen(trade.amount_fen)),
        tr("Points: {points}", points=points_text(trade.points)),
        tr("Refunded so far: {amount}", amount=format_fen(trade.refunded_fen)),
        tr("Code: {code}   Time: {when}", code=trade.code_masked or "-", when=when),
    ]
    if order_no:
        lines.insert(1, tr("Order no.: {no}", no=order_no))
    return lines


def state_words(trade: TradeView) -> str:
    return {
        "SUCCESS": tr("paid"),
        "PARTIALLY_REFUNDED": tr("paid, partly refunded"),
        "REFUNDED": tr("refunded in full"),
        "CLOSED": tr("closed, not charged"),
        "FAILED": tr("failed, not charged"),
        "PIN_REQUIRED": tr("waiting for the PIN"),
        "PROCESSING": tr("in progress"),
    }.get(trade.state.value, trade.state.value)


class RefundScreen(PosScreen):
    ACCEPTS_SCANS = True  # the receipt's Code128 or QR code is the payment number
    TITLE_TEXT = N_("Refund / lookup")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f10", "confirm", N_("Confirm refund")),
        Binding("escape", "back", N_("Back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.trade: TradeView | None = None
        self.order_no = ""
        self.message = ""
        self.confirming = False

    def body(self) -> ComposeResult:
        with Vertical(id="refund"):
            with Grid(classes="form"):
                yield Label(tr("Payment no."))
                yield Input(placeholder=tr("e.g. P2611241530000001a3f2, then Enter"), id="trade-no")
                yield Label(tr("Refund amount"))
                yield Input(placeholder=tr("empty = all that is left"), id="refund-amount")
            yield Static(id="trade", markup=False)
            yield Static(id="refund-message", markup=False)
            yield Static(id="recent", markup=False)

    def on_mount(self) -> None:
        self.query_one("#trade-no", Input).focus()
        self.show()

    def after_retranslate(self) -> None:
        self.show()

    def refundable(self) -> int:
        if self.trade is None or not self.trade.state.is_paid:
            return 0
        return self.trade.amount_fen - self.trade.refunded_fen

    def show(self) -> None:
        trade_widget = self.query_one("#trade", Static)
        if self.trade is None:
            trade_widget.update("")
        else:
            lines = trade_lines(self.trade, self.order_no)
            lines.append(tr("Left to refund: {amount}", amount=format_fen(self.refundable())))
            trade_widget.update("\n".join(lines))
        self.query_one("#refund-message", Static).update(self.message)
        recent = self.pos.terminal.journal.recent_payments(5) if self.pos.terminal else []
        rows = [tr("Recent payments:")] + [
            f"  {p.out_trade_no}  {format_fen(p.amount_fen)}  {p.state.value}" for p in recent
        ]
        self.query_one("#recent", Static).update("\n".join(rows) if recent else "")

    @on(Input.Submitted, "#trade-no")
    def _lookup(self, event: Input.Submitted) -> None:
        number = event.value.strip()
        if not number:
            return
        self.trade = None
        self.confirming = False
        self.message = tr("Looking it up...")
        self.show()
        self.lookup(number)

    def on_scanned(self, message: Scanned) -> None:
        """A scan of the receipt's code: its payment number, looked up as if typed."""
        text = message.scan.text.strip()
        if classify(text).kind in (CodeKind.OWN, CodeKind.EXTERNAL, CodeKind.MISREAD):
            self.message = tr("That is a customer's payment code: scan the code on the receipt.")
            self.show()
            self.app.bell()
            return
        self.query_one("#trade-no", Input).value = text
        self.trade = None
        self.confirming = False
        self.message = tr("Looking it up...")
        self.show()
        self.lookup(text)

    @work(exclusive=True, group="refund")
    async def lookup(self, number: str) -> None:
        terminal = self.pos.terminal
        assert terminal is not None
        try:
            self.trade = await terminal.client.query(number)
        except ScanPayError as exc:
            self.message = exc.message(current_language())
            self.show()
            return
        entry = terminal.journal.payment(number)
        self.order_no = entry.order_no if entry else ""
        if self.refundable() > 0:
            self.message = tr(
                "Type a smaller amount for a partial refund, or leave it empty; F10 confirms."
            )
            amount = self.query_one("#refund-amount", Input)
            amount.value = ""
            amount.focus()
        else:
            self.message = tr("Nothing can be refunded on this payment.")
        self.show()

    @on(Input.Submitted, "#refund-amount")
    def _amount_entered(self) -> None:
        self.action_confirm()

    def refund_amount(self) -> int | None:
        text = self.query_one("#refund-amount", Input).value.strip()
        left = self.refundable()
        if not text:
            return left
        try:
            amount = parse_fen(text)
        except ValueError:
            self.message = tr("{text} is not an amount; type it like 12.30", text=text)
            return None
        if amount <= 0 or amount > left:
            self.message = tr(
                "The refund must be more than zero and at most {amount}.", amount=format_fen(left)
            )
            return None
        return amount

    def action_confirm(self) -> None:
        if self.trade is None or self.refundable() <= 0:
            self.message = tr("Look up a paid payment first.")
            self.show()
            return
        amount = self.refund_amount()
        if amount is None:
            self.show()
            return
        if not self.confirming:
            self.confirming = True
            self.message = tr(
                "Refund {amount} to the customer? Press F10 again to confirm, Esc to go back.",
                amount=format_fen(amount),
            )
            self.show()
            return
        self.confirming = False
        self.message = tr("Refunding {amount}...", amount=format_fen(amount))
        self.show()
        self.refund(self.trade.out_trade_no, amount)

    @work(exclusive=True, group="refund")
    async def refund(self, number: str, amount: int) -> None:
        terminal = self.pos.terminal
        assert terminal is not None
        result = await terminal.refund(number, amount)
        if result.done:
            self.message = tr("REFUNDED {amount}.", amount=format_fen(amount))
            if result.view is not None:
                self.trade = result.view.trade
                self.pos.refund_done(result.view)
            self.query_one("#refund-amount", Input).value = ""
        else:
            self.message = tr("NOT REFUNDED.") + " " + result.message(current_language())
        self.show()

    def action_back(self) -> None:
        if self.confirming:
            self.confirming = False
            self.message = ""
            self.show()
            return
        self.dismiss(None)
