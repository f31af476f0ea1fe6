"""scanpay-printer-emulator: an ESC/POS receipt printer on a pseudo-terminal or a TCP port.

It reads what a till sends (:class:`~drivers.printer.parser.EscPosParser`:
text in GB18030, barcodes, QR codes, images, cut, drawer pulses), shows each
receipt as text when it is cut, and answers the real-time status requests
(DLE EOT) as a printer does, with the faults a test or a demo asks for:
paper out (at once, or after N more lines: mid-receipt), cover open, a
printer that never answers, or one that answers garbage. Tests use the
class in-process and set its faults at any moment::

    with PrinterEmulator.tcp() as printer:          # or PrinterEmulator.pty(link=...)
        url = printer.url                           # tcp://127.0.0.1:PORT
        printer.paper_left = 3                      # runs out three lines into the next receipt
        printer.wait_for(lambda: printer.receipts)

From a shell: ``scanpay-printer-emulator --link /tmp/printer`` (a pty) or ``--tcp 9100``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import socket
import sys
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self, TextIO

from PIL import Image

from .parser import EscPosParser, Event
from .render import barcode_text, qr_text
from .status import status_byte

__all__ = ["PrintedReceipt", "PrinterEmulator", "main"]


@dataclass
class PrintedReceipt:
    """What came out of the printer between two cuts; ``complete`` is False if paper ran out."""

    lines: list[str] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    images: list[Image.Image] = field(default_factory=list)
    complete: bool = True
    cut: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def empty(self) -> bool:
        return not (self.lines or self.barcodes or self.qr_codes or self.images)


class PrinterEmulator:
    """One emulated printer, on a pty (:meth:`pty`) or a TCP port (:meth:`tcp`)."""

    def __init__(self, *, out: TextIO | None = None, drawer_close_s: float = 2.0) -> None:
        self.out = out
        self.drawer_close_s = drawer_close_s
        # faults, set at any moment
        self.paper_out = False
        self.cover_open = False
        self.silent = False  # never answers a status request
        self.garbage = False  # answers them with nonsense
        self.paper_left: int | None = None  # lines until the roll ends (None: plenty)
        # what happened
        self.receipts: list[PrintedReceipt] = []
        self.drawer_pulses = 0
        self.status_requests = 0
        self._drawer_open_until = 0.0
        self._current = PrintedReceipt()
        self._line = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._server: socket.socket | None = None
        self._client: socket.socket | None = None
        self.link: Path | None = None
        self.url = ""

    # -- making one ----------------------------------------------------------------------

    @classmethod
    def pty(cls, link: str | Path | None = None, *, out: TextIO | None = None) -> PrinterEmulator:
        """A printer on a pseudo-terminal; ``link``: a stable path to it (as /dev/serial/by-id)."""
        printer = cls(out=out)
        printer.link = Path(link) if link is not None else None
        printer.plug()
        printer._start()
        return printer

    @classmethod
    def tcp(
        cls, port: int = 0, host: str = "127.0.0.1", *, out: TextIO | None = None
    ) -> PrinterEmulator:
        """A network printer listening on ``host:port`` (0: a free port)."""
        printer = cls(out=out)
        server = socket.create_server((host, port))
        printer._server = server
        printer.url = f"tcp://{host}:{server.getsockname()[1]}"
        printer._start()
        return printer

    def plug(self) -> str:
        """(Again) a fresh pty behind the link: the cable is in."""
        master, slave = os.openpty()
        tty.setraw(slave)
        with self._lock:
            self._master, self._slave = master, slave
        node = os.ttyname(slave)
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".new")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(node)
            tmp.replace(self.link)
        self.url = f"serial://{self.link or node}"
        return self.url

    def unplug(self) -> None:
        """Pull the cable: the till's writes fail and the path no longer opens."""
        if self.link is not None:
            self.link.unlink(missing_ok=True)
        with self._lock:
            fds, self._master, self._slave = (self._master, self._slave), None, None
        for fd in fds:
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def load_paper(self) -> None:
        self.paper_out = False
        self.paper_left = None

    @property
    def drawer_open(self) -> bool:
        return time.monotonic() < self._drawer_open_until

    def complete_receipts(self) -> list[PrintedReceipt]:
        return [r for r in self.receipts if r.complete]

    def wait_for(self, condition: Callable[[], object], within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"the printer never got there; it printed {self.receipts}")
            time.sleep(0.02)

    # -- running ---------------------------------------------------------------------------

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="printer-emulator", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.unplug()
        for sock in (self._client, self._server):
            if sock is not None:
                sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _run(self) -> None:
        parser = EscPosParser()
        while not self._stop.is_set():
            watched: list[int | socket.socket] = []
            with self._lock:
                if self._master is not None:
                    watched.append(self._master)
            if self._server is not None:
                watched.append(self._client or self._server)
            if not watched:
                time.sleep(0.02)
                continue
            try:
                ready, _, _ = select.select(watched, [], [], 0.05)
            except (OSError, ValueError):
                continue  # unplugged meanwhile
            for source in ready:
                if source is self._server:
                    self._client, _ = self._server.accept()
                    parser = EscPosParser()
                    continue
                data = self._receive(source)
                if data is None:
                    parser = EscPosParser()
                    continue
                for event in parser.feed(data):
                    self._handle(event, source)

    def _receive(self, source: int | socket.socket) -> bytes | None:
        try:
            if isinstance(source, socket.socket):
                data = source.recv(65536)
                if not data:
                    source.close()
                    self._client = None
                    return None
                return data
            return os.read(source, 65536)
        except OSError:
            if isinstance(source, socket.socket):
                source.close()
                self._client = None
            return None

    def _answer(self, source: int | socket.socket, data: bytes) -> None:
        with contextlib.suppress(OSError):
            if isinstance(source, socket.socket):
                source.sendall(data)
            else:
                os.write(source, data)

    # -- what the printer does ---------------------------------------------------------------

    def _status(self, n: int) -> bytes:
        if self.garbage:
            return b"\xff"
        out_of_paper = self.paper_out
        bits = 0
        if n == 1:
            bits = (0x04 if self.drawer_open else 0) | (
                0x08 if out_of_paper or self.cover_open else 0
            )
        elif n == 2:
            bits = (0x04 if self.cover_open else 0) | (0x20 if out_of_paper else 0)
        elif n == 4:
            near_end = self.paper_left is not None and self.paper_left <= 5
            bits = (0x60 if out_of_paper else 0) | (0x0C if near_end else 0)
        return bytes([status_byte(bits=bits)])

    def _printing(self) -> bool:
        """Whether ink reaches paper now; a receipt hit by the end of the roll is cut short."""
        if self.paper_out or self.cover_open:
            self._current.complete = False
            return False
        return True

    def _handle(self, event: Event, source: int | socket.socket) -> None:
        kind = event.kind
        if kind == "status":
            self.status_requests += 1
            if not self.silent:
                self._answer(source, self._status(int(event.value)))
        elif kind == "drawer":
            self.drawer_pulses += 1
            self._drawer_open_until = time.monotonic() + self.drawer_close_s
            self._show(f"[drawer pulse, pin {event.value}]")
        elif kind == "cut":
            self._end_line()
            self._finish(cut=True)
        elif kind == "init":
            self._end_line()
        elif not self._printing():
            return
        elif kind == "text":
            self._line += str(event.value)
        elif kind == "newline":
            self._end_line(force=True)
        elif kind == "barcode":
            self._current.barcodes.append(str(event.value))
            self._add_line(barcode_text(str(event.value)))
        elif kind == "qr":
            self._current.qr_codes.append(str(event.value))
            self._add_line(qr_text(str(event.value)))
        elif kind == "image" and event.image is not None:
            self._current.images.append(event.image)
            self._add_line(f"[image {event.value}]")

    def _end_line(self, *, force: bool = False) -> None:
        if self._line or force:
            self._add_line(self._line)
            self._line = ""

    def _add_line(self, line: str) -> None:
        if not self._printing():
            return
        self._current.lines.append(line.rstrip())
        if self.paper_left is not None:
            self.paper_left -= 1
            if self.paper_left <= 0:
                self.paper_out = True

    def _finish(self, *, cut: bool) -> None:
        receipt, self._current = self._current, PrintedReceipt()
        if receipt.empty:
            return
        while receipt.lines and not receipt.lines[-1]:
            receipt.lines.pop()
        receipt.cut = cut
        self.receipts.append(receipt)
        state = "" if receipt.complete else "  (CUT SHORT: paper ran out)"
        self._show(f"──── receipt {len(self.receipts)}{state} ────\n{receipt.text}\n")

    def _show(self, text: str) -> None:
        if self.out is not None:
            print(text, file=self.out, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scanpay-printer-emulator",
        description="An ESC/POS receipt printer on a pseudo-terminal or a TCP port: shows each "
        "receipt as text and answers status requests, with faults on demand.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--link", help="make this path a link to the printer's pty (serial:)")
    where.add_argument("--tcp", type=int, metavar="PORT", help="listen on this TCP port (0: any)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on with --tcp")
    parser.add_argument("--paper-out", action="store_true", help="start with no paper")
    parser.add_argument("--cover-open", action="store_true", help="start with the cover open")
    parser.add_argument("--silent", action="store_true", help="never answer a status request")
    args = parser.parse_args(argv)
    if args.tcp is not None:
        try:
            printer = PrinterEmulator.tcp(args.tcp, args.host, out=sys.stdout)
        except OSError as exc:
            print(f"cannot listen on {args.host}:{args.tcp}: {exc.strerror}", file=sys.stderr)
            return 2
    else:
        printer = PrinterEmulator.pty(args.link, out=sys.stdout)
    printer.paper_out, printer.cover_open = args.paper_out, args.cover_open
    printer.silent = args.silent
    print(f"ESC/POS printer emulator: {printer.url}   (Ctrl+C stops it)", flush=True)
    print("Receipts appear here as the till prints them.\n", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)
    printer.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
