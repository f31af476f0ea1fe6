"""Start-up: settle every payment left in doubt by a crash before a new one, and say so."""

from __future__ import annotations

from appkit.i18n import current_language
from appkit.startup import StartupScreen as SettleInDoubt
from protocol.money import format_fen
from terminal_sdk.journal import PaymentEntry
from terminal_sdk.session import PaymentResult
from terminal_sdk.terminal import SettleReport

from ..i18n import N_, tr
from .base import PdaScreen

__all__ = ["StartupScreen"]


class StartupScreen(SettleInDoubt, PdaScreen):
    SETTLING = N_("Settling payments left in doubt...")
    SHOWN_LINES = 8

    def result_lines(self, entry: PaymentEntry, result: PaymentResult) -> list[str]:
        return [
            f"{entry.order_no or entry.out_trade_no}  {format_fen(entry.amount_fen)}",
            f"  {self.outcome(result)}: {result.message(current_language())}",
        ]

    def summary_of(self, report: SettleReport) -> str:
        return tr(
            "Settled {p} payment(s) left in doubt; {w} still wait for the backend.",
            p=len(report.payments),
            w=report.still_in_doubt,
        )
