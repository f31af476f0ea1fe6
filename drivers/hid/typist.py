"""Text in, key events out: what a USB-HID scanner does when it reads a code.

The reverse of :class:`~drivers.hid.decoder.HidDecoder`, used by the tests,
the benchmark and demos to make event streams that a scanner configured for a
given layout would send: Shift for capitals (and for digits on AZERTY), AltGr
for ``@`` on QWERTZ, dead keys for ``^``, Ctrl+] for the GS1 separator,
keypad digits when asked, with the kernel's MSC/SYN events around each key.
"""

from __future__ import annotations

import unicodedata

from .decoder import END_KEYS, EV_KEY, EV_SYN, Event
from .keymaps import KEY, KEYPAD_DIGITS, Layout

__all__ = ["KeyboardTypist"]

EV_MSC, MSC_SCAN = 4, 4
_KEYPAD_BY_DIGIT = {digit: code for code, digit in KEYPAD_DIGITS.items()}
_DEAD_FOR_ACCENT = {"^": "\u0302", "¨": "\u0308", "´": "\u0301", "`": "\u0300"}


class KeyboardTypist:
    """Makes the event stream for a text typed on ``layout``."""

    def __init__(self, layout: Layout, *, keypad_digits: bool = False, syn: bool = True) -> None:
        self.layout = layout
        self.keypad_digits = keypad_digits
        self.syn = syn
        self._keys: dict[str, tuple[int, bool, bool]] = {}
        for altgr in (False, True):  # the simplest way to type each character wins
            for shift in (False, True):
                for code in sorted(layout.levels):
                    char = layout.char(code, shift, altgr)
                    if char and char not in self._keys:
                        self._keys[char] = (code, shift, altgr)

    def can_type(self, char: str) -> bool:
        try:
            self._strokes(char)
        except ValueError:
            return False
        return True

    def type(
        self, text: str, *, start: float = 0.0, gap: float = 0.002, end: str | None = "enter"
    ) -> list[Event]:
        """Events for ``text`` then the ``end`` key, one key press every ``gap`` seconds."""
        events: list[Event] = []
        t = start
        strokes = [stroke for char in text for stroke in self._strokes(char)]
        if end is not None:
            strokes.append((END_KEYS[end], ()))
        for code, modifiers in strokes:
            for modifier in modifiers:
                self._key(events, modifier, 1, t)
            self._key(events, code, 1, t)
            self._key(events, code, 0, t + gap / 2)
            for modifier in reversed(modifiers):
                self._key(events, modifier, 0, t + gap / 2)
            t += gap
        return events

    def _key(self, events: list[Event], code: int, value: int, t: float) -> None:
        if self.syn:
            events.append((EV_MSC, MSC_SCAN, 0x70000 + code, t))
        events.append((EV_KEY, code, value, t))
        if self.syn:
            events.append((EV_SYN, 0, 0, t))

    def _strokes(self, char: str) -> list[tuple[int, tuple[int, ...]]]:
        """Key presses for one character, each with the modifiers held for it."""
        if self.keypad_digits and char in _KEYPAD_BY_DIGIT:
            return [(_KEYPAD_BY_DIGIT[char], ())]
        if char in self._keys:
            code, shift, altgr = self._keys[char]
            modifiers = (KEY["LEFTSHIFT"],) * shift + (KEY["RIGHTALT"],) * altgr
            stroke = [(code, modifiers)]
            if char in _DEAD_FOR_ACCENT.values():  # a dead key: space makes the accent itself
                stroke.append((KEY["SPACE"], ()))
            return stroke
        if char in _DEAD_FOR_ACCENT and _DEAD_FOR_ACCENT[char] in self._keys:
            return self._strokes(_DEAD_FOR_ACCENT[char])
        if len(char) == 1 and ord(char) < 0x20:
            target = chr(ord(char) | 0x40)
            base = self._strokes(target.lower() if target.isalpha() else target)[0]
            return [(base[0], (KEY["LEFTCTRL"], *base[1]))]
        decomposed = unicodedata.normalize("NFD", char)
        if len(decomposed) == 2 and decomposed[1] in self._keys:
            dead_code, shift, altgr = self._keys[decomposed[1]]
            modifiers = (KEY["LEFTSHIFT"],) * shift + (KEY["RIGHTALT"],) * altgr
            return [(dead_code, modifiers), *self._strokes(decomposed[0])]
        raise ValueError(f"{char!r} cannot be typed on the {self.layout.name} layout")
