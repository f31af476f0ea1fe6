"""What every POS screen has: a title line, a body, the status bar and the key bar.

Screens draw their words with :func:`~pos_client.i18n.tr` in ``compose``;
switching the language composes them again, keeping what was typed and
where the cursor was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from ..i18n import tr
from ..widgets.keybar import KeyBar
from ..widgets.statusbar import StatusBar

if TYPE_CHECKING:
    from ..app import PosApp

__all__ = ["PosScreen"]


class PosScreen(Screen[object]):
    """Base of the till's screens. Subclasses implement :meth:`body`."""

    #: whether a scan is taken here (else the app says the scan was ignored)
    ACCEPTS_SCANS: ClassVar[bool] = False
    TITLE_TEXT: ClassVar[str] = "ScanPay"

    @property
    def pos(self) -> PosApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(self.title_line(), id="title", markup=False)
        yield from self.body()
        with Vertical(id="bottom"):
            yield StatusBar()
            yield KeyBar()

    def body(self) -> ComposeResult:
        yield from ()

    def takes_scans(self) -> bool:
        return self.ACCEPTS_SCANS

    def title_line(self) -> str:
        parts = [tr(self.TITLE_TEXT)]
        parts += self.pos.identity_words()
        return "  ·  ".join(parts)

    async def retranslate(self) -> None:
        """Compose again in the new language; keep typed values and the focus."""
        values = {i.id: i.value for i in self.query(Input) if i.id}
        focused = self.focused.id if self.focused is not None else None
        await self.recompose()
        for field in self.query(Input):
            if field.id in values:
                field.value = values[field.id]
        if focused:
            for widget in self.query(f"#{focused}"):
                widget.focus()
        self.after_retranslate()

    def after_retranslate(self) -> None:
        """Screens whose text comes from state redraw it here."""
