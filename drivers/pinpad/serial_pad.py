"""The terminal's side of a serial PIN pad (protocol in drivers/pinpad/PROTOCOL.md).

The pad seals the PIN itself: the PROMPT carries the trade reference and the
backend's public key, and what comes back is an ENVELOPE. Opening the port
says HELLO and waits for the pad's IDENT, so a missing or silent pad is
reported at once, not at the first payment.
"""

from __future__ import annotations

import asyncio
import itertools
import logging

import serial

from protocol.pin import PinEnvelope

from . import commands as cmd
from .base import PinPad, PinRequest
from .errors import CustomerCancelled, PinPadFault, PinPadUnavailable
from .link import DEFAULT_ACK_TIMEOUT, DEFAULT_RETRIES, FramedLink, SerialTransport

__all__ = ["SerialPinPad"]

log = logging.getLogger(__name__)


class SerialPinPad(PinPad):
    """A PIN pad on a serial port (any pyserial URL or device path)."""

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        ack_timeout: float = DEFAULT_ACK_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        hello_timeout: float = 2.0,
    ) -> None:
        super().__init__()
        self.port = port
        self.baudrate = baudrate
        self.ack_timeout = ack_timeout
        self.retries = retries
        self.hello_timeout = hello_timeout
        self.description = f"serial PIN pad {port}"
        self.ident: list[str] = []
        self._link: FramedLink | None = None
        self._entries = itertools.count(1)

    @property
    def link(self) -> FramedLink:
        if self._link is None:
            raise PinPadUnavailable(f"{self.description} is not open")
        return self._link

    async def _open(self) -> None:
        try:
            port = serial.serial_for_url(
                self.port, baudrate=self.baudrate, timeout=0, write_timeout=2
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PinPadUnavailable(f"cannot open {self.port}: {exc}") from None
        link = FramedLink(
            SerialTransport(port),
            ack_timeout=self.ack_timeout,
            retries=self.retries,
            name=self.description,
        )
        link.start()
        self._link = link
        try:
            await link.send(cmd.HELLO, [cmd.PROTOCOL_VERSION])
            async with asyncio.timeout(self.hello_timeout):
                while True:
                    frame = await link.receive()
                    if frame.command == cmd.IDENT:
                        self.ident = frame.fields()
                        break
        except (PinPadUnavailable, TimeoutError):
            await self._close()
            raise PinPadUnavailable(f"no PIN pad answers on {self.port}") from None
        log.info("%s: %s", self.description, " ".join(self.ident))

    async def _close(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    async def _read_pin(self, request: PinRequest) -> PinEnvelope:
        link = self.link
        entry = next(self._entries)
        link.drain()
        link.forget_sequence()
        await link.send(cmd.PROMPT, cmd.PromptCommand(entry, request).fields())
        while True:
            frame = await link.receive()
            fields = frame.fields()
            if frame.command == cmd.ENVELOPE:
                try:
                    answered, envelope = cmd.parse_envelope(fields)
                except ValueError as exc:
                    raise PinPadFault(f"bad ENVELOPE: {exc}") from None
                if answered == entry:
                    return envelope
            elif frame.command == cmd.FAULT and cmd.entry_of(fields) in (None, entry):
                raise PinPadFault(fields[1] if len(fields) > 1 else "")
            elif cmd.entry_of(fields) != entry:
                log.debug("%s: %s for an earlier entry dropped", self.description, frame.command)
            elif frame.command == cmd.KEYS and len(fields) == 2 and fields[1].isdigit():
                self._digits_typed(int(fields[1]))
            elif frame.command == cmd.CUSTOMER_CANCEL:
                raise CustomerCancelled()

    async def _show_message(self, text: str) -> None:
        await self.link.send(cmd.MESSAGE, [text])

    async def _end_entry(self) -> None:
        try:
            await self.link.send(cmd.CANCEL)
        except PinPadUnavailable as exc:  # nothing left to clear on a pad that is gone
            log.warning("%s: could not clear the pad: %s", self.description, exc)
