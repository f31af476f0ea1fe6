"""The till's screens: the shared frame (:class:`appkit.screen.AppScreen`) with the till's title.

The title line names the screen, the till and the shift; the status bar
shows every scanner, the PIN pad and the backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from appkit.console import glyph
from appkit.screen import AppScreen

from ..i18n import tr
from ..widgets.statusbar import StatusBar

if TYPE_CHECKING:
    from ..app import PosApp

__all__ = ["PosScreen"]


class PosScreen(AppScreen):
    """Base of the till's screens. Subclasses implement :meth:`body`."""

    @property
    def pos(self) -> PosApp:
        return self.app  # type: ignore[return-value]

    def status_bar(self) -> StatusBar:
        return StatusBar()

    def title_line(self) -> str:
        parts = [tr(self.TITLE_TEXT)]
        parts += self.pos.identity_words()
        return f"  {glyph('dot')}  ".join(parts)
