"""The byte-by-byte view: what the scanner sent, its timing and framing, over real drivers."""

import asyncio
import io
import os
import re
import subprocess
import sys
import time

import pytest

from drivers.emulators.serial_scanner import SerialScannerEmulator
from drivers.hid import HidScanner, InputDeviceInfo, KeyboardTypist, MemoryInputSource
from drivers.hid.keymaps import LAYOUTS
from drivers.scanner import Scan
from drivers.scantest import ByteMonitor, find_framing
from drivers.scantest.cli import watch
from drivers.urls import open_scanner

CODE = "812046173859264730"  # ours, points (the check digit is right)


@pytest.fixture
def gun(tmp_path):
    with SerialScannerEmulator(tmp_path / "scanner") as emulator:
        yield emulator


async def watched(scanner, act, **options):
    out = io.StringIO()
    await asyncio.wait_for(scanner.wait_ready(), 2)
    task = asyncio.create_task(watch(scanner, out, **options))
    await asyncio.sleep(0.05)
    await asyncio.to_thread(act)  # the gun writes (and pauses) in its own thread
    await asyncio.wait_for(task, 10)
    return out.getvalue()


async def test_serial_bytes_in_hex_and_text_with_timing_and_the_framing_found(gun):
    gun.prefix, gun.suffix = b"\x02", b"\r\n"

    def scan_two():
        gun.scan(CODE, aim="]Q1", chunks=3, pause=0.08)
        gun.scan("6901234567892", aim="]E0")

    url = f"serial://{gun.path}?prefix=hex:02&suffix=crlf"
    async with open_scanner(url) as scanner:
        out = await watched(scanner, scan_two, count=2, seconds=5)
    first, second = out.split("scan 2: ")
    assert f"scan 1: {CODE}  (18 characters from {gun.path})" in first
    assert "  symbology : qr (AIM identifier ]Q1)" in first
    assert "  terminal  : our payment code, points" in first
    # three writes 80 ms apart: read apart, unless this machine stalled the reader that long
    assert re.search(r"  bytes     : 24 in [23] reads over \d+\.\d ms; between them min ", first)
    assert "    0000  02 5d 51 31 38 31 32 30 34 36 31 37 33 38 35 39  |.]Q1812046173859|" in first
    assert "    0010  32 36 34 37 33 30 0d 0a" in first
    assert (
        "  framing   : prefix 02 (hex:02), suffix CRLF  (URL: ?suffix=crlf&prefix=hex:02)" in first
    )
    assert "  symbology : ean-upc (AIM identifier ]E0)" in second
    assert "  terminal  : not a payment code" in second and "  bytes     : 19 in 1 read" in second


async def test_bytes_the_url_cannot_frame_are_shown_with_a_guess(gun):
    gun.suffix = b"\t"
    async with open_scanner(f"serial://{gun.path}?timeout=200") as scanner:
        out = await watched(scanner, lambda: gun.scan(CODE), seconds=1.0, quiet=0.4)
    assert "scan 1" not in out
    assert "bytes with no code cut from them: 19 in 1 read" in out
    assert "0010  33 30 09" in out
    assert "  they end with Tab: if every code ends so, use suffix=tab in the URL" in out


def test_two_codes_in_one_read_are_told_apart():
    monitor = ByteMonitor()
    monitor.bytes_received(b"\x00\xff]Q1ABC123\r", 1.0)
    monitor.bytes_received(b"\n]C0XYZ789\r\n", 1.004)
    first = monitor.scan_lines(Scan("ABC123", "port", raw=b"]Q1ABC123\r\n", aim="]Q1"))
    second = monitor.scan_lines(Scan("XYZ789", "port", raw=b"]C0XYZ789\r\n", aim="]C0"))
    assert "  bytes     : 11 in 2 reads over 4.0 ms; between them min 4.0" in "\n".join(first)
    assert "  noise     : 00 ff before the code (dropped)" in first
    assert "  framing   : prefix none, suffix CRLF  (URL: ?suffix=crlf)" in first
    assert "  bytes     : 11 in 1 read" in second
    texts = find_framing(b"SP:]Q1ABC<EOT>", b"]Q1ABC")
    assert texts is not None and texts.url_options() == "suffix=<EOT>&prefix=SP:"
    etx = find_framing(b"ABC\x03", b"ABC")
    assert etx is not None and etx.describe().endswith("other: hex:03  (URL: ?suffix=hex:03)")


