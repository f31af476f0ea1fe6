"""Start-up: settle every payment and refund left in doubt before a new payment, and say so."""

from __future__ import annotations

from appkit.i18n import current_language
from appkit.startup import StartupScreen as SettleInDoubt
from protocol.money import format_fen
from terminal_sdk.journal import PaymentEntry
from terminal_sdk.session import PaymentResult
from terminal_sdk.terminal import SettleReport, Terminal

from ..i18n import N_, ngettext, tr
from .base import PosScreen

__all__ = ["StartupScreen"]


class StartupScreen(SettleInDoubt, PosScreen):
    SETTLING = N_("Settling payments left in doubt before the first sale...")
    SHOWN_LINES = 12

    def before_settling(self, terminal: Terminal) -> None:
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

    def result_lines(self, entry: PaymentEntry, result: PaymentResult) -> list[str]:
        words = result.message(current_language())
        amount = format_fen(entry.amount_fen)
        return [f"{entry.out_trade_no}  {amount}  {self.outcome(result)}: {words}"]

    def summary_of(self, report: SettleReport) -> str:
        settled = tr(
            "Settled {p} payment(s) and {r} refund(s) left in doubt; "
            "{w} still wait for the backend.",
            p=len(report.payments),
            r=len(report.refunds),
            w=report.still_in_doubt,
        )
        return settled + "  " + tr("Enter: continue.")

    def settled(self, report: SettleReport) -> None:
        self.notify(self.summary, timeout=8)
