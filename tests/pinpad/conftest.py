"""Shared by the PIN pad tests: a backend PIN key per session, a request for it, English."""

import pytest

from drivers.pinpad import PinRequest
from protocol.pin import generate_private_key, open_envelope, public_key_pem


@pytest.fixture(autouse=True)
def english_locale(monkeypatch):
    """The pad follows the locale: the tests read English unless one says otherwise."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(scope="session")
def backend_key():
    return generate_private_key(2048)


@pytest.fixture(scope="session")
def public_pem(backend_key):
    return public_key_pem(backend_key)


@pytest.fixture
def make_request(public_pem):
    def make(**overrides) -> PinRequest:
        fields = {"amount_fen": 12345, "trade_ref": "T-0001", "public_key_pem": public_pem}
        fields.update(overrides)
        return PinRequest(**fields)

    return make


@pytest.fixture
def opened(backend_key):
    """Open an envelope as the backend does and return the PIN's digits."""

    def open_(envelope, trade_ref="T-0001") -> str:
        return open_envelope(envelope, trade_ref, backend_key).pin.reveal()

    return open_
