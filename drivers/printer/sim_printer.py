"""The simulated printer: what would be printed goes to a folder, as a text file and a PNG.

A first-class printer (``sim:`` or ``sim:///folder``) for demos, tests and a
till without one: ``0001-receipt.txt`` and ``0001-receipt.png`` per
document, numbered in order, and one line in ``drawer.log`` per drawer
pulse. ``state`` may be set to make it report a fault.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from .base import ReceiptPrinter
from .document import Document
from .errors import PrinterFault, PrinterUnavailable
from .render import as_png, as_text
from .status import DrawerState, PrinterState, PrinterStatus
from .url import Paper

__all__ = ["SimPrinter"]


class SimPrinter(ReceiptPrinter):
    def __init__(self, folder: Path, paper: Paper) -> None:
        super().__init__(paper)
        self.folder = folder
        self.state = PrinterState.READY
        self.description = f"sim {folder}"

    async def status(self) -> PrinterStatus:
        return PrinterStatus(self.state, DrawerState.CLOSED)

    def _next_stem(self, title: str) -> Path:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PrinterUnavailable(f"{self.folder}: {exc.strerror}") from None
        count = len(list(self.folder.glob("*.txt"))) + 1
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in title)[:40]
        return self.folder / f"{count:04d}-{safe or 'document'}"

    async def print(self, document: Document) -> None:
        if not self.state.can_print:
            raise PrinterFault(PrinterStatus(self.state))
        stem = self._next_stem(document.title)
        picture = await asyncio.to_thread(as_png, document, self.paper.dots)
        picture.save(stem.with_suffix(".png"))
        stem.with_suffix(".txt").write_text(as_text(document), encoding="utf-8")

    async def cut(self) -> None:
        pass

    async def pulse_drawer(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "drawer.log").open("a", encoding="utf-8") as log:
            log.write(f"drawer pulse {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
