"""Device listing and hot-plug: devices appear and vanish without a restart."""

import asyncio

import pytest

from drivers.emulators.serial_scanner import SerialScannerEmulator
from drivers.hid import InputDeviceInfo, MemoryInputSource
from drivers.hotplug import (
    DeviceInfo,
    Transport,
    list_devices,
    main,
    udev_available,
    udev_rules_path,
    watch_devices,
)
from drivers.scanner import ScannerState
from drivers.urls import open_scanner

SCANNER = InputDeviceInfo(
    node="/dev/input/event5",
    name="Honeywell Imaging & Mobility 1900",
    vendor=0x0C2E,
    product=0x0B61,
    phys="usb-0000:00:14.0-2/input0",
    links=("/dev/input/by-id/usb-Honeywell_1900-event-kbd",),
)
KEYBOARD = InputDeviceInfo(
    node="/dev/input/event3", name="Logitech USB Keyboard", vendor=0x046D, product=0xC31C
)


def test_list_devices_gives_each_a_url(tmp_path):
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    with SerialScannerEmulator(by_id / "usb-Newland_NLS-HR22_ABC-if00") as gun:
        devices = list_devices(
            serial_by_id=by_id, input_source=MemoryInputSource([SCANNER, KEYBOARD])
        )
        serial, scanner, keyboard = devices
        assert serial == DeviceInfo(Transport.SERIAL, gun.path, gun.node, "Newland NLS-HR22 ABC")
        assert serial.url == f"serial://{gun.path}"
        assert scanner.url == "hid:///dev/input/by-id/usb-Honeywell_1900-event-kbd"
        assert (
            scanner.ids == "0c2e:0b61" and scanner.kind == "scanner: made by Honeywell (Metrologic)"
        )
        assert keyboard.url == "hid:///dev/input/event3" and keyboard.kind.startswith("unknown")


async def test_devices_appear_and_vanish_without_a_restart(tmp_path):
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    source = MemoryInputSource([KEYBOARD])

    def lister():
        return list_devices(serial_by_id=by_id, input_source=source)

    events = watch_devices(interval=0.01, lister=lister, use_udev=False)

    async def next_event():
        event = await asyncio.wait_for(anext(events), 2)
        return event.action, event.device.url

    assert await next_event() == ("added", "hid:///dev/input/event3")
    gun = SerialScannerEmulator(by_id / "usb-Scanner-if00")
    assert await next_event() == ("added", f"serial://{gun.path}")
    # the scanner found by the watcher opens and reads
    async with open_scanner(f"serial://{gun.path}") as scanner:
        await asyncio.wait_for(scanner.wait_ready(), 2)
        gun.scan("6901234567892")
        assert (await asyncio.wait_for(scanner.read(), 2)).text == "6901234567892"
        gun.unplug()
        assert await next_event() == ("removed", f"serial://{gun.path}")
        await asyncio.wait_for(scanner.wait_for_state(ScannerState.ERROR), 2)
        gun.plug()
        assert await next_event() == ("added", f"serial://{gun.path}")
        await asyncio.wait_for(scanner.wait_ready(), 2)
    gun.close()
    assert await next_event() == ("removed", f"serial://{gun.path}")
    source.plug(SCANNER)
    assert await next_event() == ("added", f"hid://{SCANNER.links[0]}")
    source.unplug(SCANNER.node)
    assert await next_event() == ("removed", f"hid://{SCANNER.links[0]}")
    await events.aclose()


async def test_the_udev_monitor_path_opens_and_closes_cleanly():
    assert udev_available() is False  # no udevd here: polling is what runs by default
    events = watch_devices(interval=0.01, lister=lambda: [], use_udev=True)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(anext(events), 0.1)
    await events.aclose()


def test_scanpay_devices_script(capsys, tmp_path):
    assert main(["--udev-rules"]) == 0
    path = capsys.readouterr().out.strip()
    assert (
        path == str(udev_rules_path())
        and 'ATTRS{idVendor}=="0c2e"' in udev_rules_path().read_text()
    )
    assert main(["--mark-scanner", "1A2C:0E24"]) == 0
    assert "1A2C:0E24: scanner (saved in" in capsys.readouterr().out
    assert '"1a2c:0e24" = "scanner"' in (tmp_path / "hid-devices.toml").read_text()
    assert main(["--unmark", "1a2c:0e24"]) == 0
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "no serial ports or input devices found" in out  # this machine has none
    assert f"HID scanner/keyboard marks and layouts: {tmp_path / 'hid-devices.toml'}" in out


def test_a_usb_receipt_printer_is_listed_with_its_usb_url(tmp_path, monkeypatch, capsys):
    device = tmp_path / "sys/devices/usb1/1-2"
    (device / "1-2:1.0").mkdir(parents=True)
    (device / "idVendor").write_text("0416\n")
    (device / "idProduct").write_text("5011\n")
    usbmisc = tmp_path / "sys/class/usbmisc"
    (usbmisc / "lp0").mkdir(parents=True)
    (usbmisc / "lp0/device").symlink_to(device / "1-2:1.0")
    monkeypatch.setattr("drivers.printer.transport.USBMISC", usbmisc)  # no USB here: sysfs made up
    monkeypatch.setattr("drivers.printer.transport.DEV_USB", tmp_path / "dev/usb")
    devices = list_devices(serial_by_id=tmp_path, input_source=MemoryInputSource([]))
    [printer] = [d for d in devices if d.transport is Transport.USB_PRINTER]
    assert printer.url == "usb://0416:5011" and printer.node == str(tmp_path / "dev/usb/lp0")
