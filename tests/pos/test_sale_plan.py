"""The sale as typed: what the customer's code pays, what the till takes itself."""

from __future__ import annotations

import pytest

from appkit.i18n import set_language
from pos_client.sale import RemainderTender, SaleInputError, plan_sale
from protocol.models import Tender


@pytest.fixture(autouse=True)
def english():
    set_language("en")


def test_the_code_pays_the_whole_amount_by_default():
    for empty in ("", "max", " MAX "):
        plan = plan_sale("12.50", empty, RemainderTender.CASH)
        assert (plan.amount_fen, plan.code_fen, plan.remainder_fen) == (1250, 1250, 0)
        assert plan.other_tenders() == []


def test_a_smaller_part_leaves_a_remainder_for_the_chosen_tender():
    plan = plan_sale("12.50", "10", RemainderTender.BANK_CARD)
    assert plan.remainder_fen == 250
    [part] = plan.other_tenders()
    assert (part.tender, part.amount_fen) == (Tender.BANK_CARD, 250)
    # a wallet remainder is a second payment, not a part the till takes itself
    assert plan_sale("12.50", "10", RemainderTender.WALLET).other_tenders() == []


@pytest.mark.parametrize(
    ("amount", "code", "words"),
    [
        ("", "", "Type the amount first."),
        ("12,50", "", "is not an amount"),
        ("0", "", "more than zero"),
        ("5", "6", "is more than the amount"),
        ("5", "abc", "type it like 5.00, or max"),
        ("-3", "", "is not an amount"),
    ],
)
def test_bad_input_is_refused_in_plain_words(amount, code, words):
    with pytest.raises(SaleInputError, match=words):
        plan_sale(amount, code, RemainderTender.CASH)


def test_refusals_are_in_the_current_language():
    set_language("zh")
    with pytest.raises(SaleInputError, match="请先输入金额"):
        plan_sale("", "", RemainderTender.CASH)


def test_the_tender_cycles_through_all_three():
    tender = RemainderTender.CASH
    seen = []
    for _ in range(3):
        seen.append(tender)
        tender = tender.next()
    assert tender is RemainderTender.CASH and set(seen) == set(RemainderTender)
