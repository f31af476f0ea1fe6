"""Messages the app sends its screens."""

from __future__ import annotations

from textual.message import Message

from drivers.scanner import Scan

__all__ = ["Scanned"]


class Scanned(Message):
    """The scan engine (or the camera) read a code."""

    def __init__(self, scan: Scan) -> None:
        super().__init__()
        self.scan = scan
