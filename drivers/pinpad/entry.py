"""The keys of a PIN pad and what they do to a PIN being typed, as one small state machine.

Every pad that reads keys on our side (the evdev keypad, the virtual pad, the
emulator's keyboard mode) feeds its keys to a :class:`PinEntry`, so Enter,
Backspace and Cancel behave the same everywhere. The digits are kept only
until Enter; what comes out is a :class:`protocol.pin.ClearPin`, which never
shows its digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from protocol.pin import ClearPin

__all__ = ["DIGIT_KEYS", "EntryState", "PadKey", "PinEntry", "PinPolicy"]


class PadKey(Enum):
    D0 = "0"
    D1 = "1"
    D2 = "2"
    D3 = "3"
    D4 = "4"
    D5 = "5"
    D6 = "6"
    D7 = "7"
    D8 = "8"
    D9 = "9"
    ENTER = "enter"
    BACKSPACE = "backspace"
    CANCEL = "cancel"

    @property
    def digit(self) -> str | None:
        return self.value if self.value.isdigit() else None

    @classmethod
    def for_digit(cls, digit: str) -> PadKey:
        return cls(digit)


DIGIT_KEYS = frozenset(key for key in PadKey if key.digit is not None)


class EntryState(Enum):
    TYPING = "typing"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PinPolicy:
    """How long a PIN may be; the protocol's PIN block takes 4 to 12 digits."""

    min_length: int = 4
    max_length: int = 12

    def __post_init__(self) -> None:
        if not 4 <= self.min_length <= self.max_length <= 12:
            raise ValueError("PIN lengths must satisfy 4 <= min_length <= max_length <= 12")


class PinEntry:
    """One PIN being typed. ``press`` each key; when ``state`` is DONE, ``take()`` the PIN.

    Digits past ``max_length`` are ignored; Enter before ``min_length`` digits
    is ignored (the pad stays in TYPING, so a customer can go on typing);
    Backspace removes the last digit; Cancel ends the entry.
    """

    __slots__ = ("_digits", "_policy", "_state")

    def __init__(self, policy: PinPolicy | None = None) -> None:
        self._policy = policy or PinPolicy()
        self._digits: list[str] = []
        self._state = EntryState.TYPING

    @property
    def state(self) -> EntryState:
        return self._state

    @property
    def length(self) -> int:
        """How many digits are typed: what a screen shows as dots."""
        return len(self._digits)

    def press(self, key: PadKey) -> EntryState:
        if self._state is not EntryState.TYPING:
            return self._state
        digit = key.digit
        if digit is not None:
            if len(self._digits) < self._policy.max_length:
                self._digits.append(digit)
        elif key is PadKey.BACKSPACE:
            if self._digits:
                self._digits.pop()
        elif key is PadKey.CANCEL:
            self._digits.clear()
            self._state = EntryState.CANCELLED
        elif key is PadKey.ENTER and len(self._digits) >= self._policy.min_length:
            self._state = EntryState.DONE
        return self._state

    def take(self) -> ClearPin:
        """The typed PIN, once; the entry forgets its digits."""
        if self._state is not EntryState.DONE or not self._digits:
            raise RuntimeError("no finished PIN to take")
        pin = ClearPin("".join(self._digits))
        self._digits.clear()
        return pin

    def clear(self) -> None:
        """Forget every digit and stop (used when the entry is abandoned)."""
        self._digits.clear()
        if self._state is EntryState.TYPING:
            self._state = EntryState.CANCELLED

    def __repr__(self) -> str:
        return f"PinEntry(state={self._state.value}, length={len(self._digits)})"
