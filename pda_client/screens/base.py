"""The handheld's screens: the shared frame (:class:`appkit.screen.AppScreen`) with the courier.

The title line names the screen and the courier, and follows the round as
it is fetched; the status line shows the scan engine, the backend and the
sign-offs waiting to be sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.widgets import Static

from appkit.console import glyph
from appkit.screen import AppScreen

from ..i18n import N_, tr
from ..widgets.statusline import StatusLine

if TYPE_CHECKING:
    from ..app import PdaApp

__all__ = ["PdaScreen"]


class PdaScreen(AppScreen):
    """Base of the handheld's screens. Subclasses implement :meth:`body`."""

    TITLE_TEXT: ClassVar[str] = N_("ScanPay PDA")

    @property
    def pda(self) -> PdaApp:
        return self.app  # type: ignore[return-value]

    def status_bar(self) -> StatusLine:
        return StatusLine()

    def title_line(self) -> str:
        courier = self.pda.courier_words()
        return tr(self.TITLE_TEXT) + (f" {glyph('dot')} {courier}" if courier else "")

    def on_mount(self) -> None:
        self.watch(self.pda, "round_version", self._round_changed, init=False)

    def _round_changed(self, _version: int) -> None:
        self.query_one("#title", Static).update(self.title_line())
        self.round_changed()

    def round_changed(self) -> None:
        """Screens that show the round redraw it here."""
