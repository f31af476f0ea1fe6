"""Serial scanners end to end: pyserial on a real pseudo-terminal, the emulator on the far end."""

import asyncio
import os

import pytest

from drivers.aim import Symbology
from drivers.emulators.serial_scanner import SerialScannerEmulator, main
from drivers.framing import ScanFramer
from drivers.scanner import ScannerState
from drivers.serial_scanner import SerialScanner, describe_open_error
from drivers.urls import DeviceUrlError, open_scanner
from protocol.paycode import generate


@pytest.fixture
def gun(tmp_path):
    with SerialScannerEmulator(tmp_path / "scanner") as emulator:
        yield emulator


async def next_scan(scanner):
    return await asyncio.wait_for(scanner.read(), 2)


def open_fds_to(path):
    """How many of our file descriptors point at ``path`` (to prove ports are closed)."""
    target = os.path.realpath(path)
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == target:
                count += 1
        except OSError:
            pass
    return count


@pytest.mark.parametrize(
    ("query", "suffix", "prefix"),
    [
        ("suffix=cr", b"\r", b""),
        ("suffix=lf", b"\n", b""),
        ("suffix=crlf", b"\r\n", b""),
        ("", b"\r\n", b""),  # auto
        ("", b"\n", b""),
        ("suffix=tab", b"\t", b""),
        ("suffix=%3CEOT%3E", b"<EOT>", b""),
        ("suffix=none&gap=30", b"", b""),
        ("suffix=cr&prefix=hex:02", b"\r", b"\x02"),
        ("suffix=crlf&prefix=SP%3A", b"\r\n", b"SP:"),
    ],
)
async def test_every_framing_over_a_pty(gun, query, suffix, prefix):
    gun.suffix, gun.prefix = suffix, prefix
    code = generate()
    async with open_scanner(f"serial://{gun.path}?{query}") as scanner:
        await asyncio.wait_for(scanner.wait_ready(), 2)
        sent = gun.scan(code, aim="]Q1")
        scan = await next_scan(scanner)
        assert scan.text == code and scan.aim == "]Q1" and scan.symbology is Symbology.QR
        assert scan.raw == sent and scan.device == gun.path
        sent = gun.scan("6901234567892", aim="")
        scan = await next_scan(scanner)
        assert (scan.text, scan.aim, scan.raw) == ("6901234567892", None, sent)


async def test_aim_off_keeps_the_identifier_as_text(gun):
    async with open_scanner(f"serial://{gun.path}?aim=off") as scanner:
        await asyncio.wait_for(scanner.wait_ready(), 2)
        gun.scan("]Q1ABC")
        scan = await next_scan(scanner)
        assert scan.text == "]Q1ABC" and scan.aim is None


async def test_split_writes_make_one_code(gun):
    code = generate()
    async with open_scanner(f"serial://{gun.path}?suffix=cr") as scanner:
        await asyncio.wait_for(scanner.wait_ready(), 2)
        await asyncio.to_thread(gun.scan, code, chunks=7, pause=0.01)
        await asyncio.to_thread(gun.scan, code, chunks=19, pause=0.002)
        assert [(await next_scan(scanner)).text for _ in range(2)] == [code, code]


async def test_garbage_bytes_never_reach_a_code(gun):
    code = generate()
    framer = ScanFramer(suffix=b"\r", timeout=0.1)
    async with SerialScanner(gun.path, framer=framer) as scanner:
        await asyncio.wait_for(scanner.wait_ready(), 2)
        gun.garbage(16, seed=1)  # noise at plug-in, no suffix: dropped after the timeout
        await asyncio.sleep(0.2)
        gun.scan(code)
        gun.write(b"\x00\xff\x00")  # noise right before a code: cleaned out of it
        gun.scan(code)
        gun.write(b"\xff\xfe\r")  # noise that ends in a suffix: an empty code, dropped
        gun.scan("END")
        got = [(await next_scan(scanner)).text for _ in range(3)]
        assert got == [code, code, "END"]
        assert framer.dropped >= 2


