"""The one place the backend reads the time.

The domain never calls ``time.time()``: each request takes ``now_ms`` from a
:class:`Clock` once and passes it down, so one request sees one instant and a
test can drive time by passing a :class:`FixedClock`. Times are integer
milliseconds since the epoch inside the backend and whole seconds on the wire.
"""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "FixedClock", "SystemClock", "ms_to_s", "s_to_ms"]


class Clock(Protocol):
    def now_ms(self) -> int: ...


class SystemClock:
    """Wall-clock time; what ``serve`` uses."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class FixedClock:
    """A clock that moves only when told to (in-process tests)."""

    def __init__(self, now_ms: int) -> None:
        self._now = now_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, ms: int) -> None:
        self._now += ms


def s_to_ms(seconds: float) -> int:
    return round(seconds * 1000)


def ms_to_s(ms: int) -> int:
    """Whole seconds, rounded down: a deadline shown early, never late."""
    return ms // 1000
