"""The codes a field tech shows a scanner, and what a terminal must make of each.

One check per code: ours (points, stored-value card) and each issuer's
(WeChat Pay, Alipay, UnionPay) in QR and in Code128, one of ours with a
wrong check digit as a misread, and a product EAN-13 as "not a payment".
Every check has its own text, so a scanner that reads the previous code
again is caught rather than passed. The texts are fixed: a sheet printed
with ``--png`` today still matches the check tomorrow. They are shown in
full: this tool is the one place codes are (DESIGN.md section 5).
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.paycode import CodeKind, Issuer, luhn_check_digit

from ..aim import Symbology

__all__ = ["CHECKS", "Check", "checks_named"]


def _ours(body: str) -> str:
    return body + luhn_check_digit(body)


def _misread(body: str) -> str:
    good = luhn_check_digit(body)
    return body + str((int(good) + 5) % 10)


@dataclass(frozen=True)
class Check:
    """One code to show, and what reading it must give."""

    name: str  # e.g. "wechat-qr": what --only and the report call it
    label: str  # plain words for the tech
    text: str
    symbology: Symbology
    kind: CodeKind  # what protocol.paycode.classify must say of the text read
    issuer: Issuer | None

    @property
    def expectation(self) -> str:
        """What a terminal must make of it, in plain words."""
        if self.kind is CodeKind.NOT_PAYMENT:
            return "not a payment code (never sent as one)"
        if self.kind is CodeKind.MISREAD:
            return "a misread of ours (wrong check digit: rejected on the spot)"
        where = "our" if self.kind is CodeKind.OWN else "another issuer's"
        return f"{where} payment code, {self.issuer.value if self.issuer else '?'}"


_QR, _C128, _EAN = Symbology.QR, Symbology.CODE128, Symbology.EAN_UPC
_OWN, _EXT, _MISREAD, _NOT = (
    CodeKind.OWN,
    CodeKind.EXTERNAL,
    CodeKind.MISREAD,
    CodeKind.NOT_PAYMENT,
)
_POINTS, _CARD = Issuer.POINTS, Issuer.CARD

CHECKS: tuple[Check, ...] = (
    Check("points-qr", "ScanPay points, QR", _ours("81204617385926473"), _QR, _OWN, _POINTS),
    Check(
        "points-code128",
        "ScanPay points, Code128",
        _ours("81739205816473920"),
        _C128,
        _OWN,
        _POINTS,
    ),
    Check("card-qr", "ScanPay card, QR", _ours("82558019273645102"), _QR, _OWN, _CARD),
    Check("card-code128", "ScanPay card, Code128", _ours("82910364728150396"), _C128, _OWN, _CARD),
    Check("wechat-qr", "WeChat Pay, QR", "134567890123456789", _QR, _EXT, Issuer.WECHAT),
    Check(
        "wechat-code128", "WeChat Pay, Code128", "109876543210987654", _C128, _EXT, Issuer.WECHAT
    ),
    Check("alipay-qr", "Alipay, QR", "281234567890123456", _QR, _EXT, Issuer.ALIPAY),
    Check("alipay-code128", "Alipay, Code128", "25987654321098765432", _C128, _EXT, Issuer.ALIPAY),
    Check("unionpay-qr", "UnionPay, QR", "6212345678901234567", _QR, _EXT, Issuer.UNIONPAY),
    Check(
        "unionpay-code128", "UnionPay, Code128", "6298765432109876543", _C128, _EXT, Issuer.UNIONPAY
    ),
    Check(
        "misread-code128",
        "ScanPay points with a wrong check digit, Code128",
        _misread("81462083917526384"),
        _C128,
        _MISREAD,
        _POINTS,
    ),
    Check("product-ean13", "a product barcode, EAN-13", "6901234567892", _EAN, _NOT, None),
)


def checks_named(only: str = "", symbology: str = "") -> list[Check]:
    """The checks whose name starts with one of the comma-separated ``only`` (all if empty),
    narrowed to one ``symbology`` (``qr``, ``code128``, ``ean13``) if given.
    ``ValueError`` for a name or symbology that matches nothing."""
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    picked = list(CHECKS)
    if wanted:
        unknown = [w for w in wanted if not any(c.name.startswith(w) for c in CHECKS)]
        if unknown:
            names = ", ".join(c.name for c in CHECKS)
            raise ValueError(f"no test code is called {unknown[0]!r}; there are: {names}")
        picked = [c for c in picked if any(c.name.startswith(w) for w in wanted)]
    if symbology:
        picked = [c for c in picked if c.name.endswith("-" + symbology)]
        if not picked:
            raise ValueError(f"none of the chosen test codes is shown as {symbology}")
    return picked
