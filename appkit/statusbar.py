"""The status bar: each device's state and the backend's health, always in sight.

It draws what the app knows (:class:`~appkit.app.TerminalApp`: its devices
and the backend's health) and redraws when the app bumps ``status_version``.
Each app words the health its own way (a till has room, a handheld says it
short) and may add its own news after it (:meth:`StatusBar.more`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.widget import Widget

from terminal_sdk.terminal import Health

from .console import glyph

if TYPE_CHECKING:
    from .app import TerminalApp

__all__ = ["HealthWords", "StatusBar"]

HealthWords = Mapping[Health | None, tuple[str, str]]
"""The backend's health (None: not checked yet) -> (message for the catalog, style)."""


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $boost; }
    """

    HEALTH_WORDS: ClassVar[HealthWords]

    @property
    def kit(self) -> TerminalApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.watch(self.app, "status_version", self._changed, init=False)

    def _changed(self, _version: int) -> None:
        self.refresh()

    def render(self) -> Text:
        app = self.kit
        text = Text(no_wrap=True, overflow="ellipsis")
        for device in app.device_statuses():
            mark = glyph("ok") if device.ok else glyph("bad")
            text.append(f" {device.name} {mark} ", style="green" if device.ok else "bold red")
        words, style = self.HEALTH_WORDS[app.health.health if app.health else None]
        text.append(f" {app.catalog.tr(words)} ", style=style)
        for words, style in self.more():
            text.append(f" {words} ", style=style)
        return text

    def more(self) -> list[tuple[str, str]]:
        """What the app adds after the health: (words in the current language, style)."""
        return []
