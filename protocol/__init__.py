"""The contract between ScanPay terminals and the backend. Imports nothing else of ours.

- :mod:`protocol.money`    integer points and fen, the exchange rate, amounts typed by people
- :mod:`protocol.paycode`  make our payment codes; classify any scanned text; mask codes
- :mod:`protocol.signing`  the canonical signature of requests and responses
- :mod:`protocol.replay`   timestamp window and nonces
- :mod:`protocol.pin`      the PIN block and the envelope it travels in
- :mod:`protocol.models`   the request and response messages, trade states
- :mod:`protocol.errors`   error codes, their plain messages, the exception tree
- :mod:`protocol.symbols`  the payment code as QR and Code128 modules, for drawing it
- :mod:`protocol.i18n`     gettext catalogs (en, zh) of every layer's words, the locale's language
"""

from .errors import (
    ErrorCode,
    OutcomeUnknown,
    PaymentDeclined,
    RequestRejected,
    ScanPayError,
    ServiceUnavailable,
    error_for,
    message_for,
)
from .models import ApiResponse, Tender, TradeState, TradeView
from .money import DEFAULT_RATE, ExchangeRate, format_fen, format_points, parse_fen
from .paycode import CodeInfo, CodeKind, Issuer, classify, generate, mask
from .pin import ClearPin, PinEnvelope, PinEnvelopeError, open_envelope, seal_pin
from .signing import sign, verify

__all__ = [
    "DEFAULT_RATE",
    "ApiResponse",
    "ClearPin",
    "CodeInfo",
    "CodeKind",
    "ErrorCode",
    "ExchangeRate",
    "Issuer",
    "OutcomeUnknown",
    "PaymentDeclined",
    "PinEnvelope",
    "PinEnvelopeError",
    "RequestRejected",
    "ScanPayError",
    "ServiceUnavailable",
    "Tender",
    "TradeState",
    "TradeView",
    "classify",
    "error_for",
    "format_fen",
    "format_points",
    "generate",
    "mask",
    "message_for",
    "open_envelope",
    "parse_fen",
    "seal_pin",
    "sign",
    "verify",
]
