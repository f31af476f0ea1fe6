"""Which scanners are plugged in, and news of them coming and going.

:func:`list_devices` lists serial ports and USB-HID input devices, each with
the device URL that opens it. :func:`watch_devices` yields an event whenever
one appears or vanishes: woken by udev where udevd runs (pyudev's netlink
monitor), by polling ``/dev/serial/by-id`` and ``/dev/input`` otherwise. The
drivers themselves reconnect on their own; this is for the apps' status and
for the scanner test tool's device list.

``scanpay-devices`` prints the list (``--watch`` follows it), marks a HID
device as scanner or keyboard, and shows the udev rules file to install.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path

from .hid.autolayout import layout_advice
from .hid.classify import (
    DeviceKind,
    judge_device,
    load_layouts,
    load_overrides,
    overrides_path,
    save_override,
)
from .hid.devices import InputDeviceInfo, InputSource
from .scanner import ScannerError

__all__ = [
    "SERIAL_BY_ID",
    "DeviceEvent",
    "DeviceInfo",
    "Transport",
    "list_devices",
    "main",
    "udev_available",
    "udev_rules_path",
    "watch_devices",
]

SERIAL_BY_ID = Path("/dev/serial/by-id")


class Transport(StrEnum):
    SERIAL = "serial"
    HID = "hid"
    USB_PRINTER = "usb"  # a receipt printer on the kernel's usblp driver (usb://VVVV:PPPP)


@dataclass(frozen=True)
class DeviceInfo:
    """A device a scanner driver can open."""

    transport: Transport
    path: str  # the stable path (a by-id link) when there is one, else the node
    node: str  # /dev/ttyACM0, /dev/input/event5
    name: str
    ids: str = ""  # vvvv:pppp (USB), when known
    kind: str = ""  # HID: scanner, keyboard or unknown, and why

    @property
    def url(self) -> str:
        return f"{self.transport.value}://{self.path}"


@dataclass(frozen=True)
class DeviceEvent:
    action: str  # "added" or "removed"
    device: DeviceInfo


def udev_rules_path() -> Path:
    """The udev rules file shipped with the package (install steps in the README)."""
    return Path(str(resources.files("drivers") / "udev" / "99-scanpay.rules"))


def _serial_devices(by_id: Path) -> list[DeviceInfo]:
    found: dict[str, DeviceInfo] = {}
    with contextlib.suppress(OSError):
        for link in sorted(by_id.iterdir()):
            node = os.path.realpath(link)
            name = link.name.removeprefix("usb-").rsplit("-if", 1)[0].replace("_", " ")
            found[node] = DeviceInfo(Transport.SERIAL, str(link), node, name)
    if by_id == SERIAL_BY_ID:  # ports with no by-id link, as pyserial sees them
        from serial.tools import list_ports

        for port in list_ports.comports():
            if port.device in found or port.vid is None:
                continue  # built-in ttyS ports without a USB id are rarely scanners
            ids = f"{port.vid:04x}:{port.pid:04x}"
            found[port.device] = DeviceInfo(
                Transport.SERIAL, port.device, port.device, port.description, ids
            )
    return list(found.values())


def _hid_devices(source: InputSource) -> list[DeviceInfo]:
    try:
        overrides = load_overrides()
        layouts = load_layouts()
    except ScannerError:
        overrides, layouts = {}, {}
    groups: dict[str, list[InputDeviceInfo]] = {}
    for info in source.list_devices():
        groups.setdefault(info.device_key, []).append(info)
    found = []
    for group in groups.values():
        keyboards = [info for info in group if info.keyboard]
        if not keyboards:
            continue
        info = keyboards[0]
        verdict = judge_device(info, overrides)
        kind = f"{verdict.kind.value}: {verdict.reason}"
        layout = layouts.get(info.override_key.lower())
        if layout is not None:  # found by layout=auto
            kind += f"; {layout_advice([layout])}"
        found.append(
            DeviceInfo(
                Transport.HID,
                info.links[0] if info.links else info.node,
                info.node,
                info.name,
                info.ids,
                kind,
            )
        )
    return found


def _default_input_source() -> InputSource:
    from .hid.evdev_source import EvdevSource

    return EvdevSource()


def _printer_devices() -> list[DeviceInfo]:
    from .printer.transport import usb_printers

    return [
        DeviceInfo(Transport.USB_PRINTER, ids, str(node), "USB receipt printer", ids, "printer")
        for ids, node in usb_printers()
    ]


def list_devices(
    *, serial_by_id: Path = SERIAL_BY_ID, input_source: InputSource | None = None
) -> list[DeviceInfo]:
    """Every serial port, keyboard-like input device and USB receipt printer there is now.

    (A serial printer is a serial port like any other: its URL opens it either way.)
    """
    source = input_source if input_source is not None else _default_input_source()
    return _serial_devices(serial_by_id) + _hid_devices(source) + _printer_devices()


def udev_available() -> bool:
    """Whether udevd runs here, so its events can wake the watcher."""
    if not Path("/run/udev/control").exists():
        return False
    try:
        import pyudev  # noqa: F401
    except ImportError:
        return False
    return True


async def watch_devices(
    *,
    interval: float = 1.0,
    lister: Callable[[], list[DeviceInfo]] = list_devices,
    use_udev: bool | None = None,
) -> AsyncGenerator[DeviceEvent, None]:
    """Yield an event each time a device appears or vanishes, until cancelled.

    Devices present at the start are yielded as "added" first. With udev the
    list is refreshed when the kernel reports a tty or input change (and every
    ``interval`` seconds anyway); without it, every ``interval`` seconds.
    """
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()
    monitor = None
    if use_udev if use_udev is not None else udev_available():
        import pyudev

        monitor = pyudev.Monitor.from_netlink(pyudev.Context())
        monitor.filter_by("tty")
        monitor.filter_by("input")
        monitor.filter_by("usbmisc")  # usblp printers
        monitor.start()

        def on_udev() -> None:
            while monitor.poll(timeout=0) is not None:
                pass
            wake.set()

        loop.add_reader(monitor.fileno(), on_udev)
    known: dict[tuple[Transport, str], DeviceInfo] = {}
    try:
        while True:
            now = {(d.transport, d.path): d for d in await asyncio.to_thread(lister)}
            for key in [k for k in known if k not in now]:
                yield DeviceEvent("removed", known.pop(key))
            for key, device in now.items():
                if key not in known:
                    known[key] = device
                    yield DeviceEvent("added", device)
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), interval)
    finally:
        if monitor is not None:
            loop.remove_reader(monitor.fileno())


def _print_device(device: DeviceInfo, prefix: str = "") -> None:
    extra = f"  [{device.kind}]" if device.kind else ""
    ids = f" ({device.ids})" if device.ids else ""
    print(f"{prefix}{device.url}  {device.name}{ids}{extra}", flush=True)


async def _watch() -> None:
    mode = "udev events" if udev_available() else "polling every second"
    print(f"watching for scanners ({mode}); Ctrl+C to stop", flush=True)
    async for event in watch_devices():
        _print_device(event.device, "+ " if event.action == "added" else "- ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scanpay-devices",
        description="List serial ports, USB-HID devices and USB receipt printers with the URL "
        "that opens each; watch them come and go; mark a HID device as scanner or keyboard.",
    )
    parser.add_argument("--watch", action="store_true", help="follow devices as they come and go")
    parser.add_argument("--mark-scanner", metavar="IDS", help="mark vvvv:pppp[:serial] a scanner")
    parser.add_argument("--mark-keyboard", metavar="IDS", help="mark it a keyboard (never read)")
    parser.add_argument("--unmark", metavar="IDS", help="remove a mark")
    parser.add_argument("--udev-rules", action="store_true", help="print the udev rules file path")
    args = parser.parse_args(argv)
    if args.udev_rules:
        print(udev_rules_path())
        return 0
    marks = [
        (args.mark_scanner, DeviceKind.SCANNER),
        (args.mark_keyboard, DeviceKind.KEYBOARD),
        (args.unmark, None),
    ]
    for key, kind in marks:
        if key:
            try:
                path = save_override(key, kind)
            except ScannerError as exc:
                print(exc, file=sys.stderr)
                return 1
            print(f"{key}: {kind.value if kind else 'unmarked'} (saved in {path})")
            return 0
    if args.watch:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_watch())
        return 0
    devices = list_devices()
    for device in devices:
        _print_device(device)
    if not devices:
        print("no serial ports or input devices found")
    print(f"HID scanner/keyboard marks and layouts: {overrides_path()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
