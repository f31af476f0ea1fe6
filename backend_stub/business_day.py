"""The stores' business day: daily quotas, usage and reconciliation follow local dates.

Local time is UTC plus ``utc_offset_min`` (480, China Standard Time, by
default); a business day runs from local midnight to local midnight.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

__all__ = ["business_day", "day_bounds", "local_time"]


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
