"""The serial PIN pad's link layer: frames with ACK/NAK, bounded retransmit, repeats dropped.

Both ends use it: the terminal's :class:`~drivers.pinpad.serial_pad.SerialPinPad`
and the bundled emulator. Stop-and-wait in each direction: one frame out at a
time, SEQ alternating 0/1; a frame not ACKed within ``ack_timeout`` (or
NAKed) is sent again, at most ``retries`` more times. A received frame is
ACKed; one with the SEQ of the frame accepted just before is a repeat (our
ACK was lost): ACKed again and dropped, except the ``resync_command`` (HELLO), which a
restarted terminal sends first and which is never dropped. The port is read from the event
loop (``add_reader``), so nothing blocks it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Sequence
from typing import Protocol

import serial

from .errors import PinPadUnavailable
from .frames import ACK, NAK, Ack, BadFrame, Frame, FrameDecoder, FrameEvent, encode_frame

__all__ = [
    "DEFAULT_ACK_TIMEOUT",
    "DEFAULT_RETRIES",
    "FdTransport",
    "FramedLink",
    "SerialTransport",
    "Transport",
]

log = logging.getLogger(__name__)

DEFAULT_ACK_TIMEOUT = 0.5
DEFAULT_RETRIES = 3


class Transport(Protocol):
    """A byte pipe the event loop can watch: a serial port, or a pty's master side."""

    def fileno(self) -> int: ...
    def read_available(self) -> bytes: ...
    def write(self, data: bytes) -> None: ...
    def close(self) -> None: ...


class SerialTransport:
    """A pyserial port (opened with ``timeout=0``) as a :class:`Transport`."""

    def __init__(self, port: serial.SerialBase) -> None:
        self.port = port

    def fileno(self) -> int:
        return int(self.port.fileno())

    def read_available(self) -> bytes:
        return bytes(self.port.read(self.port.in_waiting or 1))

    def write(self, data: bytes) -> None:
        self.port.write(data)

    def close(self) -> None:
        self.port.close()


class FdTransport:
    """A raw file descriptor (the master side of a pty) as a :class:`Transport`."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)

    def fileno(self) -> int:
        return self.fd

    def read_available(self) -> bytes:
        try:
            return os.read(self.fd, 4096)
        except BlockingIOError:
            return b""

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.fd, view) :]
            except BlockingIOError:
                os.set_blocking(self.fd, True)
                try:
                    view = view[os.write(self.fd, view) :]
                finally:
                    os.set_blocking(self.fd, False)

    def close(self) -> None:
        os.close(self.fd)


class FramedLink:
    """Frames over a :class:`Transport`: ``await send(...)`` until ACKed, ``await receive()``."""

    def __init__(
        self,
        transport: Transport,
        *,
        resync_command: str = "H",
        ack_timeout: float = DEFAULT_ACK_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        name: str = "PIN pad",
    ) -> None:
        self.transport = transport
        self.ack_timeout = ack_timeout
        self.retries = retries
        self.name = name
        self.resync_command = resync_command
        self._decoder = FrameDecoder()
        self._inbox: asyncio.Queue[Frame | PinPadUnavailable] = asyncio.Queue()
        self._ack_waiter: asyncio.Future[bool] | None = None
        self._send_lock = asyncio.Lock()
        self._send_seq = 0
        self._last_seq_in: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failure: PinPadUnavailable | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.transport.fileno(), self._on_readable)

    def close(self) -> None:
        if self._loop is not None:
            with contextlib.suppress(ValueError, OSError):
                self._loop.remove_reader(self.transport.fileno())
            self._loop = None
        with contextlib.suppress(OSError, serial.SerialException):
            self.transport.close()
        self._fail(PinPadUnavailable(f"{self.name} link closed"))

    def forget_sequence(self) -> None:
        """Accept the next frame whatever its SEQ (after a restart of either end)."""
        self._last_seq_in = None

    def drain(self) -> None:
        """Drop frames received and not yet read (answers to an entry that is over)."""
        while not self._inbox.empty():
            item = self._inbox.get_nowait()
            if isinstance(item, PinPadUnavailable):
                self._inbox.put_nowait(item)
                return

    # -- sending -------------------------------------------------------------------------

    async def send(self, command: str, fields: Sequence[str] = ()) -> None:
        """Send one frame and wait for its ACK; :class:`PinPadUnavailable` after the retries."""
        async with self._send_lock:
            if self._failure is not None:
                raise self._failure
            frame = encode_frame(self._send_seq, command, fields)
            loop = asyncio.get_running_loop()
            for attempt in range(1 + self.retries):
                waiter: asyncio.Future[bool] = loop.create_future()
                self._ack_waiter = waiter
                self._put_on_wire(frame)
                try:  # asyncio.timeout, not wait_for: wait_for may swallow a cancel (3.11)
                    async with asyncio.timeout(self.ack_timeout):
                        acked = await waiter
                except TimeoutError:
                    acked = False
                    log.debug("%s: no ACK for %s (try %d)", self.name, command, attempt + 1)
                finally:
                    self._ack_waiter = None
                if self._failure is not None:
                    raise self._failure
                if acked:
                    self._send_seq ^= 1
                    return
            raise PinPadUnavailable(
                f"{self.name} did not acknowledge after {1 + self.retries} tries"
            )

    def _put_on_wire(self, frame: bytes) -> None:
        """Write one frame's bytes (the emulator overrides this to damage frames)."""
        self._write(frame)

    def _write(self, data: bytes) -> None:
        try:
            self.transport.write(data)
        except (OSError, serial.SerialException) as exc:
            self._fail(PinPadUnavailable(f"cannot write to {self.name}: {exc}"))

    # -- receiving -----------------------------------------------------------------------

    async def receive(self) -> Frame:
        """The next new frame from the other end."""
        item = await self._inbox.get()
        if isinstance(item, PinPadUnavailable):
            self._inbox.put_nowait(item)  # every later receive fails the same way
            raise item
        return item

    def _on_readable(self) -> None:
        try:
            data = self.transport.read_available()
        except (OSError, serial.SerialException) as exc:
            self._fail(PinPadUnavailable(f"{self.name} disconnected: {exc}"))
            return
        assert self._loop is not None
        for event in self._decoder.feed(data, self._loop.time()):
            self._on_event(event)

    def _on_event(self, event: FrameEvent) -> None:
        if isinstance(event, Frame):
            self._answer_frame(event)
        elif isinstance(event, BadFrame):
            log.debug("%s: bad frame (%s), NAK", self.name, event.reason)
            self._write(bytes([NAK]))
        elif self._ack_waiter is not None and not self._ack_waiter.done():
            self._ack_waiter.set_result(isinstance(event, Ack))

    def _answer_frame(self, frame: Frame) -> None:
        """ACK ``frame`` and deliver it unless it repeats the last one (the emulator overrides)."""
        self._write(bytes([ACK]))
        if frame.seq == self._last_seq_in and frame.command != self.resync_command:
            log.debug("%s: repeated frame %s dropped", self.name, frame.command)
            return
        self._last_seq_in = frame.seq
        self._inbox.put_nowait(frame)

    def _fail(self, error: PinPadUnavailable) -> None:
        if self._failure is not None:
            return
        self._failure = error
        if self._loop is not None:
            with contextlib.suppress(ValueError, OSError):
                self._loop.remove_reader(self.transport.fileno())
        if self._ack_waiter is not None and not self._ack_waiter.done():
            self._ack_waiter.set_result(False)
        self._inbox.put_nowait(error)
