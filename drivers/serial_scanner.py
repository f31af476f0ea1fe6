"""Serial scanner guns (``serial:``): pyserial opens the port, a framer cuts the codes.

The port's file descriptor is watched by the event loop (``add_reader``), so
reading never blocks it and no thread is needed. When the device goes away
(unplugged, USB reset) the port is closed, the unfinished code dropped, and the
driver reopens the same path with a growing pause until it is back. The port is
closed on every path out of the read loop, errors and cancellation included.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import time
from collections.abc import Callable

import serial

from .aim import split_aim
from .framing import SUFFIXES, Frame, ScanFramer, clean_text, parse_bytes_option
from .scanner import Scan, Scanner, ScannerState
from .urls import AIM_OPTION, DeviceUrl, DeviceUrlError, Option, SchemeSpec, register_scheme

__all__ = ["SerialScanner", "describe_open_error"]

log = logging.getLogger(__name__)

RawListener = Callable[[bytes, float], None]


def describe_open_error(path: str, exc: BaseException) -> str:
    """Plain words for why ``path`` could not be opened."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code == errno.ENOENT or "No such file" in text:
        return f"no device at {path} (unplugged?)"
    if code == errno.EACCES or "Permission denied" in text:
        return (
            f"permission denied on {path}: install the ScanPay udev rules "
            "(README, 'Scanners and device URLs') or add this user to the dialout group"
        )
    if code == errno.EBUSY or "exclusively lock" in text:
        return f"{path} is in use by another program"
    return f"cannot open {path}: {text}"


class SerialScanner(Scanner):
    """A scanner on a serial port (RS-232, or USB in CDC-ACM/virtual COM mode)."""

    def __init__(
        self,
        path: str,
        *,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: int = 1,
        framer: ScanFramer | None = None,
        aim: bool = True,
        encoding: str = "utf-8",
        retry_min: float = 0.1,
        retry_max: float = 5.0,
        presence_check: float = 1.0,
    ) -> None:
        super().__init__(path)
        self.path = path
        self.settings = {
            "baudrate": baudrate,
            "bytesize": bytesize,
            "parity": parity,
            "stopbits": stopbits,
        }
        self.framer = framer or ScanFramer()
        self.aim = aim
        self.encoding = encoding
        self.retry_min = retry_min
        self.retry_max = retry_max
        self.presence_check = presence_check
        self.on_bytes: RawListener | None = None
        """Called with every chunk read and its time: the test tool's byte-by-byte view."""
        self.port: serial.Serial | None = None

    async def _run(self) -> None:
        pause = self.retry_min
        while True:
            self._set_state(ScannerState.CONNECTING)
            try:
                port = serial.Serial(self.path, timeout=0, exclusive=True, **self.settings)
            except (OSError, ValueError) as exc:  # SerialException is an OSError
                self._set_state(ScannerState.ERROR, describe_open_error(self.path, exc))
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.retry_max)
                continue
            pause = self.retry_min
            try:
                self.port = port
                self._set_state(ScannerState.READY)
                reason = await self._read_until_gone(port)
            finally:
                self.port = None
                port.close()
                dropped = self.framer.reset()
                if dropped:
                    log.info("%s: dropped an unfinished code (%d bytes)", self.path, len(dropped))
            self._set_state(ScannerState.DISCONNECTED, reason)
            await asyncio.sleep(pause)

    async def _read_until_gone(self, port: serial.Serial) -> str:
        """Feed the framer from the port until the device goes away; returns why."""
        loop = asyncio.get_running_loop()
        fd = port.fileno()
        gone: asyncio.Future[str] = loop.create_future()
        timer: asyncio.TimerHandle | None = None

        def on_idle() -> None:
            nonlocal timer
            timer = None
            self._deliver(self.framer.idle(time.monotonic()))
            schedule_idle()

        def schedule_idle() -> None:
            nonlocal timer
            deadline = self.framer.deadline()
            if timer is not None:
                timer.cancel()
                timer = None
            if deadline is not None:
                timer = loop.call_at(deadline, on_idle)  # loop.time() is time.monotonic()

        def on_readable() -> None:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError as exc:
                if not gone.done():
                    gone.set_result(f"device went away ({os.strerror(exc.errno or 0)})")
                loop.remove_reader(fd)
                return
            if not data:
                if not gone.done():
                    gone.set_result("device went away")
                loop.remove_reader(fd)
                return
            now = time.monotonic()
            if self.on_bytes is not None:
                self.on_bytes(data, now)
            self._deliver(self.framer.data_received(data, now))
            schedule_idle()

        presence: asyncio.TimerHandle | None = None

        def check_present() -> None:
            # Some USB-serial drivers never wake a reader when unplugged: look for the path.
            nonlocal presence
            if not os.path.exists(self.path):
                if not gone.done():
                    gone.set_result("device went away")
                return
            presence = loop.call_later(self.presence_check, check_present)

        presence = loop.call_later(self.presence_check, check_present)
        loop.add_reader(fd, on_readable)
        try:
            return await gone
        finally:
            loop.remove_reader(fd)
            if presence is not None:
                presence.cancel()
            if timer is not None:
                timer.cancel()

    def _deliver(self, frames: list[Frame]) -> None:
        for frame in frames:
            text = clean_text(frame.body, self.encoding)
            aim, text = split_aim(text) if self.aim else (None, text)
            if not text:
                self.framer.dropped += 1
                continue
            self._emit(
                Scan(text=text, device=self.path, raw=frame.raw, aim=aim, timestamp=frame.end)
            )


