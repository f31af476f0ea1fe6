"""The printer's real-time status (DLE EOT), read into one state a person can act on.

ESC/POS printers answer ``DLE EOT n`` at once, even mid-receipt, with one
byte each: n=1 the printer (offline; the drawer's pin 3), n=2 why it is
offline (cover open, paper end, an error), n=4 the paper roll sensor (near
end, end). Every answer byte has the fixed bits ``0xx1xx10``; anything else
is garbage (a wrong baud rate, not a printer). :func:`parse_status` turns
the three answers into a :class:`PrinterStatus`; :class:`PrinterState`
carries its plain words in English and Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from escpos.constants import RT_STATUS, RT_STATUS_ONLINE, RT_STATUS_PAPER

from .errors import PrinterGarbage

__all__ = [
    "STATUS_REQUEST",
    "DrawerState",
    "PrinterState",
    "PrinterStatus",
    "parse_status",
    "status_byte",
]

RT_STATUS_OFFLINE_CAUSE = RT_STATUS + b"\x02"
#: the three questions asked at once: printer, offline cause, paper roll
STATUS_REQUEST = RT_STATUS_ONLINE + RT_STATUS_OFFLINE_CAUSE + RT_STATUS_PAPER

_FIXED_MASK, _FIXED_BITS = 0x93, 0x12


class PrinterState(StrEnum):
    """One state for the status bar: the worst thing the printer reports."""

    READY = "ready"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    ERROR = "error"
    OFFLINE = "offline"
    NOT_ANSWERING = "not_answering"
    GARBAGE = "garbage"
    UNPLUGGED = "unplugged"

    @property
    def can_print(self) -> bool:
        return self in (PrinterState.READY, PrinterState.PAPER_LOW)

    def words(self, lang: str = "en") -> str:
        """What the cashier reads, and what to do about it."""
        en, zh = _WORDS[self]
        return zh if lang.lower().startswith("zh") else en


_WORDS: dict[PrinterState, tuple[str, str]] = {
    PrinterState.READY: ("ready", "就绪"),
    PrinterState.PAPER_LOW: ("paper low: have a new roll ready", "纸将用完：请准备新纸卷"),
    PrinterState.PAPER_OUT: ("out of paper: load a new roll", "缺纸：请装入新纸卷"),
    PrinterState.COVER_OPEN: ("cover open: close it", "机盖打开：请合上"),
    PrinterState.ERROR: ("printer error: switch it off and on", "打印机故障：请关机再开机"),
    PrinterState.OFFLINE: ("offline: check the printer", "脱机：请检查打印机"),
    PrinterState.NOT_ANSWERING: (
        "not answering: is it switched on?",
        "无响应：打印机开机了吗？",
    ),
    PrinterState.GARBAGE: (
        "answer not understood: check the port settings",
        "回应无法识别：请检查端口设置",
    ),
    PrinterState.UNPLUGGED: ("not connected: check the cable", "未连接：请检查连接线"),
}


class DrawerState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said (``drawer`` is None when it cannot tell)."""

    state: PrinterState
    drawer: DrawerState | None = None

    @property
    def can_print(self) -> bool:
        return self.state.can_print

    def words(self, lang: str = "en") -> str:
        return self.state.words(lang)


def status_byte(*, bits: int = 0) -> int:
    """An answer byte with the fixed bits set and ``bits`` (the emulator answers with these)."""
    return _FIXED_BITS | bits


def parse_status(answer: bytes) -> PrinterStatus:
    """Three answer bytes (to :data:`STATUS_REQUEST`) -> the status; raise on garbage."""
    if len(answer) != 3 or any(b & _FIXED_MASK != _FIXED_BITS for b in answer):
        raise PrinterGarbage(f"status answer {answer.hex(' ') or 'empty'}")
    printer, cause, paper = answer
    drawer = DrawerState.OPEN if printer & 0x04 else DrawerState.CLOSED
    if cause & 0x04:
        state = PrinterState.COVER_OPEN
    elif paper & 0x60 or cause & 0x20:
        state = PrinterState.PAPER_OUT
    elif cause & 0x40:
        state = PrinterState.ERROR
    elif printer & 0x08:
        state = PrinterState.OFFLINE
    elif paper & 0x0C:
        state = PrinterState.PAPER_LOW
    else:
        state = PrinterState.READY
    return PrinterStatus(state, drawer)
