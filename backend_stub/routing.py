"""Code routing: which wallet or channel a scanned code goes to (DESIGN.md section 8a).

Today a code goes to one of our wallets (points, stored-value card) or is
declined: codes of external issuers (WeChat Pay, Alipay, UnionPay) get
``ISSUER_NOT_SUPPORTED``. This is the seam for channel routing: it will add a
route kind for an external channel here, and :func:`backend_stub.trades.pay`
already stores ``issuer`` and ``channel`` on the trade and knows the
``PROCESSING`` state such a channel answers with.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol import paycode
from protocol.errors import ErrorCode
from protocol.paycode import CodeKind, Issuer

from .errors import ApiError

__all__ = ["Declined", "OwnWallet", "Route", "route"]


@dataclass(frozen=True)
class OwnWallet:
    wallet: Issuer


@dataclass(frozen=True)
class Declined:
    issuer: Issuer
    reason: ErrorCode


Route = OwnWallet | Declined


def route(code: str) -> Route:
    """Where ``code`` goes. A misread or a non-payment scan is refused as a bad request."""
    info = paycode.classify(code)
    if info.kind is CodeKind.MISREAD:
        raise ApiError(ErrorCode.CODE_MISREAD)
    if info.kind is CodeKind.NOT_PAYMENT or info.issuer is None:
        raise ApiError(ErrorCode.NOT_A_PAYMENT_CODE)
    if info.kind is CodeKind.OWN:
        return OwnWallet(info.issuer)
    return Declined(info.issuer, ErrorCode.ISSUER_NOT_SUPPORTED)
