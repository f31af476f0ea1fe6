"""What a receipt says: sales, refunds, the shift's reports and a courier's sign-off slip.

A :class:`Receipt` is the content alone, in the language it is printed in,
kept as JSON in the print queue (so a receipt printed hours later says what
it said at the sale). :meth:`Receipt.lines` lays it out for a paper's width
as styled lines; the payment numbers come last, to be printed as a Code128
and a QR code, so a refund starts with a scan of the receipt.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from protocol.money import format_fen

from .i18n import N_, words
from .shift import TENDER_NAMES

__all__ = ["Receipt", "ReceiptKind", "ReceiptLine", "TenderPaid"]


class ReceiptKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    REPORT = "report"
    SIGNOFF = "signoff"


TITLES = {
    ReceiptKind.SALE: N_("SALE"),
    ReceiptKind.REFUND: N_("REFUND"),
    ReceiptKind.SIGNOFF: N_("COD SIGN-OFF"),
}


class TenderPaid(BaseModel):
    """One way the sale was paid (or the refund given back)."""

    model_config = ConfigDict(frozen=True)

    tender: str  # points, card, wechat..., cash, bank_card
    amount_fen: int
    payment_no: str = ""  # the code payment's number (out_trade_no); "" for cash and card
    code_masked: str = ""
    points: int = 0


@dataclass(frozen=True)
class ReceiptLine:
    """``style``: title, text, rule, report (as it is, small font when needed) or code."""

    style: str
    text: str = ""


class Receipt(BaseModel):
    """One receipt's content. ``reference`` names it once: the print queue prints it once."""

    model_config = ConfigDict(frozen=True)

    kind: ReceiptKind
    reference: str
    lang: str = "en"
    at: float = Field(default_factory=time.time)
    store: str = ""
    till: str = ""
    cashier: str = ""  # the courier on a sign-off slip
    amount_fen: int = 0
    parts: list[TenderPaid] = Field(default_factory=list)
    balance_points: int | None = None
    card_balance_fen: int | None = None
    cash_given_fen: int | None = None
    payment_no: str = ""  # a refund's or a sign-off's payment
    recipient: str = ""
    report_text: str = ""  # an X or Z report, printed as the file says it

    @property
    def codes(self) -> list[str]:
        """The payment numbers printed as codes (to scan for a refund)."""
        found = [p.payment_no for p in self.parts if p.payment_no]
        if self.payment_no and self.payment_no not in found:
            found.append(self.payment_no)
        return found

    @property
    def change_fen(self) -> int | None:
        cash = sum(p.amount_fen for p in self.parts if p.tender == "cash")
        if self.cash_given_fen is None or not cash:
            return None
        return max(self.cash_given_fen - cash, 0)

    def lines(self, width: int) -> list[ReceiptLine]:
        """The receipt laid out ``width`` cells wide, in its language."""
        if self.kind is ReceiptKind.REPORT:
            return [
                ReceiptLine("report", line) for line in self.report_text.rstrip("\n").split("\n")
            ]
        w = words(self.lang)

        def row(label: str, value: str) -> ReceiptLine:
            gap = max(width - _cells(label) - _cells(value), 1)
            return ReceiptLine("text", label + " " * gap + value)

        def tender(name: str) -> str:
            return w.tr(TENDER_NAMES[name]) if name in TENDER_NAMES else name.upper()

        out = [ReceiptLine("title", w.tr(TITLES[self.kind]))]
        if self.store:
            out.append(ReceiptLine("text", w.tr("Store {store}", store=self.store)))
        if self.till:
            out.append(ReceiptLine("text", w.tr("Till {till}", till=self.till)))
        if self.cashier:
            signoff = self.kind is ReceiptKind.SIGNOFF
            who = N_("Courier {name}") if signoff else N_("Cashier {name}")
            out.append(ReceiptLine("text", w.tr(who, name=self.cashier)))
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.at))
        out += [
            ReceiptLine("text", stamp),
            ReceiptLine("text", w.tr("No. {no}", no=self.reference)),
        ]
        out.append(ReceiptLine("rule"))
        total = N_("REFUNDED") if self.kind is ReceiptKind.REFUND else N_("TOTAL")
        out.append(row(w.tr(total), format_fen(self.amount_fen)))
        for part in self.parts:
            out.append(row("  " + tender(part.tender), format_fen(part.amount_fen)))
            if part.points:
                out.append(row("    " + w.tr("points used"), f"{part.points:,}"))
            if part.code_masked:
                out.append(row("    " + w.tr("code"), part.code_masked))
        if self.balance_points is not None:
            out.append(row(w.tr("Points left"), f"{self.balance_points:,}"))
        if self.card_balance_fen is not None:
            out.append(row(w.tr("Card balance"), format_fen(self.card_balance_fen)))
        change = self.change_fen
        if self.cash_given_fen is not None and change is not None:
            out.append(row(w.tr("Cash given"), format_fen(self.cash_given_fen)))
            out.append(row(w.tr("Change"), format_fen(change)))
        if self.kind is ReceiptKind.SIGNOFF:
            out.append(ReceiptLine("text", w.tr("Received by {name}", name=self.recipient)))
            out.append(ReceiptLine("text", ""))
            out.append(ReceiptLine("text", w.tr("Signature:") + " " + "_" * max(width - 12, 8)))
        out.append(ReceiptLine("rule"))
        for number in self.codes:
            out.append(ReceiptLine("text", w.tr("Payment no. {no}", no=number)))
            out.append(ReceiptLine("code", number))
        if self.kind is ReceiptKind.SALE:
            out.append(ReceiptLine("text", w.tr("Thank you!")))
        return out


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
