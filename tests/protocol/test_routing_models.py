"""The messages routing added: combination parts, allow_partial, the guide, the new reasons."""

import pytest
from pydantic import ValidationError

from protocol.errors import ERRORS, ErrorCode, PaymentDeclined, ServiceUnavailable, message_for
from protocol.models import (
    GuideRequest,
    GuideResponse,
    GuideTender,
    OtherTendersRequest,
    PayRequest,
    Tender,
)

BASE = {"terminal_id": "T1", "timestamp": 1_700_000_000, "nonce": "a" * 32, "sign": "X"}
PAY = {**BASE, "out_trade_no": "order-0001", "payment_code": "8" * 18, "amount_fen": 300}
CASH = {"tender": "cash", "amount_fen": 700}


def test_the_parts_of_a_combination_must_add_up_to_the_order_total():
    ok = PayRequest.model_validate({**PAY, "order_total_fen": 1_000, "other_tenders": [CASH]})
    assert ok.other_tenders[0].tender is Tender.CASH
    with pytest.raises(ValidationError, match="amount_fen plus the other tenders"):
        PayRequest.model_validate({**PAY, "order_total_fen": 999, "other_tenders": [CASH]})


def test_allow_partial_is_a_strict_flag_and_never_comes_with_other_tenders():
    assert PayRequest.model_validate({**PAY, "allow_partial": True}).allow_partial
    assert PayRequest.model_validate(PAY).allow_partial is False
    with pytest.raises(ValidationError):
        PayRequest.model_validate({**PAY, "allow_partial": "yes"})
    with pytest.raises(ValidationError, match="OtherTendersRequest"):
        PayRequest.model_validate({**PAY, "allow_partial": True, "other_tenders": [CASH]})


def test_other_tenders_are_recorded_one_to_eight_at_a_time():
    with pytest.raises(ValidationError):
        OtherTendersRequest.model_validate({**BASE, "out_trade_no": "order-0001"})
    with pytest.raises(ValidationError):
        OtherTendersRequest.model_validate(
            {**BASE, "out_trade_no": "order-0001", "other_tenders": [CASH] * 9}
        )


def test_the_guide_request_and_answer():
    request = GuideRequest.model_validate({**BASE, "amount_fen": 100, "categories": ["tobacco"]})
    assert request.categories == ["tobacco"]
    with pytest.raises(ValidationError):
        GuideRequest.model_validate({**BASE, "amount_fen": 0})
    answer = GuideResponse(
        tenders=[
            GuideTender(tender=Tender.CARD, available=True, recommended=True),
            GuideTender(
                tender=Tender.WECHAT, available=False, reason=ErrorCode.CHANNEL_MAINTENANCE
            ),
        ],
        routing_version=3,
    )
    assert answer.offered == [Tender.CARD]


def test_the_new_reasons_have_both_messages_and_say_nothing_was_charged_or_to_retry():
    assert ERRORS[ErrorCode.TENDER_NOT_ALLOWED].kind is PaymentDeclined
    assert ERRORS[ErrorCode.AMOUNT_OUT_OF_RANGE].kind is PaymentDeclined
    assert ERRORS[ErrorCode.CHANNEL_MAINTENANCE].kind is ServiceUnavailable
    for code in (ErrorCode.TENDER_NOT_ALLOWED, ErrorCode.AMOUNT_OUT_OF_RANGE):
        assert "another way to pay" in message_for(code, "en")
    assert "维护" in message_for(ErrorCode.CHANNEL_MAINTENANCE, "zh")
