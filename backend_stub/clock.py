"""The one place the backend reads the time.

The domain never calls ``time.time()``: each request takes ``now_ms`` from a
:class:`Clock` once and passes it down, so one request sees one instant and a
test can drive time by passing a :class:`FixedClock`. Times are integer
milliseconds since the epoch inside the backend and whole seconds on the wire.

A *running* server's time can be moved only through :class:`OffsetFileClock`
(``serve --clock-offset-file PATH``), a test and operations aid that is off
by default: the fault suite moves a live server past code expiry and PIN
deadlines with it.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

__all__ = [
    "BadClockOffset",
    "Clock",
    "FixedClock",
    "OffsetFileClock",
    "SystemClock",
    "business_day",
    "day_bounds",
    "local_time",
    "ms_to_s",
    "read_offset_ms",
    "s_to_ms",
]

log = logging.getLogger("scanpay.clock")


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


class BadClockOffset(ValueError):
    """The offset file holds something other than a number of seconds."""


def read_offset_ms(path: Path) -> int:
    """The offset in ``path`` (seconds, fractions and a sign allowed); 0 if missing or empty."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return 0
    except (OSError, UnicodeDecodeError) as exc:
        raise BadClockOffset(f"{path}: cannot be read ({type(exc).__name__})") from None
    if not text:
        return 0
    try:
        seconds = float(text)
    except ValueError:
        raise BadClockOffset(f"{path} holds {text[:20]!r}, not a number of seconds") from None
    if not math.isfinite(seconds):
        raise BadClockOffset(f"{path} holds {text[:20]!r}, not a number of seconds")
    return s_to_ms(seconds)


class OffsetFileClock:
    """Wall-clock time plus the offset written in a file, read again whenever the file changes.

    For tests and drills only (``serve --clock-offset-file``): write ``120``
    to the file (best with a rename, so a reader never sees half a write) and
    the server's "now" is two minutes ahead from its next request on; delete
    the file or write ``0`` to undo. A file that stops making sense keeps the
    last good offset and says so in the log. Every instance that shares a
    database should read the same file.
    """

    def __init__(self, path: Path, base: Clock | None = None) -> None:
        self.path = path
        self._base: Clock = base or SystemClock()
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._offset_ms = read_offset_ms(path)  # a bad file at start-up is refused
        self._seen = self._stamp()

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    @property
    def offset_ms(self) -> int:
        stamp = self._stamp()
        if stamp != self._seen:
            with self._lock:
                if stamp != self._seen:
                    try:
                        self._offset_ms = read_offset_ms(self.path)
                        log.warning("clock offset is now %+d ms (%s)", self._offset_ms, self.path)
                    except BadClockOffset as exc:
                        log.warning("clock offset kept at %+d ms: %s", self._offset_ms, exc)
                    self._seen = stamp
        return self._offset_ms

    def now_ms(self) -> int:
        return self._base.now_ms() + self.offset_ms


def s_to_ms(seconds: float) -> int:
    return round(seconds * 1000)


def ms_to_s(ms: int) -> int:
    """Whole seconds, rounded down: a deadline shown early, never late."""
    return ms // 1000


# -- the stores' business day: daily quotas, usage and reconciliation follow local dates.
# Local time is UTC plus ``utc_offset_min`` (480, China Standard Time, by default); a
# business day runs from local midnight to local midnight.
def local_time(now_ms: int, utc_offset_min: int) -> datetime:
    """The local wall-clock time (naive) at ``now_ms``."""
    return datetime.fromtimestamp(now_ms / 1000, UTC).replace(tzinfo=None) + timedelta(
        minutes=utc_offset_min
    )


def business_day(now_ms: int, utc_offset_min: int) -> str:
    """``YYYY-MM-DD`` of the local day ``now_ms`` falls in."""
    return local_time(now_ms, utc_offset_min).date().isoformat()


def day_bounds(day: date, utc_offset_min: int) -> tuple[int, int]:
    """The day's start and end as epoch milliseconds (start included, end not)."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(minutes=utc_offset_min)
    start_ms = int(start.timestamp() * 1000)
    return start_ms, start_ms + 86_400_000
