"""The payment code: how ours are made, and how any scanned text is told apart.

Ours are 18 digits: a 2-digit issuer prefix, 15 digits from ``secrets`` and a
Luhn check digit, so a misread digit is caught on the terminal without a round
trip. Other issuers' codes are recognised by prefix and length (DESIGN.md
section 5). Anything else a scanner may read (a product EAN, a URL, text) is
``NOT_PAYMENT`` and must never be sent as a payment.

Codes are strings, never numbers, and :func:`mask` is what goes into logs.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CODE_LENGTH",
    "OWN_PREFIXES",
    "CodeInfo",
    "CodeKind",
    "Issuer",
    "classify",
    "generate",
    "luhn_check_digit",
    "luhn_valid",
    "mask",
    "strip_scan",
]

CODE_LENGTH = 18


class Issuer(StrEnum):
    """Who issued a code; the values are the strings used on the wire and in config."""

    POINTS = "points"
    CARD = "card"
    WECHAT = "wechat"
    ALIPAY = "alipay"
    UNIONPAY = "unionpay"

    @property
    def is_own(self) -> bool:
        return self in (Issuer.POINTS, Issuer.CARD)


class CodeKind(StrEnum):
    OWN = "own"  # one of our wallets, check digit good
    EXTERNAL = "external"  # another issuer, recognised by prefix and length
    MISREAD = "misread"  # looks like ours but the check digit or length is off: rescan
    NOT_PAYMENT = "not_payment"  # a product barcode, a URL, text...


OWN_PREFIXES: dict[Issuer, str] = {Issuer.POINTS: "81", Issuer.CARD: "82"}
_ISSUER_BY_PREFIX = {prefix: issuer for issuer, prefix in OWN_PREFIXES.items()}

# (issuer, allowed lengths, allowed 2-digit prefixes), from the wallets' merchant guides.
_EXTERNAL_RULES: tuple[tuple[Issuer, range, range], ...] = (
    (Issuer.WECHAT, range(18, 19), range(10, 16)),
    (Issuer.ALIPAY, range(16, 25), range(25, 31)),
    (Issuer.UNIONPAY, range(19, 20), range(62, 63)),
)

# AIM symbology identifier: "]" + code character + modifier character, e.g. "]Q1", "]C0".
_AIM_RE = re.compile(r"^\][A-Za-z][0-9A-Za-z]")


@dataclass(frozen=True)
class CodeInfo:
    """What a scanned text is. ``text`` is the normalised code (AIM prefix and whitespace gone)."""

    kind: CodeKind
    issuer: Issuer | None
    text: str
    symbology: str | None = None

    @property
    def is_payment(self) -> bool:
        return self.kind in (CodeKind.OWN, CodeKind.EXTERNAL)

    def __repr__(self) -> str:
        issuer = self.issuer.value if self.issuer else None
        return (
            f"CodeInfo(kind={self.kind.value}, issuer={issuer}, text={mask(self.text)!r}, "
            f"symbology={self.symbology!r})"
        )

    __str__ = __repr__


def luhn_check_digit(payload: str) -> str:
    """The Luhn digit to append to the digit string ``payload``."""
    if not payload.isdigit():
        raise ValueError("Luhn payload must be digits")
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:  # these get doubled once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(code: str) -> bool:
    return len(code) >= 2 and code.isdigit() and luhn_check_digit(code[:-1]) == code[-1]


def generate(issuer: Issuer | str = Issuer.POINTS) -> str:
    """A fresh 18-digit code of one of our wallets."""
    prefix = OWN_PREFIXES[Issuer(issuer)]
    body = prefix + f"{secrets.randbelow(10**15):015d}"
    return body + luhn_check_digit(body)


def strip_scan(text: str) -> tuple[str, str | None]:
    """Remove surrounding whitespace/CR/LF and a leading AIM identifier.

    Returns the text and the AIM identifier (or ``None``).
    """
    text = text.strip()
    aim = None
    match = _AIM_RE.match(text)
    if match:
        aim = match.group(0)
        text = text[match.end() :].strip()
    return text, aim


def classify(text: str) -> CodeInfo:
    """Tell what a scanned ``text`` is, without any round trip."""
    code, aim = strip_scan(text)
    if not code.isascii() or not code.isdigit():
        return CodeInfo(CodeKind.NOT_PAYMENT, None, code, aim)
    prefix = code[:2]
    own = _ISSUER_BY_PREFIX.get(prefix)
    if own is not None and len(code) == CODE_LENGTH:
        kind = CodeKind.OWN if luhn_valid(code) else CodeKind.MISREAD
        return CodeInfo(kind, own, code, aim)
    for issuer, lengths, prefixes in _EXTERNAL_RULES:
        if len(code) in lengths and int(prefix) in prefixes:
            return CodeInfo(CodeKind.EXTERNAL, issuer, code, aim)
    if own is not None and abs(len(code) - CODE_LENGTH) == 1:
        # one digit dropped or doubled by the reader
        return CodeInfo(CodeKind.MISREAD, own, code, aim)
    return CodeInfo(CodeKind.NOT_PAYMENT, None, code, aim)


def mask(code: str) -> str:
    """Show only the first 2 and last 4 characters: ``81************1234``."""
    if len(code) <= 6:
        return "*" * len(code)
    return code[:2] + "*" * (len(code) - 6) + code[-4:]
