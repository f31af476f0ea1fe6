"""What every screen of both apps has: a title line, a body, the status bar and the key bar.

Screens draw their words in ``compose`` (through the app's catalog);
switching the language composes them again, keeping what was typed and
where the cursor was. Each app's own base screen says what its title line
and its status bar show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from .keybar import KeyBar
from .statusbar import StatusBar

if TYPE_CHECKING:
    from .app import TerminalApp

__all__ = ["AppScreen"]


class AppScreen(Screen[object]):
    """Base of the apps' screens. Subclasses implement :meth:`body`."""

    #: whether a scan is taken here (else the app says the scan was ignored)
    ACCEPTS_SCANS: ClassVar[bool] = False
    TITLE_TEXT: ClassVar[str] = "ScanPay"

    @property
    def kit(self) -> TerminalApp:
        return self.app  # type: ignore[return-value]

    def tr(self, message: str, **values: object) -> str:
        """``message`` in the current language, from the app's catalog."""
        return self.kit.catalog.tr(message, **values)

    def compose(self) -> ComposeResult:
        yield Static(self.title_line(), id="title", markup=False)
        yield from self.body()
        with Vertical(id="bottom"):
            yield self.status_bar()
            yield KeyBar(self.kit.catalog.tr)

    def body(self) -> ComposeResult:
        yield from ()

    def status_bar(self) -> StatusBar:
        raise NotImplementedError

    def title_line(self) -> str:
        return self.tr(self.TITLE_TEXT)

    def takes_scans(self) -> bool:
        return self.ACCEPTS_SCANS

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
