"""The status line: the scan engine, the backend, and sign-offs waiting to be sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from terminal_sdk.terminal import Health

from ..i18n import tr
from ..localstore import SignOffState

if TYPE_CHECKING:
    from ..app import PdaApp

__all__ = ["StatusLine"]


def health_words(health: Health | None) -> tuple[str, str]:
    """(text, style) for the backend's health, short enough for a handheld."""
    if health is None:
        return tr("checking..."), "yellow"
    return {
        Health.OK: (tr("online"), "green"),
        Health.UNREACHABLE: (tr("OFFLINE"), "bold white on red"),
        Health.REJECTED: (tr("refused"), "bold white on red"),
        Health.UNTRUSTED: (tr("not trusted"), "bold white on red"),
    }[health]


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $boost; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "status_version", self._changed, init=False)

    def _changed(self, _version: int) -> None:
        self.refresh()

    def render(self) -> Text:
        app: PdaApp = self.app  # type: ignore[assignment]
        text = Text(no_wrap=True, overflow="ellipsis")
        for device in app.device_statuses():
            mark = "✓" if device.ok else "✗"
            text.append(f" {device.name} {mark} ", style="green" if device.ok else "bold red")
        words, style = health_words(app.health.health if app.health else None)
        text.append(f" {words} ", style=style)
        queued = app.store.count(SignOffState.QUEUED)
        if queued:
            text.append(" " + tr("{n} to send", n=queued) + " ", style="bold yellow")
        return text
