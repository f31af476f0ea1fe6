"""A sale as the cashier typed it: the amount, the part paid by the customer's code, the rest.

Pure logic, no screen: the sale screen turns its fields into a :class:`SalePlan`
or shows the :class:`SaleInputError`'s plain message. By default the customer's
code (points) pays the whole amount; the cashier may give a smaller part, and
the remainder is taken by cash, bank card, or a second code from an external
wallet (WeChat Pay, Alipay...).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from protocol.models import Tender, TenderPart
from protocol.money import format_fen, parse_fen

from .i18n import tr

__all__ = ["RemainderTender", "SaleInputError", "SalePlan", "plan_sale"]

MAX_WORDS = ("", "max", "all", "全部", "最大")


class RemainderTender(StrEnum):
    """How the part not paid by the customer's code is taken."""

    CASH = "cash"
    BANK_CARD = "bank_card"
    WALLET = "wallet"  # a second scan: an external wallet's payment code

    @property
    def label(self) -> str:
        return {
            RemainderTender.CASH: tr("cash"),
            RemainderTender.BANK_CARD: tr("bank card"),
            RemainderTender.WALLET: tr("wallet code"),
        }[self]

    def next(self) -> RemainderTender:
        members = list(RemainderTender)
        return members[(members.index(self) + 1) % len(members)]


class SaleInputError(ValueError):
    """What is wrong with the sale as typed, in plain words (current language)."""


@dataclass(frozen=True)
class SalePlan:
    amount_fen: int
    code_fen: int  # paid by the customer's code (points or stored value)
    tender: RemainderTender

    @property
    def remainder_fen(self) -> int:
        return self.amount_fen - self.code_fen

    def other_tenders(self) -> list[TenderPart]:
        """The parts the till takes itself, sent with the code payment so the trade records them."""
        if self.remainder_fen <= 0 or self.tender is RemainderTender.WALLET:
            return []
        return [TenderPart(tender=Tender(self.tender.value), amount_fen=self.remainder_fen)]

    def summary(self) -> str:
        text = tr("By code: {code}", code=format_fen(self.code_fen))
        if self.remainder_fen:
            text += "   " + tr(
                "Remainder: {amount} by {tender}",
                amount=format_fen(self.remainder_fen),
                tender=self.tender.label,
            )
        return text


def plan_sale(amount_text: str, code_text: str, tender: RemainderTender) -> SalePlan:
    """Check what was typed; raise :class:`SaleInputError` with what to fix."""
    if not amount_text.strip():
        raise SaleInputError(tr("Type the amount first."))
    try:
        amount = parse_fen(amount_text)
    except ValueError:
        raise SaleInputError(
            tr("{text} is not an amount; type it like 12.30", text=amount_text.strip())
        ) from None
    if amount <= 0:
        raise SaleInputError(tr("The amount must be more than zero."))
    if code_text.strip().lower() in MAX_WORDS:
        code = amount
    else:
        try:
            code = parse_fen(code_text)
        except ValueError:
            raise SaleInputError(
                tr(
                    "{text} is not an amount for the code; type it like 5.00, or max",
                    text=code_text.strip(),
                )
            ) from None
        if code > amount:
            raise SaleInputError(
                tr(
                    "The code's part ({code}) is more than the amount ({amount}).",
                    code=format_fen(code),
                    amount=format_fen(amount),
                )
            )
    return SalePlan(amount_fen=amount, code_fen=code, tender=tender)
