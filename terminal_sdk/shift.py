"""The shift's totals per tender, from the journal: one computation for X and Z reports.

An X report is read in the middle of a shift and changes nothing; a Z report
closes the shift. Both are :func:`shift_report` over the same tender lines,
so they can never disagree. Counted amounts (what the cashier counts in the
drawer, or reads off the card terminal's own report) are compared with the
expected ones per tender.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass, field

from protocol.money import format_fen

from .i18n import N_, words
from .journal import Journal

__all__ = ["TENDER_NAMES", "ShiftReport", "TenderTotals", "close_shift", "shift_report"]

#: each tender's heading in a report (a tender not named here is shown as its code)
TENDER_NAMES = {
    "cash": N_("CASH"),
    "bank_card": N_("BANK CARD"),
    "points": N_("POINTS"),
    "card": N_("STORED-VALUE CARD"),
    "wechat": N_("WECHAT PAY"),
    "alipay": N_("ALIPAY"),
    "unionpay": N_("UNIONPAY"),
}


@dataclass
class TenderTotals:
    tender: str
    sales: int = 0
    sales_fen: int = 0
    refunds: int = 0
    refunds_fen: int = 0

    @property
    def expected_fen(self) -> int:
        return self.sales_fen - self.refunds_fen


@dataclass
class ShiftReport:
    kind: str  # "X" or "Z"
    shift_id: int
    cashier: str
    opened_at: float
    totals: dict[str, TenderTotals] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)
    printed_at: float = field(default_factory=time.time)
    no_sales: int = 0  # times the drawer was opened without a sale

    @property
    def expected_fen(self) -> int:
        return sum(t.expected_fen for t in self.totals.values())

    def difference(self, tender: str) -> int | None:
        """Counted minus expected for ``tender``; None if it was not counted."""
        if tender not in self.counted:
            return None
        expected = self.totals[tender].expected_fen if tender in self.totals else 0
        return self.counted[tender] - expected

    def as_text(self, width: int = 40, lang: str = "en") -> str:
        """The report as plain text for a receipt printer or the screen, in ``lang``.

        ``width`` counts terminal cells: a Chinese character takes two.
        """
        w = words(lang)
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.printed_at))
        opened = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.opened_at))
        title = w.tr("{kind} REPORT", kind=self.kind)
        lines = [
            _centred(title, width),
            w.tr(
                "shift {shift}  cashier {cashier}", shift=self.shift_id, cashier=self.cashier or "-"
            ),
            w.tr("opened {time}", time=opened),
            w.tr("printed {time}", time=stamp),
            "-" * width,
        ]
        tenders = sorted(set(self.totals) | set(self.counted))
        for tender in tenders:
            t = self.totals.get(tender, TenderTotals(tender))
            lines.append(w.tr(TENDER_NAMES[tender]) if tender in TENDER_NAMES else tender.upper())
            sales = "  " + w.tr("sales x{count}", count=t.sales)
            lines.append(_row(sales, format_fen(t.sales_fen), width))
            refunds = "  " + w.tr("refunds x{count}", count=t.refunds)
            lines.append(_row(refunds, format_fen(-t.refunds_fen), width))
            lines.append(_row("  " + w.tr("expected"), format_fen(t.expected_fen), width))
            diff = self.difference(tender)
            if diff is not None:
                lines.append(_row("  " + w.tr("counted"), format_fen(self.counted[tender]), width))
                lines.append(_row("  " + w.tr("difference"), format_fen(diff), width))
        lines.append("-" * width)
        lines.append(_row(w.tr("TOTAL expected"), format_fen(self.expected_fen), width))
        if self.no_sales:
            lines.append(_row(w.tr("drawer opened without a sale"), f"x{self.no_sales}", width))
        return "\n".join(lines) + "\n"


def _cells(text: str) -> int:
    """How many terminal (or receipt) cells ``text`` takes: wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _centred(text: str, width: int) -> str:
    left = max(width - _cells(text), 0) // 2
    return " " * left + text + " " * max(width - _cells(text) - left, 0)


def _row(label: str, value: str, width: int) -> str:
    return label + " " * max(width - _cells(label) - len(value), 1) + value


def shift_report(
    journal: Journal, counted: dict[str, int] | None = None, *, kind: str = "X"
) -> ShiftReport:
    """Totals of the open shift (raises ``ValueError`` when no shift is open)."""
    current = journal.current_shift()
    if current is None:
        raise ValueError("No shift is open. Open a shift first.")
    shift_id, cashier, opened_at = current
    report = ShiftReport(kind, shift_id, cashier, opened_at, counted=dict(counted or {}))
    report.no_sales = journal.no_sales(shift_id)
    for line in journal.tender_lines(shift_id):
        totals = report.totals.setdefault(line.tender, TenderTotals(line.tender))
        if line.kind == "sale":
            totals.sales += 1
            totals.sales_fen += line.amount_fen
        else:
            totals.refunds += 1
            totals.refunds_fen += line.amount_fen
    return report


def close_shift(journal: Journal, counted: dict[str, int], *, lang: str = "en") -> ShiftReport:
    """The Z report: the same totals, with counted amounts, and the shift closed.

    The journal keeps the report's text in ``lang``, as it was printed.
    """
    report = shift_report(journal, counted, kind="Z")
    journal.close_shift(report.shift_id, report.as_text(lang=lang))
    return report
