"""The status line: the scan engine, the backend, and sign-offs waiting to be sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from appkit.statusbar import HealthWords, StatusBar
from terminal_sdk.terminal import Health

from ..i18n import N_, tr
from ..localstore import SignOffState

if TYPE_CHECKING:
    from ..app import PdaApp

__all__ = ["StatusLine"]

HEALTH_WORDS: HealthWords = {  # short enough for a handheld
    None: (N_("checking..."), "yellow"),
    Health.OK: (N_("online"), "green"),
    Health.UNREACHABLE: (N_("OFFLINE"), "bold white on red"),
    Health.REJECTED: (N_("refused"), "bold white on red"),
    Health.UNTRUSTED: (N_("not trusted"), "bold white on red"),
    Health.DISABLED: (N_("SWITCHED OFF"), "bold white on red"),
}


class StatusLine(StatusBar):
    HEALTH_WORDS = HEALTH_WORDS

    def more(self) -> list[tuple[str, str]]:
        app: PdaApp = self.app  # type: ignore[assignment]
        queued = app.store.count(SignOffState.QUEUED)
        out = [(tr("{n} to send", n=queued), "bold yellow")] if queued else []
        if app.printing is not None:
            out += app.printing.notes(app.catalog)
        return out
