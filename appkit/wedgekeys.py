"""The app's keys through the keyboard-wedge scanner: scans are taken out, the rest given back.

A wedge scanner types into the app like a keyboard. Every key the app gets
is first offered to the wedge (``wedge.feed``); a burst it recognises as a
scan never reaches the screens, and keys it held back to decide are posted
again, in order, marked so that they are not offered twice.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App

from drivers.wedge import Keystroke, WedgeScanner

__all__ = ["WedgeKeys"]


class WedgeKeys:
    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._wedge: WedgeScanner | None = None
        self._replayed: set[int] = set()

    def attach(self, wedge: WedgeScanner | None) -> None:
        self._wedge = wedge
        if wedge is not None:
            wedge.on_keys = self._replay

    def holds(self, event: events.Event) -> bool:
        """True when the wedge keeps ``event`` (a scan's key, or one it gives back later)."""
        if not isinstance(event, events.Key) or event.is_forwarded:
            return False
        if id(event) in self._replayed:
            self._replayed.discard(id(event))
            return False
        return self._wedge is not None and self._wedge.feed(event.key, event.character, event.time)

    def _replay(self, keys: list[Keystroke]) -> None:
        for key in keys:
            event = events.Key(key.key, key.character)
            self._replayed.add(id(event))
            self._app.post_message(event)