async def test_hid_key_timing_from_the_driver():
    info = InputDeviceInfo(node="/dev/input/event5", name="Barcode Scanner", vendor=0x0C2E)
    source = MemoryInputSource([info])
    events = KeyboardTypist(LAYOUTS["us"]).type(CODE, start=time.monotonic(), gap=0.004)
    loop = asyncio.get_running_loop()
    async with HidScanner(info.node, source=source) as scanner:
        send = lambda: loop.call_soon_threadsafe(source.send, info.node, events)  # noqa: E731
        out = await watched(scanner, send, count=1, seconds=5)
    assert f"scan 1: {CODE}" in out
    assert "  keys      : 18 keys over 68.0 ms; between them min 4.0 ms / median 4.0 ms" in out
    assert "  framing   : ended by enter" in out


def test_a_wedge_scanner_typing_into_the_terminal():
    """``watch wedge:`` reads this terminal's keys: a scanner's burst is a scan, with key timing."""
    script = os.path.join(os.path.dirname(sys.executable), "scanpay-scanner-test")
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(
            [script, "watch", "wedge:", "--count", "1", "--seconds", "10"],
            stdin=slave,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("ready: scanner ready")
        os.write(master, (CODE + "\r").encode())
        out, _ = proc.communicate(timeout=15)
    finally:
        os.close(master)
        os.close(slave)
    assert proc.returncode == 0
    assert f"scan 1: {CODE}  (18 characters from wedge)" in out
    assert "  keys      : 19 keys" in out


def test_list_shows_each_device_with_its_url_and_verdict(tmp_path, gun, capsys):
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    (by_id / "usb-Honeywell_1900_SN1-if00").symlink_to(gun.node)
    scanner = InputDeviceInfo(node="/dev/input/event5", name="Barcode Scanner", vendor=0x0C2E)
    keypad = InputDeviceInfo(node="/dev/input/event7", name="USB Numeric Keypad", vendor=0x1234)
    for name in ("video0", "video1", "video-meta"):
        (tmp_path / name).touch()
    from drivers.scantest.cli import device_lines

    lines = device_lines(
        serial_by_id=by_id,
        input_source=MemoryInputSource([scanner, keypad]),
        video_nodes=str(tmp_path / "video*"),
    )
    assert lines[0] == (
        f"serial://{by_id}/usb-Honeywell_1900_SN1-if00  Honeywell 1900 SN1  "
        "[serial port: a scanner, or a serial PIN pad (the same URL as a PIN pad)]"
    )
    assert lines[1].startswith("hid:///dev/input/event5  Barcode Scanner (0c2e:0000)  [scanner: ")
    assert lines[2].startswith("hid:///dev/input/event7  USB Numeric Keypad (1234:0000)  [")
    assert lines[2].endswith("; a numeric keypad can be a PIN pad (the same URL as a PIN pad)]")
    assert lines[3:] == [
        f"camera:0  {tmp_path}/video0  [camera; some show two nodes: try both]",
        f"camera:1  {tmp_path}/video1  [camera; some show two nodes: try both]",
    ]


async def test_the_test_tool_says_which_layout_a_scanner_types_and_about_numlock_taps(tmp_path):
    """An AZERTY keypad scanner on ``hid:?layout=auto``: the field tech is told both."""
    info = InputDeviceInfo(node="/dev/input/event5", name="Barcode Scanner", vendor=0x0C2E)
    source = MemoryInputSource([info])
    azerty = KeyboardTypist(LAYOUTS["fr"]).type(CODE, start=time.monotonic(), gap=0.004)
    numlock = [(1, 69, 1, time.monotonic()), (1, 69, 0, time.monotonic())]
    keypad = KeyboardTypist(LAYOUTS["fr"], keypad_digits=True).type(
        CODE, start=time.monotonic() + 0.2, gap=0.004
    )
    loop = asyncio.get_running_loop()
    marks = tmp_path / "marks.toml"
    async with HidScanner(info.node, source=source, layout="auto", overrides=marks) as scanner:
        send = lambda: loop.call_soon_threadsafe(  # noqa: E731
            source.send, info.node, azerty + numlock + keypad
        )
        out = await watched(scanner, send, count=2, seconds=5)
    assert out.count(f"scan 1: {CODE}") == 1 and f"scan 2: {CODE}" in out
    assert "  note      : this scanner types AZERTY; set layout=fr or leave auto" in out
    assert "  note      : keypad emulation with NumLock taps (1 so far)" in out
