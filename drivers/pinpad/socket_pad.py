"""The terminal's side of the virtual pad (``socket:///run/scanpay/pinpad.sock``).

The terminal listens on a Unix domain socket; the pad app ``scanpay-pinpad``
on the customer's screen connects (and reconnects) to it. One pad at a time:
a second one is told so and turned away. Messages are JSON lines
(:mod:`.socket_protocol`); the pad seals the PIN in its own process and sends
only the envelope.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import logging
import os
import socket
import stat
from typing import Any

from protocol.pin import PinEnvelope

from . import socket_protocol as wire
from .base import PinPad, PinRequest
from .errors import CustomerCancelled, PinPadFault, PinPadUnavailable

__all__ = ["SocketPinPad"]

log = logging.getLogger(__name__)

_HELLO_TIMEOUT = 5.0


class _Gone:
    """Put in the inbox when the pad disconnects."""


class SocketPinPad(PinPad):
    """Serves one virtual pad on the Unix socket ``path``."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.description = f"virtual PIN pad {path}"
        self.pad_name = ""
        self._server: asyncio.Server | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._handlers: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self._connected = asyncio.Event()
        self._inbox: asyncio.Queue[dict[str, Any] | _Gone] = asyncio.Queue()
        self._entries = itertools.count(1)

    @property
    def connected(self) -> bool:
        return self._writer is not None

    async def wait_for_pad(self) -> None:
        """Wait until a pad is connected (bound it with ``asyncio.timeout``)."""
        await self._connected.wait()

    # -- the socket ----------------------------------------------------------------------

    def _remove_stale_socket(self) -> None:
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            return
        if not stat.S_ISSOCK(mode):
            raise PinPadUnavailable(f"{self.path} exists and is not a socket")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(self.path)
        except OSError:
            os.unlink(self.path)  # left over from a terminal that stopped
            return
        finally:
            probe.close()
        raise PinPadUnavailable(f"another terminal already serves {self.path}")

    async def _open(self) -> None:
        self._remove_stale_socket()
        try:
            self._server = await asyncio.start_unix_server(
                self._serve_pad, self.path, limit=wire.MAX_LINE
            )
        except OSError as exc:
            hint = " (does its folder exist?)" if exc.errno == errno.ENOENT else ""
            raise PinPadUnavailable(f"cannot listen on {self.path}: {exc.strerror}{hint}") from None
        os.chmod(self.path, 0o600)  # only this user's pad app may connect

    async def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        for writer in self._handlers.values():
            writer.close()  # each handler then reads its end and finishes
        if self._handlers:
            await asyncio.wait(list(self._handlers), timeout=2.0)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)

    async def _serve_pad(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers[task] = writer
        try:
            await self._serve_one(reader, writer)
        finally:
            del self._handlers[task]

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._writer is not None:
            with contextlib.suppress(TimeoutError, ValueError, ConnectionError):
                async with asyncio.timeout(_HELLO_TIMEOUT):
                    await reader.readline()  # its hello, read so the close is clean
            busy = {"type": "fault", "entry": None, "reason": "another pad is connected"}
            writer.write(wire.encode(busy))
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            writer.close()
            return
        try:
            async with asyncio.timeout(_HELLO_TIMEOUT):
                hello = wire.decode(await reader.readline())
            if hello["type"] != "hello":
                raise ValueError("first message must be hello")
        except (TimeoutError, ValueError, ConnectionError) as exc:
            log.warning("%s: a client that is no pad was turned away: %s", self.description, exc)
            writer.close()
            return
        self.pad_name = str(hello.get("pad", "pad"))
        self._writer = writer
        self._connected.set()
        log.info("%s: %s connected", self.description, self.pad_name)
        try:
            while line := await reader.readline():
                try:
                    self._inbox.put_nowait(wire.decode(line))
                except ValueError as exc:
                    log.warning("%s: bad line from the pad ignored: %s", self.description, exc)
        except (ConnectionError, ValueError) as exc:  # ValueError: a line over the limit
            log.warning("%s: pad connection broke: %s", self.description, exc)
        finally:
            self._writer = None
            self._connected.clear()
            writer.close()
            self._inbox.put_nowait(_Gone())
            log.info("%s: pad disconnected", self.description)

    async def _send(self, message: dict[str, Any]) -> None:
        writer = self._writer
        if writer is None:
            raise PinPadUnavailable(f"no pad connected to {self.path}")
        writer.write(wire.encode(message))
        try:
            await writer.drain()
        except ConnectionError:
            raise PinPadUnavailable("the pad disconnected") from None

    # -- the pad -------------------------------------------------------------------------

    async def _read_pin(self, request: PinRequest) -> PinEnvelope:
        entry = next(self._entries)
        while not self._inbox.empty():  # answers to entries that are over
            self._inbox.get_nowait()
        await self._send(wire.prompt_message(entry, request))
        while True:
            message = await self._inbox.get()
            if isinstance(message, _Gone):
                raise PinPadUnavailable("the pad disconnected")
            kind = message["type"]
            if kind == "fault" and message.get("entry") in (None, entry):
                raise PinPadFault(str(message.get("reason", "")))
            if message.get("entry") != entry:
                continue
            if kind == "progress" and type(message.get("digits")) is int:
                self._digits_typed(message["digits"])
            elif kind == "customer_cancel":
                raise CustomerCancelled()
            elif kind == "envelope":
                try:
                    return wire.parse_envelope(message)
                except ValueError as exc:
                    raise PinPadFault(f"bad envelope: {exc}") from None

    async def _show_message(self, text: str) -> None:
        await self._send({"type": "message", "text": text})

    async def _end_entry(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(PinPadUnavailable):
                await self._send({"type": "cancel"})
