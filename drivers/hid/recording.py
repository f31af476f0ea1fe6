"""Event streams as ``evtest`` prints them, so a field tech's recording can be replayed.

``evtest /dev/input/by-id/usb-...-event-kbd > scan.txt`` records what a scanner
sends; :func:`parse_evtest` turns the ``Event:`` lines back into events for the
decoder (the tests keep such streams under ``tests/drivers/data``), and
:func:`format_evtest` writes events in the same form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .decoder import Event

__all__ = ["format_evtest", "parse_evtest"]

_LINE = re.compile(
    r"^Event: time (?P<sec>\d+)\.(?P<usec>\d{6}), type (?P<type>\d+) \([A-Z_]+\), "
    r"code (?P<code>\d+) \([A-Z0-9_]+\), value (?P<value>-?\d+)$"
)


def parse_evtest(text: str) -> list[Event]:
    """The events of an ``evtest`` log; header and SYN report lines are skipped."""
    events = []
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match:
            t = int(match["sec"]) + int(match["usec"]) / 1e6
            events.append((int(match["type"]), int(match["code"]), int(match["value"]), t))
    return events


_TYPE_NAMES = {1: "EV_KEY", 4: "EV_MSC", 17: "EV_LED"}


def format_evtest(events: Iterable[Event]) -> str:
    """Events as ``evtest`` prints them (code names are left generic)."""
    lines = []
    for ev_type, code, value, t in events:
        sec, usec = int(t), round((t - int(t)) * 1e6)
        if ev_type == 0:
            lines.append(f"Event: time {sec}.{usec:06d}, -------------- SYN_REPORT ------------")
            continue
        name = _TYPE_NAMES.get(ev_type, "EV_OTHER")
        lines.append(
            f"Event: time {sec}.{usec:06d}, type {ev_type} ({name}), "
            f"code {code} (CODE_{code}), value {value}"
        )
    return "\n".join(lines) + "\n"
