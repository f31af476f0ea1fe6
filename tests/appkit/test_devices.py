"""The scanner hub (both apps' scanners): several at once, a serial one plugged in while running.

Real drivers: a ``sim:`` scanner and a serial scanner on a pseudo-terminal with
the emulator on the far end. Only the hot-plug event source is handed in (no
udev here), at the seam ``follow_hotplug`` takes it.
"""

from __future__ import annotations

import asyncio

import pytest

from appkit.devices import DeviceHub
from drivers.emulators.serial_scanner import SerialScannerEmulator
from drivers.hotplug import DeviceEvent, DeviceInfo, Transport
from drivers.scanner import Scan
from protocol.paycode import Issuer, generate


class Events:
    """Hot-plug news the test announces, as ``watch_devices`` would yield it."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[DeviceEvent] = asyncio.Queue()

    async def stream(self):
        while True:
            yield await self.queue.get()


async def until(condition, within=3.0):
    """Wait for a condition the code under test makes true (polled: it has no event to await)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@pytest.fixture
async def hub():
    scans: list[Scan] = []
    changes: list[int] = []
    hub = DeviceHub(scans.append, lambda: changes.append(1), pinpad_url="serial:///dev/ttyPAD")
    hub.scans = scans  # type: ignore[attr-defined]
    yield hub
    await hub.close()


async def test_scans_from_every_configured_scanner_reach_the_app(hub, tmp_path):
    with SerialScannerEmulator(tmp_path / "gun") as gun:
        await hub.start(["sim:?name=desk", f"serial://{gun.path}"])
        serial = hub.scanners[f"serial://{gun.path}"]
        await asyncio.wait_for(serial.wait_ready(), 3)
        first, second = generate(Issuer.POINTS), generate(Issuer.CARD)
        hub.scanners["sim:?name=desk"].scan(first)
        gun.scan(second)
        await until(lambda: len(hub.scans) == 2)
    assert {s.text for s in hub.scans} == {first, second}
    assert {s.device for s in hub.scans} == {"desk", gun.path}


async def test_a_bad_url_shows_in_the_status_and_the_others_still_work(hub):
    await hub.start(["nonsense:", "sim:"])
    await until(lambda: [s.ok for s in hub.statuses()] == [True, False])
    statuses = hub.statuses()
    assert "unknown scheme" in statuses[1].detail


async def test_a_serial_scanner_plugged_in_later_is_opened_and_dropped_when_pulled(hub, tmp_path):
    events = Events()
    await hub.start(["sim:"])
    follower = asyncio.create_task(hub.follow_hotplug(events.stream))
    try:
        with SerialScannerEmulator(tmp_path / "new-gun") as gun:
            info = DeviceInfo(Transport.SERIAL, gun.path, gun.node, "New Gun")
            await events.queue.put(DeviceEvent("added", info))
            await until(lambda: info.url in hub.scanners)
            await asyncio.wait_for(hub.scanners[info.url].wait_ready(), 3)
            assert [s.name for s in hub.statuses()] == ["sim", "new-gun"]
            code = generate(Issuer.POINTS)
            gun.scan(code)
            await until(lambda: [s.text for s in hub.scans] == [code])
            await events.queue.put(DeviceEvent("removed", info))
            await until(lambda: info.url not in hub.scanners)
        # the PIN pad's serial port is never taken for a scanner
        pad = DeviceInfo(Transport.SERIAL, "/dev/ttyPAD", "/dev/ttyPAD", "PIN pad")
        await events.queue.put(DeviceEvent("added", pad))
        await asyncio.sleep(0.1)
        assert pad.url not in hub.scanners
    finally:
        follower.cancel()
