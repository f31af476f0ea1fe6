"""Keyboard layouts without X: which character a key gives at each shift level.

A USB-HID scanner types a code as key presses, using the keyboard layout it
was configured for. To read it back we need the same layout: on a French
AZERTY scanner the digits are Shift + the top row, so a decoder that assumes
US reads ``&é"'(`` for ``12345`` (the classic failure). Layouts here follow
the usual Linux/Windows layouts of each country; dead keys are written as the
combining accent they add (U+0302 for ``^``).

Key codes are the kernel's (``linux/input-event-codes.h``), a stable ABI, so
this module does not need evdev.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "KEY",
    "KEYPAD_DIGITS",
    "KEYPAD_OPERATORS",
    "LAYOUTS",
    "Layout",
    "layout_named",
    "retype",
]

# Key codes the decoder and layouts refer to.
KEY = {
    "ESC": 1,
    "BACKSPACE": 14,
    "TAB": 15,
    "ENTER": 28,
    "LEFTCTRL": 29,
    "LEFTSHIFT": 42,
    "RIGHTSHIFT": 54,
    "KPASTERISK": 55,
    "LEFTALT": 56,
    "SPACE": 57,
    "CAPSLOCK": 58,
    "NUMLOCK": 69,
    "KPMINUS": 74,
    "KPPLUS": 78,
    "KPDOT": 83,
    "KPENTER": 96,
    "RIGHTCTRL": 97,
    "KPSLASH": 98,
    "RIGHTALT": 100,
    "LEFTMETA": 125,
    "RIGHTMETA": 126,
}
# The four rows of the main block, as key codes left to right.
_ROWS = (
    (41, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13),  # `1234567890-=
    (16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 43),  # qwertyuiop[]\
    (30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40),  # asdfghjkl;'
    (86, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53),  # <zxcvbnm,./ (86: the ISO key)
)
# Keypad digits (given only with NumLock on) and keypad keys that do not depend on it.
KEYPAD_DIGITS = {
    82: "0",
    79: "1",
    80: "2",
    81: "3",
    75: "4",
    76: "5",
    77: "6",
    71: "7",
    72: "8",
    73: "9",
}
KEYPAD_OPERATORS = {98: "/", 55: "*", 74: "-", 78: "+"}


@dataclass(frozen=True)
class Layout:
    """Characters per key code at the levels: plain, Shift, AltGr, Shift+AltGr."""

    name: str
    levels: dict[int, tuple[str, str, str, str]]
    keypad_decimal: str = "."

    def char(self, code: int, shift: bool, altgr: bool) -> str:
        """The character (possibly a combining dead accent), or "" for none at that level."""
        levels = self.levels.get(code)
        if levels is None:
            return ""
        return levels[(2 if altgr else 0) + (1 if shift else 0)]

    def caps_applies(self, code: int) -> bool:
        """CapsLock acts as Shift on this key: its Shift level is its plain level in capitals."""
        levels = self.levels.get(code)
        return levels is not None and levels[0] != levels[1] and levels[0].upper() == levels[1]


def _layout(name: str, rows: tuple[tuple[str, str, str, str], ...], decimal: str = ".") -> Layout:
    """Build a layout from, per row, the strings for each of the four levels.

    Within a level string a space means "no character" except on the space bar.
    """
    levels: dict[int, tuple[str, str, str, str]] = {}
    for codes, row in zip(_ROWS, rows, strict=True):
        padded = [level.ljust(len(codes)) for level in row]
        for i, code in enumerate(codes):
            chars = tuple(level[i].strip() for level in padded)
            if any(chars):
                levels[code] = (chars[0], chars[1], chars[2], chars[3])
    levels[KEY["SPACE"]] = (" ", " ", " ", " ")
    return Layout(name, levels, decimal)


_CIRC, _DIAER, _ACUTE, _GRAVE = "\u0302", "\u0308", "\u0301", "\u0300"

US = _layout(
    "us",
    (
        ("`1234567890-=", "~!@#$%^&*()_+", "", ""),
        ("qwertyuiop[]\\", "QWERTYUIOP{}|", "", ""),
        ("asdfghjkl;'", 'ASDFGHJKL:"', "", ""),
        ("\\zxcvbnm,./", "|ZXCVBNM<>?", "", ""),
    ),
)

FR = _layout(
    "fr",
    (
        ("²&é\"'(-è_çà)=", " 1234567890°+", "  ~#{[|`\\^@]}", ""),
        (f"azertyuiop{_CIRC}$*", f"AZERTYUIOP{_DIAER}£µ", "  €        ¤", ""),
        ("qsdfghjklmù", "QSDFGHJKLM%", "", ""),
        ("<wxcvbn,;:!", ">WXCVBN?./§", "", ""),
    ),
)

DE = _layout(
    "de",
    (
        (f"{_CIRC}1234567890ß{_ACUTE}", f'°!"§$%&/()=?{_GRAVE}', "  ²³   {[]}\\", ""),
        ("qwertzuiopü+#", "QWERTZUIOPÜ*'", "@ €        ~", ""),
        ("asdfghjklöä", "ASDFGHJKLÖÄ", "", ""),
        ("<yxcvbnm,.-", ">YXCVBNM;:_", "|      µ", ""),
    ),
    decimal=",",
)

LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (US, FR, DE)}


def layout_named(name: str) -> Layout:
    try:
        return LAYOUTS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown keyboard layout {name!r}; known: {', '.join(LAYOUTS)}") from None


def retype(text: str, typed_on: Layout, meant_on: Layout) -> str | None:
    """``text`` as read through ``typed_on``, turned back into what a device set to
    ``meant_on`` meant with the same keys (a keyboard-wedge scanner whose layout is not
    the terminal's); None if a character has no key on ``typed_on``."""
    keys: dict[str, tuple[int, bool, bool]] = {}
    for altgr in (False, True):
        for shift in (False, True):
            for code in sorted(typed_on.levels):
                char = typed_on.char(code, shift, altgr)
                if char and char not in keys:
                    keys[char] = (code, shift, altgr)
    out = []
    for char in text:
        if char not in keys:
            return None
        meant = meant_on.char(*keys[char])
        if not meant:
            return None
        out.append(meant)
    return "".join(out)
