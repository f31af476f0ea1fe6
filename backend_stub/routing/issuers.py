"""Code routing: which wallet or channel a scanned code goes to (DESIGN.md section 8a).

A code of one of our wallets (points, stored-value card) goes to that wallet;
a code of an external issuer (WeChat Pay, Alipay, UnionPay, recognised by
prefix and length) goes to channel routing (:mod:`backend_stub.routing.plan`),
which declines it clearly when no channel carries that issuer for the merchant.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend_stub.errors import ApiError
from protocol import paycode
from protocol.errors import ErrorCode
from protocol.paycode import CodeKind, Issuer

__all__ = ["External", "OwnWallet", "Route", "route"]


@dataclass(frozen=True)
class OwnWallet:
    wallet: Issuer


@dataclass(frozen=True)
class External:
    issuer: Issuer


Route = OwnWallet | External


def route(code: str) -> Route:
    """Where ``code`` goes. A misread or a non-payment scan is refused as a bad request."""
    info = paycode.classify(code)
    if info.kind is CodeKind.MISREAD:
        raise ApiError(ErrorCode.CODE_MISREAD)
    if info.kind is CodeKind.NOT_PAYMENT or info.issuer is None:
        raise ApiError(ErrorCode.NOT_A_PAYMENT_CODE)
    if info.kind is CodeKind.OWN:
        return OwnWallet(info.issuer)
    return External(info.issuer)
