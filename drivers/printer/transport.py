"""How the bytes reach a printer: a serial port, a TCP socket, or a device node (USB, file).

One small async seam, :class:`Transport`: open, write, read with a
deadline, close. Each turns its own failures into the printer errors
(:class:`PrinterUnavailable` when it cannot be reached or was pulled out,
:class:`PrinterNotAnswering` when nothing comes back in time). A USB printer
is the kernel's usblp node (``/dev/usb/lpN``) whose vendor:product ids
match, found in sysfs; that lookup takes its roots as arguments, the one
seam the tests use (there is no USB here).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import stat
import termios
from abc import ABC, abstractmethod
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

import serial

from .errors import PrinterNotAnswering, PrinterUnavailable

T = TypeVar("T")

__all__ = [
    "FileTransport",
    "SerialTransport",
    "TcpTransport",
    "Transport",
    "usb_printer_node",
    "usb_printers",
]

USBMISC = Path("/sys/class/usbmisc")
DEV_USB = Path("/dev/usb")


class Transport(ABC):
    """A byte pipe to the printer. ``can_read``: whether the printer can answer on it."""

    description = "printer"
    can_read = True

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def write(self, data: bytes) -> None: ...

    @abstractmethod
    async def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes, or :class:`PrinterNotAnswering` after ``timeout``."""

    @abstractmethod
    async def close(self) -> None: ...


class SerialTransport(Transport):
    """pyserial, its blocking calls in a worker thread (a write may wait for the printer)."""

    def __init__(self, path: str, baud: int, timeout: float) -> None:
        super().__init__(timeout)
        self.path, self.baud = path, baud
        self.description = f"serial {path}"
        self._port: serial.Serial | None = None

    async def open(self) -> None:
        try:
            self._port = await asyncio.to_thread(
                serial.Serial, self.path, self.baud, timeout=self.timeout,
                write_timeout=self.timeout * 5, exclusive=True,
            )  # fmt: skip
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PrinterUnavailable(f"{self.path}: {exc}") from None

    def _ready(self) -> serial.Serial:
        if self._port is None:
            raise PrinterUnavailable(f"{self.path} is not open")
        return self._port

    async def write(self, data: bytes) -> None:
        port = self._ready()
        try:
            await asyncio.to_thread(lambda: (port.write(data), port.flush()))
        except serial.SerialTimeoutException:
            raise PrinterNotAnswering(f"{self.path}: the printer takes no more data") from None
        except (serial.SerialException, OSError, termios.error) as exc:
            raise PrinterUnavailable(f"{self.path}: {exc}") from None

    async def read(self, size: int) -> bytes:
        port = self._ready()
        try:
            data = await asyncio.to_thread(port.read, size)
        except (serial.SerialException, OSError, termios.error) as exc:
            raise PrinterUnavailable(f"{self.path}: {exc}") from None
        if len(data) < size:
            raise PrinterNotAnswering(f"{self.path}: {len(data)} of {size} bytes in time")
        return bytes(data)

    async def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError, termios.error):
                await asyncio.to_thread(port.close)


class TcpTransport(Transport):
    """A network printer's raw port (9100): asyncio streams, each wait bounded by ``timeout``."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        super().__init__(timeout)
        self.host, self.port = host, port
        self.description = f"tcp {host}:{port}"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        connect = asyncio.open_connection(self.host, self.port)
        self._reader, self._writer = await self._within(connect, 1, "no connection in time")

    async def write(self, data: bytes) -> None:
        if self._writer is None:
            raise PrinterUnavailable(f"{self.host}:{self.port} is not connected")
        writer = self._writer

        async def send() -> None:
            writer.write(data)
            await writer.drain()

        await self._within(send(), 5, "takes no more data")

    async def read(self, size: int) -> bytes:
        if self._reader is None:
            raise PrinterUnavailable(f"{self.host}:{self.port} is not connected")
        return await self._within(self._reader.readexactly(size), 1, "no answer in time")

    async def _within(self, step: Awaitable[T], timeouts: int, too_slow: str) -> T:
        """``step`` within ``timeouts`` x ``timeout``; the printer's errors for what goes wrong."""
        where = f"{self.host}:{self.port}"
        try:
            return await asyncio.wait_for(step, self.timeout * timeouts)
        except TimeoutError:
            raise PrinterNotAnswering(f"{where}: {too_slow}") from None
        except asyncio.IncompleteReadError as exc:
            raise PrinterUnavailable(f"{where}: connection lost ({exc})") from None
        except OSError as exc:
            raise PrinterUnavailable(f"{where}: {exc.strerror or exc}") from None

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), self.timeout)


