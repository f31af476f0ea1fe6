"""The footer: every key that works now, with what it does, in the current language.

Textual's own footer shows a binding's description as written; the apps
need it translated and redrawn when the language changes, so this one looks
each description up through the app's catalog when it draws, and wraps
between keys (never inside one) on a narrow screen.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from .console import bare_console

__all__ = ["KeyBar", "key_name"]


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar { height: 2; background: $panel; }
    """

    def __init__(self, translate: Callable[[str], str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.translate = translate

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.refresh())

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def render(self) -> Text:
        text = Text(no_wrap=True)
        width = self.size.width or 80
        line = 0
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            if binding.action == "switch_language" and bare_console():
                continue  # no Chinese on the bare console (the key says why if pressed)
            seen.add(binding.action)
            key = key_name(self.app.get_key_display(binding))
            label = f" {self.translate(binding.description)} "
            size = cell_len(key) + 2 + cell_len(label)
            if line and line + size > width:
                text.append("\n")
                line = 0
            text.append(f" {key} ", style="bold reverse")
            text.append(label, style="" if active.enabled else "dim")
            line += size
        return text


_ASCII_KEYS = {"⏎": "Enter", "↑": "Up", "↓": "Down", "←": "Left", "→": "Right"}


def key_name(display: str) -> str:
    """``f5`` -> ``F5``, ``esc`` -> ``Esc``; symbols (``^q``, ``⏎``) stay as they are
    (on the bare console, whose font lacks the arrows, ``⏎`` is ``Enter``)."""
    if bare_console():
        display = _ASCII_KEYS.get(display, display)
    if display.startswith("f") and display[1:].isdigit():
        return display.upper()
    return display.capitalize() if display.isalpha() and len(display) > 1 else display
