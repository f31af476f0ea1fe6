import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.paycode import (
    CodeKind,
    Issuer,
    classify,
    generate,
    luhn_check_digit,
    luhn_valid,
    mask,
    strip_scan,
)

own_issuers = st.sampled_from([Issuer.POINTS, Issuer.CARD])


def test_known_luhn_digits():
    # ISO/IEC 7812 examples: 7992739871 -> 3; a Visa test number.
    assert luhn_check_digit("7992739871") == "3"
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


@given(own_issuers)
def test_generated_codes_are_ours(issuer):
    code = generate(issuer)
    assert isinstance(code, str) and len(code) == 18 and code.isdigit()
    info = classify(code)
    assert info.kind is CodeKind.OWN
    assert info.issuer == issuer
    assert info.text == code


@given(own_issuers, st.integers(2, 17), st.integers(1, 9))
def test_any_single_digit_error_is_a_misread(issuer, pos, delta):
    code = generate(issuer)
    wrong = str((int(code[pos]) + delta) % 10)
    bad = code[:pos] + wrong + code[pos + 1 :]
    assert classify(bad).kind is CodeKind.MISREAD


@given(own_issuers)
def test_dropped_or_doubled_digit_is_a_misread(issuer):
    code = generate(issuer)
    assert classify(code[:-1]).kind is CodeKind.MISREAD
    assert classify(code + code[-1]).kind is CodeKind.MISREAD


@pytest.mark.parametrize(
    ("text", "issuer"),
    [
        ("134567890123456789", Issuer.WECHAT),  # 18 digits, 10-15
        ("101234567890123456", Issuer.WECHAT),
        ("2812345678901234", Issuer.ALIPAY),  # 16 digits, 25-30
        ("301234567890123456789012", Issuer.ALIPAY),  # 24 digits
        ("6212345678901234567", Issuer.UNIONPAY),  # 19 digits, 62
    ],
)
def test_external_issuers_by_prefix_and_length(text, issuer):
    info = classify(text)
    assert info.kind is CodeKind.EXTERNAL
    assert info.issuer == issuer


@pytest.mark.parametrize(
    "text",
    [
        "6901234567892",  # EAN-13 of a product
        "96385074",  # EAN-8
        "https://example.com/pay?x=1",
        "hello",
        "",
        "1612345678901234567",  # 19 digits, prefix 16: nobody's
        "171234567890123456",  # 18 digits, prefix 17
        "2412345678901234",  # 16 digits, prefix 24
        "30123456789012345678901234",  # 26 digits: too long for Alipay
        "62123456789012345",  # 17 digits, prefix 62
        "８１２３",  # full-width digits are not ASCII digits
    ],
)
def test_not_payment(text):
    info = classify(text)
    assert info.kind is CodeKind.NOT_PAYMENT
    assert info.issuer is None
    assert not info.is_payment


@given(own_issuers, st.sampled_from(["", "\r", "\n", "\r\n", "  ", "\t"]))
def test_whitespace_and_aim_prefix_are_stripped(issuer, tail):
    code = generate(issuer)
    for aim in ("]Q1", "]C0", "]E0"):
        info = classify(f" {aim}{code}{tail}")
        assert info.kind is CodeKind.OWN
        assert info.symbology == aim
        assert info.text == code


def test_strip_scan_without_aim():
    assert strip_scan("  123\r\n") == ("123", None)


@given(st.text(alphabet=string.digits, min_size=7, max_size=30))
def test_mask_keeps_only_first_two_and_last_four(code):
    masked = mask(code)
    assert len(masked) == len(code)
    assert masked[:2] == code[:2] and masked[-4:] == code[-4:]
    assert set(masked[2:-4]) <= {"*"}


def test_mask_short_text_hides_everything():
    assert mask("12345") == "*****"


def test_repr_of_code_info_is_masked():
    code = generate()
    info = classify(code)
    assert code not in repr(info) and code not in str(info)
    assert mask(code) in repr(info)


@given(st.text(max_size=40))
def test_classify_never_raises(text):
    info = classify(text)
    assert info.kind in CodeKind