async def test_unplug_mid_code_drops_it_and_reconnects(gun):
    code = generate()
    states = []
    scanner = SerialScanner(gun.path, retry_min=0.02, retry_max=0.05)
    scanner.add_state_listener(lambda state, detail: states.append(state))
    async with scanner:
        await asyncio.wait_for(scanner.wait_ready(), 2)
        slave = gun.node
        assert open_fds_to(slave) == 2  # the emulator's end and the driver's
        gun.scan_partial("811111111111111111")
        await asyncio.sleep(0.05)
        gun.unplug()
        await asyncio.wait_for(scanner.wait_for_state(ScannerState.ERROR), 2)
        assert "no device at" in scanner.detail and "unplugged" in scanner.detail
        assert open_fds_to(slave) == 0  # the port was closed when the device went away
        await asyncio.sleep(0.1)  # a few retries with backoff
        gun.plug()
        await asyncio.wait_for(scanner.wait_ready(), 2)
        gun.scan(code)
        scan = await next_scan(scanner)
        assert scan.text == code  # the partial code was not merged into this one
        assert scanner.framer.dropped == 1
    assert states[:4] == [
        ScannerState.CONNECTING,
        ScannerState.READY,
        ScannerState.DISCONNECTED,
        ScannerState.CONNECTING,
    ]
    assert ScannerState.ERROR in states and states[-1] is ScannerState.CLOSED
    assert states[-2] is ScannerState.READY


async def test_port_is_closed_on_close_and_cancel(gun):
    slave = gun.node
    scanner = open_scanner(f"serial://{gun.path}")
    await scanner.open()
    await asyncio.wait_for(scanner.wait_ready(), 2)
    assert open_fds_to(slave) == 2  # the emulator's end and the driver's
    await scanner.close()
    assert open_fds_to(slave) == 1
    with pytest.raises(StopAsyncIteration):
        await scanner.read()


async def test_a_missing_port_reports_and_keeps_trying(tmp_path):
    async with open_scanner(f"serial://{tmp_path}/ttyNONE") as scanner:
        await asyncio.wait_for(scanner.wait_for_state(ScannerState.ERROR), 2)
        assert scanner.status == f"scanner error: no device at {tmp_path}/ttyNONE (unplugged?)"


async def test_a_port_in_use_is_reported(gun):
    async with open_scanner(f"serial://{gun.path}") as first:
        await asyncio.wait_for(first.wait_ready(), 2)
        async with open_scanner(f"serial://{gun.path}") as second:
            await asyncio.wait_for(second.wait_for_state(ScannerState.ERROR), 2)
            assert second.detail == f"{gun.path} is in use by another program"
        gun.scan("still-mine")
        assert (await next_scan(first)).text == "still-mine"


def test_open_errors_in_plain_words():
    assert "permission denied on /dev/ttyACM0: install the ScanPay udev rules" in (
        describe_open_error("/dev/ttyACM0", PermissionError(13, "Permission denied"))
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("serial:", "serial: needs a device"),
        ("serial://dev/ttyACM0", "three slashes, as in serial:///dev/ttyACM0"),
        ("serial:///dev/ttyACM0?baud=fast", "baud takes a whole number"),
        ("serial:///dev/ttyACM0?parity=x", "parity takes one of n, e, o, m, s"),
        ("serial:///dev/ttyACM0?prefix=hex:zz", "hex:0d0a for bytes"),
        ("serial:///dev/ttyACM0?encoding=klingon", "unknown encoding"),
        ("serial:///dev/ttyACM0?aim=maybe", "aim takes on or off"),
    ],
)
def test_bad_serial_urls(url, says):
    with pytest.raises(DeviceUrlError, match=None) as caught:
        open_scanner(url)
    assert says in str(caught.value)


def test_emulator_console_script(tmp_path, monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("811234\n\n"))
    assert main(["--link", str(tmp_path / "gun"), "--aim", "]C0"]) == 0
    out = capsys.readouterr().out
    assert f"scanner on serial://{tmp_path}/gun?suffix=cr" in out
    assert "scanned 6 characters" in out


async def test_a_vanished_path_is_noticed_even_if_the_port_stays_quiet(gun):
    # some USB-serial drivers never wake a reader on unplug: only the by-id link goes
    scanner = SerialScanner(gun.path, presence_check=0.02, retry_min=0.02)
    async with scanner:
        await asyncio.wait_for(scanner.wait_ready(), 2)
        gun.link.unlink()  # the pty itself stays open and silent
        await asyncio.wait_for(scanner.wait_for_state(ScannerState.DISCONNECTED), 2)
        assert scanner.detail == "device went away"
