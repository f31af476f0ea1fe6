"""What the till's speaker says after a payment: short, the amount in words people say aloud.

``1250`` fen is "支付成功，十二元五角" in Chinese and "Paid, 12.50 yuan" in
English; a payment not charged says so and why, in one short sentence.
"""

from __future__ import annotations

from protocol.errors import ErrorCode, message_for

__all__ = ["chinese_amount", "spoken_result"]

_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")


def _chinese_below_10000(n: int) -> str:
    out, zero = "", False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[digit] + _SMALL_UNITS[power]
    return out


def _chinese_integer(n: int) -> str:
    if n == 0:
        return "零"
    groups, out = [(n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")], ""
    for value, unit in groups:
        if value == 0:
            if out and not out.endswith("零"):
                out += "零"
            continue
        if out and value < 1000 and not out.endswith("零"):
            out += "零"
        out += _chinese_below_10000(value) + unit
    out = out.rstrip("零")
    return out[1:] if out.startswith("一十") else out


def chinese_amount(fen: int) -> str:
    """``1250`` -> "十二元五角"; ``30000`` -> "三百元"; ``1005`` -> "十元零五分"."""
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    out = f"{_chinese_integer(yuan)}元" if yuan else ""
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif cents and yuan:
        out += "零"
    if cents:
        out += _DIGITS[cents] + "分"
    return out or "零元"


def spoken_result(paid: bool, amount_fen: int, reason: ErrorCode | None, lang: str) -> str:
    """The phrase for a payment's result in ``lang``."""
    if lang == "zh":
        if paid:
            return f"支付成功，{chinese_amount(amount_fen)}"
        return "未扣款。" + message_for(reason or ErrorCode.CANCELLED, "zh")
    if paid:
        return f"Paid, {amount_fen // 100}.{amount_fen % 100:02d} yuan"
    return "Not charged. " + message_for(reason or ErrorCode.CANCELLED, "en")
