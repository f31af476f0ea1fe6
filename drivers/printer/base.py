"""One small async interface for every receipt printer: print a document, cut, pulse the drawer,
read the status.

:meth:`ReceiptPrinter.status` never raises: a printer that cannot be reached
is a state (unplugged, not answering) like paper out. :meth:`print` refuses
to start on a printer that cannot print (:class:`PrinterFault`), and checks
the status again after the last byte, so a receipt cut short by the paper
running out is reported, not taken for printed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from .document import Document
from .status import PrinterStatus
from .url import Paper

__all__ = ["ReceiptPrinter"]


class ReceiptPrinter(ABC):
    """A receipt printer (and the cash drawer on its connector). ``async with`` opens it."""

    #: what this printer is, for logs and the status bar ("tcp 192.168.1.50:9100")
    description: str = "printer"

    def __init__(self, paper: Paper) -> None:
        self.paper = paper

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def open(self) -> None:  # noqa: B027 - most printers connect at first use
        """Connect now (else at first use); raises a PrinterError if it cannot."""

    async def close(self) -> None:  # noqa: B027
        pass

    @abstractmethod
    async def status(self) -> PrinterStatus:
        """The printer's state now (never raises)."""

    @abstractmethod
    async def print(self, document: Document) -> None:
        """Print ``document`` (and cut after it if it says so).

        Raises :class:`PrinterFault` when the printer cannot print (before a
        byte is sent, or when it ran out of paper during this document) and
        the other :class:`PrinterError` kinds when it cannot be reached.
        """

    @abstractmethod
    async def cut(self) -> None: ...

    @abstractmethod
    async def pulse_drawer(self) -> None:
        """Open the cash drawer on the printer's connector."""