class FileTransport(Transport):
    """A device node (``/dev/usb/lp0``, a tty) or a plain file; only a device can answer."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__(timeout)
        self.path = path
        self.description = f"file {path}"
        self._fd: int | None = None

    async def open(self) -> None:
        try:
            is_device = stat.S_ISCHR(os.stat(self.path).st_mode)
        except FileNotFoundError:
            is_device = False
            if not Path(self.path).parent.is_dir():
                raise PrinterUnavailable(f"{self.path}: no such folder") from None
        except OSError as exc:
            raise PrinterUnavailable(f"{self.path}: {exc.strerror}") from None
        self.can_read = is_device
        flags = os.O_RDWR | os.O_NOCTTY if is_device else os.O_WRONLY | os.O_CREAT | os.O_APPEND
        try:
            self._fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            raise PrinterUnavailable(f"{self.path}: {exc.strerror}") from None

    def _ready(self) -> int:
        if self._fd is None:
            raise PrinterUnavailable(f"{self.path} is not open")
        return self._fd

    async def write(self, data: bytes) -> None:
        fd = self._ready()

        def write_all() -> None:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]

        try:
            await asyncio.wait_for(asyncio.to_thread(write_all), self.timeout * 5)
        except TimeoutError:
            raise PrinterNotAnswering(f"{self.path}: takes no more data") from None
        except OSError as exc:
            raise PrinterUnavailable(f"{self.path}: {exc.strerror}") from None

    async def read(self, size: int) -> bytes:
        fd = self._ready()
        if not self.can_read:
            raise PrinterNotAnswering(f"{self.path} is a file: it cannot answer")

        def read_some() -> bytes:
            out = b""
            while len(out) < size:
                ready, _, _ = select.select([fd], [], [], self.timeout)
                if not ready:
                    break
                chunk = os.read(fd, size - len(out))
                if not chunk:
                    break
                out += chunk
            return out

        try:
            data = await asyncio.to_thread(read_some)
        except OSError as exc:
            raise PrinterUnavailable(f"{self.path}: {exc.strerror}") from None
        if len(data) < size:
            raise PrinterNotAnswering(f"{self.path}: {len(data)} of {size} bytes in time")
        return data

    async def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


def usb_printers(usbmisc: Path | None = None, dev: Path | None = None) -> list[tuple[str, Path]]:
    """Every usblp printer there is: (``vvvv:pppp``, its device node)."""
    usbmisc, dev = usbmisc or USBMISC, dev or DEV_USB
    found = []
    with contextlib.suppress(OSError):
        for entry in sorted(usbmisc.glob("lp*")):
            device = (entry / "device").resolve().parent
            try:
                ids = [(device / name).read_text().strip().lower()
                       for name in ("idVendor", "idProduct")]  # fmt: skip
            except OSError:
                continue
            found.append((":".join(ids), dev / entry.name))
    return found


def usb_printer_node(
    vendor: int, product: int, *, usbmisc: Path | None = None, dev: Path | None = None
) -> str:
    """The usblp node of printer ``vendor:product``; PrinterUnavailable if none is plugged in."""
    wanted = f"{vendor:04x}:{product:04x}"
    for ids, node in usb_printers(usbmisc, dev):
        if ids == wanted:
            return str(node)
    raise PrinterUnavailable(f"no USB printer {wanted} is plugged in (usblp)")
