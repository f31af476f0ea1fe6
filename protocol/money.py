"""Integer money: points and fen, the rate between them, and amounts typed by people.

Every amount is an ``int``: points are whole points, money is whole fen
(1 CNY = 100 fen). Floats are refused wherever an amount enters, so no
rounding error can reach a balance. Where a conversion cannot be exact it
rounds in the customer's favour, and each function says which way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "DEFAULT_RATE",
    "ExchangeRate",
    "format_fen",
    "format_points",
    "parse_fen",
    "require_amount",
]

_AMOUNT_RE = re.compile(r"^\s*(?:CNY|RMB|¥|￥)?\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$", re.IGNORECASE)


def require_amount(value: object, name: str = "amount", *, allow_zero: bool = False) -> int:
    """Return ``value`` if it is a non-negative ``int`` (not bool, not float), else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'zero or more' if allow_zero else 'more than zero'}")
    return value


@dataclass(frozen=True)
class ExchangeRate:
    """``points`` points are worth ``fen`` fen (e.g. 100 points = 100 fen = CNY 1.00)."""

    points: int = 100
    fen: int = 100

    def __post_init__(self) -> None:
        require_amount(self.points, "points")
        require_amount(self.fen, "fen")

    def points_for_fen(self, fen: int) -> int:
        """Points a customer gives to pay ``fen``; rounded down (the customer gives fewer)."""
        require_amount(fen, "fen", allow_zero=True)
        return fen * self.points // self.fen

    def fen_for_points(self, points: int) -> int:
        """Money that ``points`` cover; rounded up (the points are worth more)."""
        require_amount(points, "points", allow_zero=True)
        return -(-points * self.fen // self.points)

    def max_points_for(self, fen: int, balance: int) -> int:
        """Points to use so that they cover at most ``fen`` and at most ``balance``."""
        require_amount(balance, "balance", allow_zero=True)
        return min(balance, self.points_for_fen(fen))

    def __str__(self) -> str:
        return f"{self.points} points = {format_fen(self.fen)}"


DEFAULT_RATE = ExchangeRate(100, 100)


def parse_fen(text: str) -> int:
    """Parse an amount a person typed ("12", "12.3", "¥12.30") into fen.

    Raises ``ValueError`` with a plain message for anything else: negative,
    more than two decimals, letters, or an empty string.
    """
    match = _AMOUNT_RE.match(text)
    if not match:
        raise ValueError(f"{text.strip()!r} is not an amount; type it like 12.30")
    whole, frac = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(frac)


def format_fen(fen: int) -> str:
    """``1234`` -> ``"CNY 12.34"``; negative amounts keep their sign."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}CNY {whole:,}.{part:02d}"


def format_points(points: int) -> str:
    """``12345`` -> ``"12,345 points"``."""
    return f"{points:,} point{'s' if abs(points) != 1 else ''}"
