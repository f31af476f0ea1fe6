"""The footer: every key the cashier can press now, with what it does, in the current language.

Textual's own footer shows a binding's description as written; the till
needs it translated and redrawn when the language changes, so this one
looks each description up in the catalog when it draws.
"""

from __future__ import annotations

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
        text = Text()
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.app.get_key_display(binding)
            key = key.upper() if key.startswith("f") and key[1:].isdigit() else key
            text.append(f" {key} ", style="bold reverse")
            text.append(f" {tr(binding.description)} ", style="" if active.enabled else "dim")
        return text
