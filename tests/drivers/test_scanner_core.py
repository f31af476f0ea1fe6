"""The scanner interface itself, through the simulated driver (a real implementation)."""

import asyncio
import logging

import pytest

from drivers.aim import Symbology, split_aim, symbology_for
from drivers.scanner import IllegalTransition, Scan, ScannerError, ScannerState
from drivers.sim import SimScanner
from drivers.urls import open_scanner
from protocol.paycode import generate


async def test_async_for_yields_scripted_scans_then_ends_on_close():
    scanner = open_scanner("sim:?codes=6901234567892,ABC&interval=0&aim=]E0")
    assert isinstance(scanner, SimScanner)
    seen = []
    async with scanner:
        async for scan in scanner:
            seen.append(scan)
            if len(seen) == 2:
                await scanner.close()
    assert [s.text for s in seen] == ["6901234567892", "ABC"]
    assert seen[0].symbology is Symbology.EAN_UPC and seen[0].aim == "]E0"
    assert seen[0].raw == b"]E06901234567892\r" and seen[0].device == "sim"
    assert seen[0].timestamp <= seen[1].timestamp
    assert scanner.state is ScannerState.CLOSED
    with pytest.raises(StopAsyncIteration):
        await scanner.read()


async def test_app_key_scans_a_given_text_and_state_is_reported():
    changes = []
    scanner = SimScanner()
    scanner.add_state_listener(lambda state, detail: changes.append((state, detail)))
    with pytest.raises(ScannerError, match="cannot scan"):
        scanner.scan("x")  # not open yet
    async with scanner:
        await asyncio.wait_for(scanner.wait_ready(), 1)
        assert scanner.status == "scanner ready"
        scanner.scan("811234")
        assert (await scanner.read()).text == "811234"
        scanner.unplug()
        assert scanner.status == "scanner disconnected: simulated unplug"
        with pytest.raises(ScannerError, match="disconnected"):
            scanner.scan("lost")
        scanner.fail("permission denied")
        assert scanner.state is ScannerState.ERROR
        scanner.plug()
    assert [state for state, _ in changes] == [
        ScannerState.CONNECTING,
        ScannerState.READY,
        ScannerState.DISCONNECTED,
        ScannerState.CONNECTING,
        ScannerState.ERROR,
        ScannerState.CONNECTING,
        ScannerState.READY,
        ScannerState.CLOSED,
    ]


async def test_illegal_transition_raises():
    scanner = SimScanner()
    with pytest.raises(IllegalTransition, match="disconnected -> ready"):
        scanner._set_state(ScannerState.READY)
    await scanner.close()
    with pytest.raises(IllegalTransition):
        scanner._set_state(ScannerState.CONNECTING)
    with pytest.raises(ScannerError, match="closed"):
        await scanner.open()


async def test_scripted_scans_pause_while_unplugged():
    scanner = SimScanner(("a", "b"), interval=0.01)
    async with scanner:
        assert (await scanner.read()).text == "a"
        scanner.unplug()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await scanner.read()
        scanner.plug()
        assert (await asyncio.wait_for(scanner.read(), 1)).text == "b"


def test_repr_masks_payment_codes(caplog):
    code = generate()
    scan = Scan(text=code, device="sim", raw=code.encode(), aim="]Q1")
    assert code not in repr(scan) and code[-4:] in repr(scan)
    assert "qr" in repr(scan)
    camera = Scan(text="x", device="camera:0", symbology=Symbology.CODE128)
    assert camera.symbology is Symbology.CODE128 and camera.aim is None
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("t").debug("%s", scan)
    assert code not in caplog.text


def test_aim_identifiers():
    assert split_aim("]Q1812345") == ("]Q1", "812345")
    assert split_aim("812345") == (None, "812345")
    assert split_aim("]") == (None, "]")
    assert symbology_for("]C0") is Symbology.CODE128
    assert symbology_for("]d2") is Symbology.DATAMATRIX
    assert symbology_for("]Y9") is Symbology.OTHER
    assert symbology_for(None) is None and symbology_for("Q1") is None