def _from_url(url: DeviceUrl) -> SerialScanner:
    suffix_name = url.text_option("suffix", "auto")
    suffix = (
        SUFFIXES[suffix_name.lower()]
        if suffix_name.lower() in SUFFIXES
        else parse_bytes_option(suffix_name)
    )
    try:
        prefix = parse_bytes_option(url.text_option("prefix"))
        if suffix == b"":
            raise ValueError("empty suffix")
    except ValueError:
        raise DeviceUrlError(
            f"{url.text!r}: prefix and suffix take text, or hex:0d0a for bytes"
        ) from None
    framer = ScanFramer(
        suffix=suffix,
        prefix=prefix,
        gap=url.int_option("gap", 50, 1, 10_000) / 1000,
        timeout=url.int_option("timeout", 1000, 10, 60_000) / 1000,
    )
    encoding = url.text_option("encoding", "utf-8")
    try:
        "".encode(encoding)
    except LookupError:
        raise DeviceUrlError(f"{url.text!r}: unknown encoding {encoding!r}") from None
    return SerialScanner(
        url.path,
        baudrate=url.int_option("baud", 9600, 50, 4_000_000),
        bytesize=int(url.choice("bytesize", ("5", "6", "7", "8"), "8")),
        parity=url.choice("parity", ("n", "e", "o", "m", "s"), "n").upper(),
        stopbits=int(url.choice("stopbits", ("1", "2"), "1")),
        framer=framer,
        aim=url.bool_option("aim", True),
        encoding=encoding,
    )


register_scheme(
    SchemeSpec(
        scheme="serial",
        summary="scanner gun on a serial port (RS-232 or USB virtual COM)",
        forms=(
            "serial:///dev/ttyACM0?baud=9600&suffix=cr",
            "serial:///dev/serial/by-id/usb-Honeywell_...-if00?suffix=none&gap=30",
        ),
        factory=_from_url,
        path="required",
        options=(
            Option("baud", "bits per second", "9600"),
            Option("bytesize", "data bits", "8", ("5", "6", "7", "8")),
            Option("parity", "parity", "n", ("n", "e", "o", "m", "s")),
            Option("stopbits", "stop bits", "1", ("1", "2")),
            Option(
                "suffix",
                "what ends each code: auto is CR, LF or CRLF; none means a pause; "
                "or the scanner's own text (hex:03 for bytes)",
                "auto",
                ("auto", "cr", "lf", "crlf", "tab", "none", "TEXT", "hex:HH"),
            ),
            Option("prefix", "text the scanner sends before each code, removed (hex:02 ok)"),
            Option("gap", "with suffix=none: milliseconds of silence that end a code", "50"),
            Option("timeout", "milliseconds after which an unfinished code is dropped", "1000"),
            AIM_OPTION,
            Option("encoding", "text encoding of codes", "utf-8"),
        ),
    )
)
