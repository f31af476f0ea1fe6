"""Key events in, codes out: the pure core of the USB-HID scanner driver.

:class:`HidDecoder` takes the kernel's input events as plain numbers
``(type, code, value, timestamp)`` (what evdev reads, what ``evtest`` prints),
keeps the modifier and lock state, maps keys through a :class:`Layout` and
cuts codes on Enter, keypad Enter, Tab (each can be turned off) or a pause
between keys. It does no I/O and reads no clock, so it is tested with
constructed and recorded event streams, and benchmarked alone.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .keymaps import KEY, KEYPAD_DIGITS, KEYPAD_OPERATORS, Layout

__all__ = ["END_KEYS", "EV_KEY", "EV_LED", "EV_SYN", "DecodedCode", "Event", "HidDecoder"]

EV_SYN, EV_KEY, EV_LED = 0, 1, 17
LED_NUML, LED_CAPSL = 0, 1
Event = tuple[int, int, int, float]
"""(type, code, value, timestamp in seconds): one kernel input event."""

END_KEYS = {"enter": KEY["ENTER"], "kpenter": KEY["KPENTER"], "tab": KEY["TAB"]}
_END_CHAR = {"enter": "\r", "kpenter": "\r", "tab": "\t", "gap": "", "ctrl": ""}
_SHIFTS = {KEY["LEFTSHIFT"], KEY["RIGHTSHIFT"]}
_CTRLS = {KEY["LEFTCTRL"], KEY["RIGHTCTRL"]}
_ALTGR = KEY["RIGHTALT"]
_OTHER_MODIFIERS = {KEY["LEFTALT"], KEY["LEFTMETA"], KEY["RIGHTMETA"]}
_MODIFIERS = _SHIFTS | _CTRLS | {_ALTGR} | _OTHER_MODIFIERS
_SPACING_ACCENT = {"\u0302": "^", "\u0308": "¨", "\u0301": "´", "\u0300": "`"}
_CONTROLLABLE = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_"


@dataclass(frozen=True)
class DecodedCode:
    """One code typed by a device, with the timing that tells a scanner from a person."""

    text: str
    ended_by: str  # "enter", "kpenter", "tab", "ctrl" (Ctrl+M/J) or "gap"
    first: float  # timestamp of the first key
    end: float  # timestamp of the last key (the end key, when there is one)
    intervals: tuple[float, ...]  # seconds between successive key presses
    notes: tuple[str, ...] = ()  # what the decoder learnt, in plain words (the test tool shows it)

    @property
    def raw(self) -> bytes:
        """The typed characters with the end key, in UTF-8 (HID devices send keys, not bytes)."""
        return (self.text + _END_CHAR[self.ended_by]).encode()


class HidDecoder:
    """Feeds on events one at a time; :meth:`feed` returns a code when one is complete.

    ``gap``: seconds between keys after which the typed text so far is a code of
    its own (``None``: only end keys end codes). The caller calls :meth:`flush`
    when that much time passes with no event at all.

    ``numlock=True`` (a scanner's usual setting): keypad digits are digits,
    whatever NumLock taps the device sends. A keypad-emulating scanner reads
    the NumLock LED, and on a grabbed device nobody lights it, so such a
    scanner taps NumLock before every code: were the taps followed, every
    second code would come out as arrow keys and be lost. The taps are
    counted (``numlock_taps``, for the test tool) and otherwise ignored.
    ``numlock=False``: NumLock starts off and follows the taps and the LEDs.
    """

    def __init__(
        self,
        layout: Layout,
        *,
        end_keys: Iterable[str] = ("enter", "kpenter", "tab"),
        gap: float | None = 0.1,
        numlock: bool = True,
        capslock: bool = False,
    ) -> None:
        self.layout = layout
        self.end_keys = {END_KEYS[name]: name for name in end_keys}
        self.gap = gap
        self.numlock = numlock
        self.numlock_fixed = numlock  # on for good: taps and LEDs do not turn it off
        self.capslock = capslock
        self._held: set[int] = set()
        self._chars: list[str] = []
        self._times: list[float] = []
        self._dead = ""
        self.unmapped = 0  # keys that give no character (for the test tool)
        self.numlock_taps = 0  # NumLock presses seen (a keypad scanner's habit)
        self.keypad_keys = 0  # keypad digits typed (keypad emulation)

    @property
    def pending(self) -> str:
        return "".join(self._chars)

    def feed(self, ev_type: int, code: int, value: int, timestamp: float) -> DecodedCode | None:
        """Take one event; return the code it completes, if any."""
        if ev_type == EV_KEY:
            if code in _MODIFIERS:
                if value:
                    self._held.add(code)
                else:
                    self._held.discard(code)
                return None
            if value == 0:  # key release
                return None
            done = None
            if self._chars and self.gap is not None and timestamp - self._times[-1] > self.gap:
                done = self.flush()
            if code == KEY["CAPSLOCK"]:
                self.capslock = not self.capslock
            elif code == KEY["NUMLOCK"]:
                self.numlock_taps += 1
                if not self.numlock_fixed:
                    self.numlock = not self.numlock
            elif code in self.end_keys:
                return self._finish(self.end_keys[code], timestamp) or done
            else:
                char = self._char(code)
                if char in ("\r", "\n"):  # Ctrl+M or Ctrl+J: a scanner's other way to say Enter
                    return self._finish("ctrl", timestamp) or done
                if char:
                    self._chars.append(char)
                    self._times.append(timestamp)
                elif not self._dead:  # a dead key waits for the next one; others give nothing
                    self.unmapped += 1
            return done
        if ev_type == EV_LED:
            if code == LED_NUML:
                if not self.numlock_fixed:
                    self.numlock = bool(value)
            elif code == LED_CAPSL:
                self.capslock = bool(value)
        return None

    def set_locks(self, numlock: bool, capslock: bool) -> None:
        """The lock state the device's LEDs show when it is opened."""
        if not self.numlock_fixed:
            self.numlock = numlock
        self.capslock = capslock

    def feed_all(self, events: Iterable[Event]) -> list[DecodedCode]:
        """Every code a stream completes (then :meth:`flush` for a trailing one)."""
        feed = self.feed
        return [code for event in events if (code := feed(*event)) is not None]

    def flush(self) -> DecodedCode | None:
        """End the code typed so far: no key came for ``gap`` seconds."""
        return self._finish("gap", self._times[-1]) if self._chars else None

    def reset(self) -> str:
        """Forget everything: the device went away. Returns the unfinished text dropped."""
        dropped = self.pending
        self._chars.clear()
        self._times.clear()
        self._held.clear()
        self._dead = ""
        return dropped

    def _finish(self, ended_by: str, end: float) -> DecodedCode | None:
        if self._dead:
            self._chars.append(_SPACING_ACCENT[self._dead])
            self._dead = ""
        if not self._chars:
            return None
        times = self._times
        code = DecodedCode(
            text="".join(self._chars),
            ended_by=ended_by,
            first=times[0],
            end=max(end, times[-1]),
            intervals=tuple(b - a for a, b in itertools.pairwise(times)),
        )
        self._chars = []
        self._times = []
        return code

    def _char(self, code: int) -> str:
        held = self._held
        if KEY["LEFTALT"] in held or KEY["LEFTMETA"] in held or KEY["RIGHTMETA"] in held:
            return ""  # shortcuts, not text
        digit = KEYPAD_DIGITS.get(code)
        if digit is not None:
            self.keypad_keys += 1
            return digit if self.numlock else ""  # NumLock off: Home, End, arrows...
        if code in KEYPAD_OPERATORS:
            return KEYPAD_OPERATORS[code]
        if code == KEY["KPDOT"]:
            return self.layout.keypad_decimal if self.numlock else ""
        shift = KEY["LEFTSHIFT"] in held or KEY["RIGHTSHIFT"] in held
        if self.capslock and self.layout.caps_applies(code):
            shift = not shift
        char = self.layout.char(code, shift, _ALTGR in held)
        if not char:
            return ""
        if KEY["LEFTCTRL"] in held or KEY["RIGHTCTRL"] in held:
            upper = char.upper()
            return chr(ord(upper) & 0x1F) if upper in _CONTROLLABLE else ""
        return self._compose(char)

    def _compose(self, char: str) -> str:
        """Apply a pending dead accent (AZERTY and QWERTZ have them) to ``char``."""
        if char in _SPACING_ACCENT:
            if self._dead:  # the same dead key twice gives the accent itself
                accent, self._dead = _SPACING_ACCENT[self._dead], ""
                return accent
            self._dead = char
            return ""
        if not self._dead:
            return char
        dead, self._dead = self._dead, ""
        if char == " ":
            return _SPACING_ACCENT[dead]
        composed = unicodedata.normalize("NFC", char + dead)
        return composed if len(composed) == 1 else _SPACING_ACCENT[dead] + char
