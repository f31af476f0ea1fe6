"""The PIN typed by the customer on the handheld itself: dots on screen, sealed on Enter.

The digits live only in this widget, only until Enter (or until it is
cleared), and are never shown, logged or posted as a message: on Enter the
widget hands a :class:`~protocol.pin.ClearPin` straight to the screen's
callback, which seals it into an envelope on the spot, and forgets them.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.widget import Widget

from appkit.console import glyph
from protocol.pin import ClearPin

__all__ = ["PinEntry"]

MIN_DIGITS = 4
MAX_DIGITS = 12
SHOWN = 6  # places drawn before any digit is typed


class PinEntry(Widget, can_focus=True):
    DEFAULT_CSS = """
    PinEntry { height: 3; content-align: center middle; border: round $accent; }
    """

    def __init__(self, on_entered: Callable[[ClearPin], None], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._on_entered = on_entered
        self._digits: list[str] = []

    @property
    def typed(self) -> int:
        return len(self._digits)

    def clear(self) -> None:
        self._digits.clear()
        self.refresh()

    def on_key(self, event: events.Key) -> None:
        if event.character is not None and event.character.isdigit() and len(event.character) == 1:
            if len(self._digits) < MAX_DIGITS:
                self._digits.append(event.character)
        elif event.key == "backspace":
            if self._digits:
                self._digits.pop()
        elif event.key == "enter":
            if len(self._digits) >= MIN_DIGITS:
                pin = ClearPin("".join(self._digits))
                self._digits.clear()
                self._on_entered(pin)
            else:
                self.app.bell()
        else:
            return
        event.stop()
        event.prevent_default()
        self.refresh()

    def render(self) -> Text:
        places = max(SHOWN, len(self._digits))
        typed = len(self._digits)
        return Text(" ".join(glyph("filled") * typed + glyph("empty") * (places - typed)))
