import pytest
from pydantic import ValidationError

from protocol.errors import (
    ERRORS,
    ErrorCode,
    OutcomeUnknown,
    PaymentDeclined,
    RequestRejected,
    ServiceUnavailable,
    error_for,
    message_for,
)
from protocol.models import ConfirmRequest, EarnPointsRequest, PayRequest, TradeState
from protocol.replay import is_fresh, is_valid_nonce, new_nonce

BASE = {"terminal_id": "T1", "timestamp": 1_700_000_000, "nonce": "a" * 32, "sign": "X"}


def pay(**extra):
    return {
        **BASE,
        "out_trade_no": "order-0001",
        "payment_code": "8" * 18,
        "amount_fen": 100,
        **extra,
    }


def test_pay_request_accepts_extension_fields_only():
    assert PayRequest.model_validate(pay(ext_lane="3")).model_extra == {"ext_lane": "3"}
    with pytest.raises(ValidationError, match="unknown field"):
        PayRequest.model_validate(pay(lane="3"))


@pytest.mark.parametrize(
    "bad",
    [
        {"amount_fen": 0},
        {"amount_fen": -5},
        {"amount_fen": 1.5},
        {"amount_fen": "100"},
        {"amount_fen": True},
        {"out_trade_no": "x"},
        {"out_trade_no": "has space"},
        {"payment_code": "12ab"},
        {"timestamp": "now"},
        {"nonce": "short"},
    ],
)
def test_pay_request_rejects_bad_values(bad):
    with pytest.raises(ValidationError):
        PayRequest.model_validate(pay(**bad))


def test_confirm_takes_exactly_one_secret():
    ok = ConfirmRequest.model_validate({**BASE, "out_trade_no": "order-0001", "sms_code": "123456"})
    assert ok.sms_code == "123456"
    with pytest.raises(ValidationError, match="exactly one"):
        ConfirmRequest.model_validate({**BASE, "out_trade_no": "order-0001"})
    envelope = {"key_id": "k", "wrapped_key": "w", "iv": "i", "ciphertext": "c"}
    with pytest.raises(ValidationError, match="exactly one"):
        ConfirmRequest.model_validate(
            {**BASE, "out_trade_no": "order-0001", "sms_code": "123456", "pin_envelope": envelope}
        )


def test_earn_names_one_member():
    with pytest.raises(ValidationError):
        EarnPointsRequest.model_validate({**BASE, "out_request_no": "earn-0001", "paid_fen": 100})


def test_trade_states():
    assert TradeState.PIN_REQUIRED.is_final is False
    assert TradeState.PROCESSING.is_final is False
    assert all(s.is_final for s in TradeState if s not in ("PIN_REQUIRED", "PROCESSING"))
    assert TradeState.PARTIALLY_REFUNDED.is_paid and not TradeState.CLOSED.is_paid


def test_every_error_has_both_messages_and_one_branch():
    assert set(ERRORS) == set(ErrorCode)
    for code, info in ERRORS.items():
        assert info.en and info.zh and info.en != info.zh
        exc = error_for(code)
        assert isinstance(exc, info.kind) and exc.code is code
        assert issubclass(
            info.kind, PaymentDeclined | RequestRejected | ServiceUnavailable | OutcomeUnknown
        )


def test_query_instead_only_for_unknown_outcomes():
    assert ERRORS[ErrorCode.SYSTEM_ERROR].query_instead
    assert ERRORS[ErrorCode.USER_PAYING].query_instead
    assert ERRORS[ErrorCode.NETWORK_ERROR].query_instead
    assert not ERRORS[ErrorCode.CODE_EXPIRED].query_instead
    assert not ERRORS[ErrorCode.SERVICE_BUSY].query_instead


def test_messages_follow_the_language():
    assert message_for("PIN_LOCKED", "zh_CN").startswith("密码")
    assert message_for(ErrorCode.PIN_LOCKED, "en").startswith("PIN")
    assert message_for(ErrorCode.PIN_LOCKED, "fr") == message_for(ErrorCode.PIN_LOCKED)
    assert "(detail)" in str(error_for(ErrorCode.BAD_REQUEST, "detail"))


def test_replay_helpers():
    nonce = new_nonce()
    assert is_valid_nonce(nonce) and nonce != new_nonce()
    assert not is_valid_nonce("x" * 8) and not is_valid_nonce(None)
    assert is_fresh(1000, now=1300) and is_fresh(1300, now=1000)
    assert not is_fresh(1000, now=1301)
    assert not is_fresh("1000", now=1000)  # type: ignore[arg-type]
