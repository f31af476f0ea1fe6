"""An ESC/POS printer over any transport: python-escpos makes the bytes, DLE EOT tells the state.

Every operation holds one lock, so a drawer pulse never lands inside a
receipt. A transport that fails is closed and opened again at the next
operation, so a printer plugged back in (or switched on) is used again
without a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from .base import ReceiptPrinter
from .document import Document
from .encode import drawer_pulse, escpos_bytes
from .errors import (
    PrinterError,
    PrinterFault,
    PrinterGarbage,
    PrinterNotAnswering,
    PrinterUnavailable,
)
from .status import STATUS_REQUEST, PrinterState, PrinterStatus, parse_status
from .transport import Transport
from .url import Paper

__all__ = ["EscPosPrinter"]

log = logging.getLogger(__name__)

_STATE_OF_ERROR: dict[type[PrinterError], PrinterState] = {
    PrinterUnavailable: PrinterState.UNPLUGGED,
    PrinterNotAnswering: PrinterState.NOT_ANSWERING,
    PrinterGarbage: PrinterState.GARBAGE,
}


class EscPosPrinter(ReceiptPrinter):
    """``make_transport`` builds a fresh transport for each connection."""

    def __init__(
        self,
        make_transport: Callable[[], Transport],
        paper: Paper,
        *,
        chinese: str = "gb18030",
        drawer_pin: int = 2,
    ) -> None:
        super().__init__(paper)
        self._make_transport = make_transport
        self.chinese = chinese
        self.drawer_pin = drawer_pin
        self._transport: Transport | None = None
        self._lock = asyncio.Lock()
        self.description = make_transport().description

    async def open(self) -> None:
        async with self._lock:
            await self._connected()

    async def close(self) -> None:
        async with self._lock:
            await self._drop()

    async def _connected(self) -> Transport:
        if self._transport is None:
            transport = self._make_transport()
            await transport.open()
            self._transport = transport
        return self._transport

    async def _drop(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            await transport.close()

    async def _query(self) -> PrinterStatus:
        transport = await self._connected()
        if not transport.can_read:
            return PrinterStatus(PrinterState.READY)  # a plain file: nothing can answer
        await transport.write(STATUS_REQUEST)
        return parse_status(await transport.read(len(STATUS_REQUEST) // 3))

    async def status(self) -> PrinterStatus:
        async with self._lock:
            try:
                return await self._query()
            except PrinterError as exc:
                await self._drop()
                log.info("%s: %s", self.description, exc)
                return PrinterStatus(_STATE_OF_ERROR.get(type(exc), PrinterState.ERROR))

    async def _send(self, data: bytes, *, check_after: bool) -> None:
        try:
            before = await self._query()
            if not before.can_print:
                raise PrinterFault(before)
            transport = await self._connected()
            await transport.write(data)
            if check_after:
                after = await self._query()
                if not after.can_print:
                    raise PrinterFault(after, "stopped during the document")
        except PrinterFault:
            raise
        except PrinterError:
            await self._drop()
            raise

    async def print(self, document: Document) -> None:
        data = escpos_bytes(document, self.paper, chinese=self.chinese)
        async with self._lock:
            await self._send(data, check_after=True)
        log.info("%s: printed %s (%d bytes)", self.description, document.title, len(data))

    async def cut(self) -> None:
        async with self._lock:
            await self._send(escpos_bytes(Document((), "cut"), self.paper), check_after=False)

    async def pulse_drawer(self) -> None:
        async with self._lock:
            try:
                transport = await self._connected()
                await transport.write(drawer_pulse(self.drawer_pin))
            except PrinterError:
                await self._drop()
                raise
