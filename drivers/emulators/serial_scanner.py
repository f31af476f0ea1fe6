"""A serial scanner gun on the far end of a pseudo-terminal.

Tests, benchmarks and field techs use it where no scanner is plugged in: it
opens a pty, points a stable link at it (as ``/dev/serial/by-id`` links point
at real ports), and "scans" codes with the framing, prefix, suffix and AIM
identifier of a real scanner, in one write or split, with noise, and can be
unplugged mid-code and plugged back in (a new pty behind the same link)::

    with SerialScannerEmulator(link=tmp / "scanner", suffix=b"\\r") as gun:
        url = f"serial://{gun.path}"
        gun.scan("811234567890123452", aim="]Q1")
        gun.scan("6901234567892", chunks=3, pause=0.01)
        gun.unplug()

From a shell: ``scanpay-scanner-emulator --link /tmp/scanner`` then type codes.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import tty
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = ["SerialScannerEmulator", "main"]


class SerialScannerEmulator:
    """One emulated scanner. ``path`` is what the driver opens."""

    def __init__(
        self,
        link: str | Path | None = None,
        *,
        suffix: bytes = b"\r",
        prefix: bytes = b"",
        aim: str | None = None,
        encoding: str = "utf-8",
    ) -> None:
        self.link = Path(link) if link is not None else None
        self.suffix = suffix
        self.prefix = prefix
        self.aim = aim
        self.encoding = encoding
        self._master: int | None = None
        self._slave: int | None = None
        self._slave_name = ""
        self.plug()

    @property
    def path(self) -> str:
        """The link when one was asked for (stable across replugs), else the pty itself."""
        return str(self.link) if self.link is not None else self._slave_name

    @property
    def node(self) -> str:
        """The pty device behind :attr:`path` right now (``/dev/pts/N``)."""
        return self._slave_name

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def plug(self) -> str:
        """Connect (again): a fresh pty behind :attr:`path`."""
        if self.plugged:
            return self.path
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no CR/LF translation: bytes pass as a cable passes them
        self._master, self._slave = master, slave
        self._slave_name = os.ttyname(slave)
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".new")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(self._slave_name)
            tmp.replace(self.link)
        return self.path

    def unplug(self) -> None:
        """Pull the cable: the driver's reads fail and :attr:`path` no longer opens."""
        if self.link is not None:
            self.link.unlink(missing_ok=True)
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    def frame(
        self,
        text: str,
        *,
        aim: str | None = None,
        prefix: bytes | None = None,
        suffix: bytes | None = None,
    ) -> bytes:
        """The bytes a scanner sends for ``text`` (the instance's settings unless overridden)."""
        aim = self.aim if aim is None else aim
        return (
            (self.prefix if prefix is None else prefix)
            + ((aim or "") + text).encode(self.encoding)
            + (self.suffix if suffix is None else suffix)
        )

    def scan(
        self,
        text: str,
        *,
        chunks: int = 1,
        pause: float = 0.0,
        aim: str | None = None,
        prefix: bytes | None = None,
        suffix: bytes | None = None,
    ) -> bytes:
        """Send one code, in ``chunks`` writes ``pause`` seconds apart; returns the bytes."""
        data = self.frame(text, aim=aim, prefix=prefix, suffix=suffix)
        self.write(data, chunks=chunks, pause=pause)
        return data

    def scan_partial(self, text: str, keep: float = 0.5) -> bytes:
        """Send only the first part of a code, as when the cable is pulled mid-code."""
        data = self.frame(text)
        part = data[: max(1, int(len(data) * keep))]
        self.write(part)
        return part

    def garbage(self, size: int = 8, *, seed: int | None = None) -> bytes:
        """Send line noise: NUL, 0xFF, stray control and high bytes, no suffix."""
        rng = random.Random(seed)  # noqa: S311 (noise, not secrets)
        pool = [0x00, 0xFF, 0xFE, 0x80, 0x1B, 0x07, 0x7F, 0x9B]
        data = bytes(rng.choice(pool) for _ in range(size))
        self.write(data)
        return data

    def write(self, data: bytes, *, chunks: int = 1, pause: float = 0.0) -> None:
        """Send raw bytes, split into ``chunks`` writes ``pause`` seconds apart."""
        if self._master is None:
            raise OSError("the emulated scanner is unplugged")
        chunks = max(1, min(chunks, len(data)))
        step = -(-len(data) // chunks)
        for i in range(0, len(data), step):
            if i and pause:
                time.sleep(pause)
            view = memoryview(data)[i : i + step]
            while view:
                view = view[os.write(self._master, view) :]

    def close(self) -> None:
        self.unplug()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def main(argv: list[str] | None = None) -> int:
    """Console script: an emulated scanner that scans each line typed on stdin."""
    parser = argparse.ArgumentParser(
        prog="scanpay-scanner-emulator",
        description="Emulate a serial scanner gun on a pseudo-terminal. "
        "Each line read from stdin is scanned; an empty line or end of input stops.",
    )
    parser.add_argument("--link", help="stable path to create for the port, e.g. /tmp/scanner")
    parser.add_argument(
        "--suffix", default="cr", choices=["cr", "lf", "crlf", "tab", "none"], help="end of code"
    )
    parser.add_argument("--prefix", default="", help="text to send before each code")
    parser.add_argument("--aim", default=None, help="AIM identifier to send, e.g. ]Q1")
    parser.add_argument("--code", action="append", default=[], help="scan this code at start")
    args = parser.parse_args(argv)
    suffix = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "tab": b"\t", "none": b""}[args.suffix]
    with SerialScannerEmulator(
        args.link, suffix=suffix, prefix=args.prefix.encode(), aim=args.aim
    ) as gun:
        url_suffix = "none" if args.suffix == "none" else args.suffix
        print(f"scanner on serial://{gun.path}?suffix={url_suffix}", flush=True)
        for code in args.code:
            gun.scan(code)
        for line in sys.stdin:
            text = line.rstrip("\r\n")
            if not text:
                break
            gun.scan(text)
            print(f"scanned {len(text)} characters", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
