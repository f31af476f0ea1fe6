"""The sale: the amount, the part the customer's code pays, the remainder's tender; then scan.

The customer's code pays the whole amount unless the cashier types a
smaller part; the rest is taken in cash, by bank card, or with a second
code from an external wallet. When the backend cannot be reached the screen
says so plainly and offers cash and bank card for the whole amount.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.widgets import Input, Label, Static

from appkit.i18n import current_language
from appkit.messages import Scanned
from protocol.errors import ErrorCode, message_for
from protocol.money import format_fen
from protocol.paycode import CodeKind, classify

from ..i18n import N_, tr
from ..payment import first_payment
from ..sale import RemainderTender, SaleInputError, SalePlan, plan_sale
from .base import PosScreen

__all__ = ["SaleScreen"]


class SaleScreen(PosScreen):
    ACCEPTS_SCANS = True
    TITLE_TEXT = N_("Sale")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "refund", N_("Refund")),
        Binding("f3", "shift", N_("Shift")),
        Binding("f4", "tender", N_("Tender")),
        Binding("f5", "all_cash", N_("All cash")),
        Binding("f6", "all_card", N_("All card")),
        Binding("f7", "reprint", N_("Reprint receipt")),
        Binding("f8", "demo_scan", N_("Demo: scan")),
        Binding("f11", "no_sale", N_("No sale (drawer)")),
        Binding("escape", "clear", N_("Clear")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tender = RemainderTender.CASH

    def body(self) -> ComposeResult:
        with Vertical(id="sale"):
            yield Static(id="offline", markup=False)
            with Grid(id="sale-form"):
                yield Label(tr("Amount"))
                yield Input(placeholder="12.30", id="amount")
                yield Label(tr("By points (code)"))
                yield Input(placeholder=tr("max = the whole amount"), id="code-part")
                yield Label(tr("Remainder by"))
                yield Static(id="tender", markup=False)
            yield Static(id="plan", markup=False)
            yield Static(id="prompt", markup=False)

    def on_mount(self) -> None:
        self.query_one("#amount", Input).focus()
        self.watch(self.pos, "status_version", lambda _v: self.show_offline(), init=False)
        self.after_retranslate()

    def after_retranslate(self) -> None:
        self.show_tender()
        self.show_plan()
        self.show_offline()

    def on_screen_resume(self) -> None:
        self.query_one("#title", Static).update(self.title_line())
        self.show_offline()

    # -- showing --------------------------------------------------------------------------

    def show_tender(self) -> None:
        parts = [f"[{t.label}]" if t is self.tender else f" {t.label} " for t in RemainderTender]
        self.query_one("#tender", Static).update("  ".join(parts) + "   " + tr("(F4 changes)"))

    def show_offline(self) -> None:
        banner = self.query_one("#offline", Static)
        if self.pos.switched_off:
            banner.update(
                tr(
                    "This till has been switched off by store IT. Call store IT. "
                    "Points and wallet codes cannot be taken: take cash (F5) or bank card (F6)."
                )
            )
            banner.display = True
        elif self.pos.backend_down:
            banner.update(
                tr(
                    "PAYMENT SERVICE UNREACHABLE: points and wallet codes cannot be taken now. "
                    "Take cash (F5) or bank card (F6)."
                )
            )
            banner.display = True
        else:
            banner.display = False

    def plan(self) -> SalePlan:
        return plan_sale(
            self.query_one("#amount", Input).value,
            self.query_one("#code-part", Input).value,
            self.tender,
        )

    def show_plan(self) -> None:
        plan_widget = self.query_one("#plan", Static)
        prompt = self.query_one("#prompt", Static)
        prompt.remove_class("error")
        if not self.query_one("#amount", Input).value.strip():
            plan_widget.update("")
            prompt.update(tr("Type the amount, then scan the customer's payment code."))
            return
        try:
            plan = self.plan()
        except SaleInputError as exc:
            plan_widget.update("")
            prompt.update(str(exc))
            prompt.add_class("error")
            return
        plan_widget.update(
            tr("Total {amount}", amount=format_fen(plan.amount_fen)) + "   " + plan.summary()
        )
        if plan.code_fen or plan.tender is RemainderTender.WALLET:
            prompt.update(tr("Scan the customer's payment code."))
        else:
            prompt.update(
                tr("Nothing by code: press Enter to take it by {tender}.", tender=plan.tender.label)
            )

    @on(Input.Changed)
    def _changed(self) -> None:
        self.show_plan()

    @on(Input.Submitted, "#amount")
    def _amount_entered(self) -> None:
        self.query_one("#code-part", Input).focus()

    @on(Input.Submitted, "#code-part")
    def _code_part_entered(self) -> None:
        try:
            plan = self.plan()
        except SaleInputError:
            return
        if plan.code_fen == 0 and plan.tender is not RemainderTender.WALLET:
            self.take_by_tender(plan.amount_fen, plan.tender)

    # -- scanning and paying ----------------------------------------------------------------

    def on_scanned(self, message: Scanned) -> None:
        prompt = self.query_one("#prompt", Static)
        try:
            plan = self.plan()
        except SaleInputError as exc:
            prompt.update(str(exc))
            prompt.add_class("error")
            self.app.bell()
            return
        if self.pos.journal_shift() is None:
            prompt.update(tr("No shift is open: press F3 to open one first."))
            prompt.add_class("error")
            self.app.bell()
            return
        kind = classify(message.scan.text).kind
        if kind in (CodeKind.MISREAD, CodeKind.NOT_PAYMENT):  # refused here, nothing sent
            code = (
                ErrorCode.CODE_MISREAD if kind is CodeKind.MISREAD else ErrorCode.NOT_A_PAYMENT_CODE
            )
            prompt.update(message_for(code, current_language()))
            prompt.add_class("error")
            self.app.bell()
            return
        self.pos.start_payment(first_payment(plan, self.pos.new_order_no()), message.scan.text)

    def take_by_tender(self, amount_fen: int, tender: RemainderTender) -> None:
        from .result import TenderResultScreen

        if self.pos.journal_shift() is None:
            prompt = self.query_one("#prompt", Static)
            prompt.update(tr("No shift is open: press F3 to open one first."))
            prompt.add_class("error")
            return
        order_no = self.pos.new_order_no()
        self.pos.record_tender(order_no, tender, amount_fen)
        if tender is not RemainderTender.CASH:  # cash: queued once the cash given is typed
            self.pos.sale_complete(order_no)
        self.app.push_screen(TenderResultScreen(amount_fen, tender, order_no))

    def new_sale(self) -> None:
        self.query_one("#amount", Input).value = ""
        self.query_one("#code-part", Input).value = ""
        self.tender = RemainderTender.CASH
        self.show_tender()
        self.show_plan()
        self.query_one("#amount", Input).focus()

    # -- keys ---------------------------------------------------------------------------------

    def action_tender(self) -> None:
        if self.pos.payment_running:
            return
        self.tender = self.tender.next()
        self.show_tender()
        self.show_plan()

    def _whole_amount(self) -> int | None:
        try:
            return self.plan().amount_fen
        except SaleInputError as exc:
            prompt = self.query_one("#prompt", Static)
            prompt.update(str(exc))
            prompt.add_class("error")
            return None

    def action_all_cash(self) -> None:
        if self.pos.payment_running:
            return
        amount = self._whole_amount()
        if amount is not None:
            self.take_by_tender(amount, RemainderTender.CASH)

    def action_all_card(self) -> None:
        if self.pos.payment_running:
            return
        amount = self._whole_amount()
        if amount is not None:
            self.take_by_tender(amount, RemainderTender.BANK_CARD)

    def action_clear(self) -> None:
        if self.pos.payment_running:  # the payment is being sent: Esc stops it, as on its screen
            self.pos.stop_payment()
            return
        self.new_sale()

    def action_refund(self) -> None:
        if self.pos.payment_running:
            return
        from .refund import RefundScreen

        self.app.push_screen(RefundScreen())

    def action_shift(self) -> None:
        if self.pos.payment_running:
            return
        from .shift import ShiftScreen

        self.app.push_screen(ShiftScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "demo_scan":
            return self.pos.demo_scan is not None
        if action in ("reprint", "no_sale"):
            return self.pos.printing is not None
        return True

    def action_reprint(self) -> None:
        if self.pos.reprint_last():
            self.notify(tr("Printing the last receipt again."))
        else:
            self.notify(tr("No receipt to print again yet."), severity="warning")

    def action_no_sale(self) -> None:
        if self.pos.payment_running:
            return
        if self.pos.journal_shift() is None:
            self.notify(tr("No shift is open: press F3 to open one first."), severity="warning")
            return
        self.pos.no_sale()
        self.notify(tr("Drawer opened (no sale): counted in the shift report."))

    async def action_demo_scan(self) -> None:
        await self.pos.run_demo_scan()
