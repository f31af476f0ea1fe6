"""The till's status bar: every scanner, the PIN pad and the backend's health, in full words."""

from __future__ import annotations

from appkit.statusbar import HealthWords
from appkit.statusbar import StatusBar as AppStatusBar
from terminal_sdk.terminal import Health

from ..i18n import N_

__all__ = ["StatusBar"]

HEALTH_WORDS: HealthWords = {
    None: (N_("backend: checking..."), "yellow"),
    Health.OK: (N_("backend OK"), "green"),
    Health.UNREACHABLE: (N_("backend UNREACHABLE"), "bold white on red"),
    Health.REJECTED: (N_("backend refuses this till"), "bold white on red"),
    Health.UNTRUSTED: (N_("backend answer not trusted"), "bold white on red"),
    Health.DISABLED: (N_("SWITCHED OFF by store IT: cash only"), "bold white on red"),
}


class StatusBar(AppStatusBar):
    HEALTH_WORDS = HEALTH_WORDS

    def more(self) -> list[tuple[str, str]]:
        """The printer's trouble in plain words, receipts waiting, the drawer left open."""
        printing = getattr(self.kit, "printing", None)
        return printing.notes(self.kit.catalog) if printing is not None else []
