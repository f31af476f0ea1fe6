"""Start-up: settle every payment and refund left in doubt before a new payment, and say so."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from protocol.money import format_fen
from terminal_sdk.journal import PaymentEntry
from terminal_sdk.session import PaymentResult

from ..i18n import N_, current_language, ngettext, tr
from .base import PosScreen

__all__ = ["StartupScreen"]


class StartupScreen(PosScreen):
    TITLE_TEXT = N_("Starting")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "continue", N_("Continue"))]

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.done = False
        self.summary = ""

    def body(self) -> ComposeResult:
        with Vertical(id="startup"):
            yield Static(id="startup-head", markup=False)
            yield Static(id="startup-lines", markup=False)

    def on_mount(self) -> None:
        self.show()
        self.settle()

    def after_retranslate(self) -> None:
        self.show()

    def show(self) -> None:
        head = (
            self.summary
            if self.done
            else tr("Settling payments left in doubt before the first sale...")
        )
        self.query_one("#startup-head", Static).update(head)
        self.query_one("#startup-lines", Static).update("\n".join(self.lines[-12:]))

    @work(exclusive=True)
    async def settle(self) -> None:
        terminal = self.pos.terminal
        assert terminal is not None
        in_doubt = len(terminal.in_doubt()) + len(terminal.journal.refunds_in_doubt())
        if in_doubt:
            self.lines.append(
                ngettext(
                    "{n} payment or refund is in doubt.",
                    "{n} payments or refunds are in doubt.",
                    in_doubt,
                )
            )
            self.show()
        report = await terminal.settle(on_result=self._settled)
        self.done = True
        if not report.payments and not report.refunds:
            self.summary = tr("Nothing was left in doubt.")
            self.show()
            self.dismiss(True)
            return
        self.summary = (
            tr(
                "Settled {p} payment(s) and {r} refund(s) left in doubt; "
                "{w} still wait for the backend.",
                p=len(report.payments),
                r=len(report.refunds),
                w=report.still_in_doubt,
            )
            + "  "
            + tr("Enter: continue.")
        )
        self.show()
        self.notify(self.summary, timeout=8)

    def _settled(self, entry: PaymentEntry, result: PaymentResult) -> None:
        outcome = tr("PAID") if result.paid else tr("NOT CHARGED")
        words = result.message(current_language())
        self.lines.append(
            f"{entry.out_trade_no}  {format_fen(entry.amount_fen)}  {outcome}: {words}"
        )
        self.show()

    def action_continue(self) -> None:
        if self.done:
            self.dismiss(True)
