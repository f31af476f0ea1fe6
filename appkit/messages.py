"""Messages an app sends its screens."""

from __future__ import annotations

from textual.message import Message

from drivers.scanner import Scan

__all__ = ["Scanned"]


class Scanned(Message):
    """A scanner read a code (whichever scanner, scan engine or camera it was)."""

    def __init__(self, scan: Scan) -> None:
        super().__init__()
        self.scan = scan
