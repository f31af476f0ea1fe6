"""The footer: every key the cashier can press now, with what it does, in the current language.

Textual's own footer shows a binding's description as written; the till
needs it translated and redrawn when the language changes, so this one
looks each description up in the catalog when it draws.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from ..i18n import tr

__all__ = ["KeyBar"]


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar { height: 2; background: $panel; }
    """

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
            seen.add(binding.action)
            key = key_name(self.app.get_key_display(binding))
            label = f" {tr(binding.description)} "
            size = cell_len(key) + 2 + cell_len(label)
            if line and line + size > width:  # wrap between keys, never inside one
                text.append("\n")
                line = 0
            text.append(f" {key} ", style="bold reverse")
            text.append(label, style="" if active.enabled else "dim")
            line += size
        return text


def key_name(display: str) -> str:
    """``f5`` -> ``F5``, ``esc`` -> ``Esc``; symbols (``^q``, ``⏎``) stay as they are."""
    if display.startswith("f") and display[1:].isdigit():
        return display.upper()
    return display.capitalize() if display.isalpha() and len(display) > 1 else display
