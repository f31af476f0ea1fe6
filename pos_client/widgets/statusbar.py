"""The status bar: each device's state and the backend's health, always in sight."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from terminal_sdk.terminal import Health

from ..i18n import tr

if TYPE_CHECKING:
    from ..app import PosApp

__all__ = ["StatusBar"]


def health_words(health: Health | None) -> tuple[str, str]:
    """(text, style) for the backend's health."""
    if health is None:
        return tr("backend: checking..."), "yellow"
    return {
        Health.OK: (tr("backend OK"), "green"),
        Health.UNREACHABLE: (tr("backend UNREACHABLE"), "bold white on red"),
        Health.REJECTED: (tr("backend refuses this till"), "bold white on red"),
        Health.UNTRUSTED: (tr("backend answer not trusted"), "bold white on red"),
    }[health]


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $boost; }
    """

    def on_mount(self) -> None:
        app: PosApp = self.app  # type: ignore[assignment]
        self.watch(app, "status_version", self._changed, init=False)

    def _changed(self, _version: int) -> None:
        self.refresh()

    def render(self) -> Text:
        app: PosApp = self.app  # type: ignore[assignment]
        text = Text(no_wrap=True, overflow="ellipsis")
        for device in app.device_statuses():
            mark = "✓" if device.ok else "✗"
            text.append(f" {device.name} {mark} ", style="green" if device.ok else "bold red")
        words, style = health_words(app.health.health if app.health else None)
        text.append(f" {words} ", style=style)
        return text
