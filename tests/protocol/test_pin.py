import base64
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.pin import (
    ClearPin,
    PinEnvelope,
    PinEnvelopeError,
    generate_private_key,
    key_id,
    open_envelope,
    pin_block,
    public_key_pem,
    seal_pin,
)


@pytest.fixture(scope="module")
def key():
    return generate_private_key(2048)


@pytest.fixture(scope="module")
def other_key():
    return generate_private_key(2048)


pins = st.text(alphabet="0123456789", min_size=4, max_size=12)


def test_pin_block_is_iso_9564_format_4():
    block = pin_block("1234")
    assert len(block) == 16
    assert block.hex()[:16].upper() == "441234AAAAAAAAAA"  # control 4, length 4, digits, fill A
    # the random half differs from block to block for the same PIN
    assert len({pin_block("1234")[8:] for _ in range(5)}) > 1


@given(pins)
@settings(max_examples=25)
def test_round_trip(key, pin):
    envelope = seal_pin(pin, "T1:order-1", public_key_pem(key))
    opened = open_envelope(envelope, "T1:order-1", key)
    assert opened.pin.reveal() == pin
    assert opened.trade_ref == "T1:order-1"
    assert len(opened.nonce) == 32


def test_same_pin_twice_gives_different_envelopes(key):
    a = seal_pin("123456", "ref", public_key_pem(key))
    b = seal_pin("123456", "ref", public_key_pem(key))
    assert a.ciphertext != b.ciphertext and a.wrapped_key != b.wrapped_key
    assert open_envelope(a, "ref", key).nonce != open_envelope(b, "ref", key).nonce


def test_wrong_key_fails(key, other_key):
    envelope = seal_pin("123456", "ref", public_key_pem(key))
    with pytest.raises(PinEnvelopeError, match="another key"):
        open_envelope(envelope, "ref", other_key)
    # even with the key id forged, the wrapped key does not open
    forged = PinEnvelope(key_id(other_key), envelope.wrapped_key, envelope.iv, envelope.ciphertext)
    with pytest.raises(PinEnvelopeError):
        open_envelope(forged, "ref", other_key)


def test_wrong_trade_reference_fails(key):
    envelope = seal_pin("123456", "T1:order-1", public_key_pem(key))
    with pytest.raises(PinEnvelopeError, match="another trade"):
        open_envelope(envelope, "T1:order-2", key)


@pytest.mark.parametrize("field", ["ciphertext", "iv", "wrapped_key"])
def test_tampering_fails(key, field):
    envelope = seal_pin("123456", "ref", public_key_pem(key))
    raw = bytearray(base64.b64decode(getattr(envelope, field)))
    raw[len(raw) // 2] ^= 0x01
    fields = envelope.to_dict() | {field: base64.b64encode(bytes(raw)).decode()}
    with pytest.raises(PinEnvelopeError):
        open_envelope(PinEnvelope(**fields), "ref", key)


def test_garbage_envelopes_fail_cleanly(key):
    with pytest.raises(PinEnvelopeError):
        PinEnvelope.from_dict({"key_id": "x"})
    with pytest.raises(PinEnvelopeError):
        PinEnvelope.from_dict(["not", "a", "dict"])
    bad = PinEnvelope(key_id(key), "!!notbase64", "AAAA", "AAAA")
    with pytest.raises(PinEnvelopeError, match="base64"):
        open_envelope(bad, "ref", key)


@pytest.mark.parametrize("bad", ["123", "1234567890123", "12a4", "", "１２３４"])
def test_pin_format_errors_do_not_echo_the_input(bad):
    with pytest.raises(ValueError) as info:
        ClearPin(bad)
    assert bad not in str(info.value) or bad == ""


def test_pin_never_in_repr_log_or_error(key, caplog):
    pin = "918273"
    clear = ClearPin(pin)
    envelope = seal_pin(clear, "ref", public_key_pem(key))
    opened = open_envelope(envelope, "ref", key)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("opened %s %r %s", opened, opened, envelope)
    texts = [repr(clear), str(clear), repr(opened), str(envelope), repr(envelope), caplog.text]
    assert all(pin not in t for t in texts)
    with pytest.raises(PinEnvelopeError) as info:
        open_envelope(envelope, "other", key)
    assert pin not in str(info.value)
