"""``scanpay-scanner-test``: the field tech's scanner test tool. Plain lines, easy to script.

    scanpay-scanner-test list [--watch]          devices, each with the URL that opens it
    scanpay-scanner-test watch URL               every scan byte by byte, with its framing
    scanpay-scanner-test codes [--png DIR]       the test codes, drawn here and/or saved
    scanpay-scanner-test check URL               show each code, check what the scanner reads

``check`` ends with a PASS/FAIL line per check and exits 0 when all pass,
1 when some fail, 2 for a usage or device error (bad URL, scanner not ready).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import os
import sys
import termios
import time
import tty
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from ..hid.devices import InputSource
from ..hid.scanner import HidScanner
from ..hotplug import SERIAL_BY_ID, DeviceInfo, Transport, list_devices, watch_devices
from ..scanner import Scanner, ScannerError, ScannerState
from ..serial_scanner import SerialScanner
from ..urls import describe_schemes, open_scanner
from ..wedge import WedgeScanner
from .codes import Check, checks_named
from .pictures import terminal_picture, write_png
from .probe import ByteMonitor
from .session import CheckResult, exit_code, report_lines, run_checks

__all__ = ["device_lines", "main", "watch"]

USAGE_OR_DEVICE_ERROR = 2


class DeviceNotReady(ScannerError):
    """The scanner did not become ready in time; the message is its status."""


def _say(out: TextIO, *lines: str) -> None:
    for line in lines:
        print(line, file=out, flush=True)


# -- list ----------------------------------------------------------------------


def _device_line(device: DeviceInfo) -> str:
    ids = f" ({device.ids})" if device.ids else ""
    if device.transport is Transport.SERIAL:
        what = "serial port: a scanner, or a serial PIN pad (the same URL as a PIN pad)"
    else:
        what = device.kind or "input device"
        if any(word in device.name.lower() for word in ("keypad", "numpad", "numeric")):
            what += "; a numeric keypad can be a PIN pad (the same URL as a PIN pad)"
    return f"{device.url}  {device.name}{ids}  [{what}]"


def device_lines(
    *,
    serial_by_id: Path = SERIAL_BY_ID,
    input_source: InputSource | None = None,
    video_nodes: str = "/dev/video*",
) -> list[str]:
    """One line per device a URL can open: serial ports, HID devices, cameras."""
    try:
        devices = list_devices(serial_by_id=serial_by_id, input_source=input_source)
        lines = [_device_line(device) for device in devices]
    except (OSError, ScannerError) as exc:
        lines = [f"cannot list devices: {exc}"]
    for node in sorted(glob.glob(video_nodes)):
        index = node.removeprefix(video_nodes.rstrip("*"))
        if index.isdigit():
            lines.append(f"camera:{index}  {node}  [camera; some show two nodes: try both]")
    return lines or ["no serial ports, input devices or cameras found"]


async def _watch_devices(out: TextIO) -> None:
    async for event in watch_devices():
        _say(out, ("+ " if event.action == "added" else "- ") + _device_line(event.device))


# -- opening a scanner -----------------------------------------------------------


async def _open_ready(url: str, connect_timeout: float, out: TextIO) -> Scanner:
    """The scanner of ``url``, open and ready; its state changes are printed from then on."""
    scanner = open_scanner(url)
    await scanner.open()
    try:
        async with asyncio.timeout(connect_timeout):
            await scanner.wait_ready()
    except TimeoutError:
        status = scanner.status
        await scanner.close()
        raise DeviceNotReady(f"{url}: not ready after {connect_timeout:g} s: {status}") from None

    def show_state(state: ScannerState, detail: str) -> None:
        if state is not ScannerState.CLOSED:
            _say(out, f"  [{scanner.status}]")

    scanner.add_state_listener(show_state)
    return scanner


@contextlib.contextmanager
def _terminal_keys(wedge: WedgeScanner, monitor: ByteMonitor) -> Iterator[None]:
    """Feed the keys typed into this terminal to the wedge (the scanner types here)."""
    fd = sys.stdin.fileno()
    if not os.isatty(fd):
        raise DeviceNotReady("wedge: the scanner types into this terminal, but stdin is not one")
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    loop = asyncio.get_running_loop()

    def on_keys() -> None:
        now = time.monotonic()
        for char in os.read(fd, 1024).decode(errors="ignore"):
            character = "\r" if char == "\n" else char
            key = {"\r": "enter", "\t": "tab"}.get(character, character)
            monitor.key_typed(now)
            wedge.feed(key, character, now)

    loop.add_reader(fd, on_keys)
    try:
        yield
    finally:
        loop.remove_reader(fd)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _monitor(scanner: Scanner) -> ByteMonitor:
    """A byte monitor hooked to whatever the driver can tell of the bytes or keys."""
    monitor = ByteMonitor()
    if isinstance(scanner, SerialScanner):
        scanner.on_bytes = monitor.bytes_received
    elif isinstance(scanner, HidScanner):
        scanner.on_code = monitor.code_typed
    return monitor


# -- watch -----------------------------------------------------------------------


async def watch(
    scanner: Scanner,
    out: TextIO,
    *,
    monitor: ByteMonitor | None = None,
    count: int | None = None,
    seconds: float | None = None,
    quiet: float = 1.5,
) -> None:
    """Print every scan byte by byte until ``count`` scans or ``seconds`` (or Ctrl+C).

    Bytes no code was cut from are shown once the line has been ``quiet`` that long.
    """
    monitor = monitor or _monitor(scanner)
    _say(out, f"ready: {scanner.status}. Scan codes now (Ctrl+C stops).")
    deadline = None if seconds is None else time.monotonic() + seconds
    while count is None or monitor.count < count:
        wait = 0.25 if deadline is None else min(0.25, deadline - time.monotonic())
        if wait <= 0:
            break
        try:
            scan = await asyncio.wait_for(scanner.read(), wait)
        except TimeoutError:
            _say(out, *monitor.stale_lines(time.monotonic(), quiet))
            continue
        except StopAsyncIteration:
            _say(out, f"the scanner closed: {scanner.status}")
            break
        _say(out, *monitor.scan_lines(scan))


async def _watch_url(url: str, args: argparse.Namespace, out: TextIO) -> None:
    scanner = await _open_ready(url, args.connect_timeout, out)
    try:
        monitor = _monitor(scanner)
        with contextlib.ExitStack() as stack:
            if isinstance(scanner, WedgeScanner):
                stack.enter_context(_terminal_keys(scanner, monitor))
            await watch(scanner, out, monitor=monitor, count=args.count, seconds=args.seconds)
    finally:
        await scanner.close()


# -- codes and check ---------------------------------------------------------------


def _show(check: Check, out: TextIO, *, picture: bool, invert: bool) -> None:
    _say(out, f"  code  : {check.text}", f"  expect: {check.expectation}")
    if picture:
        out.write(terminal_picture(check, invert=invert))
        out.flush()


def _save_pngs(checks: list[Check], folder: Path | None, out: TextIO) -> None:
    if folder is None:
        return
    for check in checks:
        _say(out, f"saved {write_png(check, folder)}")


def _codes(args: argparse.Namespace, out: TextIO) -> int:
    checks = checks_named(args.only, args.symbology or "")
    for check in checks:
        _say(out, f"{check.name}: {check.label}")
        _show(check, out, picture=not args.no_show, invert=args.invert)
    _save_pngs(checks, args.png, out)
    return 0


async def _check_url(
    url: str, checks: list[Check], args: argparse.Namespace, out: TextIO, results: list[CheckResult]
) -> None:
    scanner = await _open_ready(url, args.connect_timeout, out)
    skip = asyncio.Event()
    loop = asyncio.get_running_loop()
    tech_at_keyboard = sys.stdin.isatty() and not isinstance(scanner, WedgeScanner)
    if tech_at_keyboard:

        def on_enter() -> None:
            sys.stdin.readline()
            skip.set()

        loop.add_reader(sys.stdin.fileno(), on_enter)
    how_long = f"{args.timeout:g} s" + ("; Enter skips" if tech_at_keyboard else "")

    def prompt(i: int, n: int, check: Check) -> None:
        _say(out, "", f"[{i}/{n}] {check.name}: {check.label}")
        _show(check, out, picture=not args.no_show, invert=args.invert)
        _say(out, f"  scan it now ({how_long})")

    try:
        _say(out, f"{scanner.status}: {len(checks)} checks")
        monitor = _monitor(scanner)
        with contextlib.ExitStack() as stack:
            if isinstance(scanner, WedgeScanner):
                stack.enter_context(_terminal_keys(scanner, monitor))
            results += await run_checks(
                scanner,
                checks,
                per_check=args.timeout,
                prompt=prompt,
                note=lambda line: _say(out, line),
                skip=skip,
            )
    finally:
        if tech_at_keyboard:
            loop.remove_reader(sys.stdin.fileno())
        await scanner.close()


def _check(args: argparse.Namespace, out: TextIO) -> int:
    checks = checks_named(args.only, args.symbology or "")
    _save_pngs(checks, args.png, out)
    results: list[CheckResult] = []
    try:
        asyncio.run(_check_url(args.url, checks, args, out, results))
    except KeyboardInterrupt:
        _say(out, "", "interrupted")
    _say(out, "", *report_lines(args.url, results))
    if len(results) < len(checks):
        _say(out, f"({len(checks) - len(results)} checks not run)")
        return 1
    return exit_code(results)


# -- the command line ------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scanpay-scanner-test",
        description="Test a scanner in the field: list devices, watch scans byte by byte, "
        "show test codes, and check a scanner against them with a PASS/FAIL report.",
        epilog="Exit codes: 0 all checks passed (or the command did its job), 1 some check "
        "failed, 2 usage or device error.\n\n" + describe_schemes(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    listing = sub.add_parser("list", help="serial ports, HID devices and cameras, with their URLs")
    listing.add_argument(
        "--watch", action="store_true", help="then follow devices coming and going"
    )

    def connect(p: argparse.ArgumentParser) -> None:
        p.add_argument("url", metavar="URL", help="device URL, e.g. serial:///dev/ttyACM0")
        p.add_argument(
            "--connect-timeout",
            type=float,
            default=10.0,
            metavar="S",
            help="seconds to wait for the scanner to be ready (default 10)",
        )

    def pick(p: argparse.ArgumentParser) -> None:
        p.add_argument("--only", default="", metavar="NAMES", help="e.g. points,wechat-qr")
        p.add_argument("--symbology", choices=["qr", "code128", "ean13"], help="only these codes")
        p.add_argument(
            "--png", type=Path, metavar="DIR", help="also save each code as DIR/NAME.png"
        )
        p.add_argument("--invert", action="store_true", help="light codes for a dark terminal")
        p.add_argument("--no-show", action="store_true", help="print the codes' text, no pictures")

    watching = sub.add_parser("watch", help="show each scan byte by byte, with its framing")
    connect(watching)
    watching.add_argument("--count", type=int, metavar="N", help="stop after N scans")
    watching.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds")
    codes = sub.add_parser("codes", help="draw the test codes here; --png saves them")
    pick(codes)
    check = sub.add_parser("check", help="show each test code and check what the scanner reads")
    connect(check)
    pick(check)
    check.add_argument(
        "--timeout", type=float, default=20.0, metavar="S", help="seconds per check (default 20)"
    )
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            _say(out, *device_lines())
            if args.watch:
                asyncio.run(_watch_devices(out))
            return 0
        if args.command == "watch":
            asyncio.run(_watch_url(args.url, args, out))
            return 0
        if args.command == "codes":
            return _codes(args, out)
        return _check(args, out)
    except KeyboardInterrupt:
        return 0
    except (ValueError, ScannerError, OSError) as exc:  # a DeviceUrlError is both
        print(f"scanpay-scanner-test: {exc}", file=sys.stderr)
        return USAGE_OR_DEVICE_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
