"""The seam between the HID driver and the kernel: finding input devices and reading them.

:class:`InputSource` is the whole of what the driver needs from the system:
list the event nodes, open one (grabbed or not) and read batches of events
from it; a vanished device raises ``OSError(ENODEV)``. :mod:`.evdev_source`
implements it with python-evdev; :class:`MemoryInputSource` implements it in
memory, fed by tests, benchmarks and demos where there is no ``/dev/input``.
"""

from __future__ import annotations

import asyncio
import errno
import re
from dataclasses import dataclass
from typing import Protocol

from .decoder import Event

__all__ = ["InputDeviceInfo", "InputNode", "InputSource", "MemoryInputSource", "device_gone"]

_INPUT_SUFFIX = re.compile(r"/input\d+$")


def device_gone(node: str) -> OSError:
    return OSError(errno.ENODEV, "No such device", node)


@dataclass(frozen=True)
class InputDeviceInfo:
    """One event node (``/dev/input/eventN``) and what the kernel says about its device."""

    node: str
    name: str
    vendor: int = 0
    product: int = 0
    phys: str = ""  # e.g. usb-0000:00:14.0-2/input0: which port it hangs on
    uniq: str = ""  # the device's serial number, when it has one
    links: tuple[str, ...] = ()  # /dev/input/by-id/... links to this node
    keyboard: bool = True  # it has letter or digit keys

    @property
    def device_key(self) -> str:
        """Shared by all the event nodes of one physical device (a scanner often has 2-3)."""
        if self.phys:
            return _INPUT_SUFFIX.sub("", self.phys)
        return f"{self.vendor:04x}:{self.product:04x}:{self.uniq}:{self.name}"

    @property
    def ids(self) -> str:
        """``vvvv:pppp``, the USB vendor and product ids."""
        return f"{self.vendor:04x}:{self.product:04x}"

    @property
    def override_key(self) -> str:
        """How the manual scanner/keyboard override names this device: ids, plus serial."""
        return f"{self.ids}:{self.uniq}" if self.uniq else self.ids

    def same_device(self, other: InputDeviceInfo) -> bool:
        """Whether ``other`` is this device plugged in again (perhaps as another eventN)."""
        if (self.vendor, self.product, self.name) != (other.vendor, other.product, other.name):
            return False
        if self.uniq or other.uniq:
            return self.uniq == other.uniq
        return self.device_key == other.device_key  # no serial number: the same USB port


class InputNode(Protocol):
    """An opened event node."""

    info: InputDeviceInfo

    async def read(self) -> list[Event]:
        """The next batch of events; raises ``OSError(ENODEV)`` once the device is gone."""
        ...

    def locks(self) -> tuple[bool, bool] | None:
        """(NumLock, CapsLock) as the device's LEDs show them, when it has LEDs."""
        ...

    def light_numlock(self) -> bool:
        """Turn the device's NumLock LED on, where it has one; whether it did. Never raises."""
        ...

    def close(self) -> None:
        """Release the grab and the node; never raises."""
        ...


class InputSource(Protocol):
    def list_devices(self) -> list[InputDeviceInfo]: ...

    def open(self, info: InputDeviceInfo, *, grab: bool) -> InputNode:
        """Open ``info.node``; with ``grab``, exclusively (no other program sees its keys)."""
        ...


class _MemoryNode:
    def __init__(self, source: MemoryInputSource, info: InputDeviceInfo, grab: bool) -> None:
        self.source = source
        self.info = info
        self.grabbed = grab
        self.queue: asyncio.Queue[list[Event] | OSError] = asyncio.Queue()
        self.closed = False

    async def read(self) -> list[Event]:
        item = await self.queue.get()
        if isinstance(item, OSError):
            self.queue.put_nowait(item)
            raise item
        return item

    def locks(self) -> tuple[bool, bool] | None:
        return self.source.leds.get(self.info.node)

    def light_numlock(self) -> bool:
        if self.info.node not in self.source.leds:
            return False  # no LEDs
        caps = self.source.leds[self.info.node][1]
        self.source.leds[self.info.node] = (True, caps)
        return True

    def close(self) -> None:
        self.closed = True
        self.grabbed = False
        nodes = self.source.opened.get(self.info.node, [])
        if self in nodes:
            nodes.remove(self)


class MemoryInputSource:
    """Input devices in memory: add and remove devices, send them events.

    A real implementation of :class:`InputSource` (as httpx's ``MockTransport``
    is of its transport), so the driver above it runs unchanged.
    """

    def __init__(self, devices: list[InputDeviceInfo] | None = None) -> None:
        self.devices: dict[str, InputDeviceInfo] = {d.node: d for d in devices or []}
        self.opened: dict[str, list[_MemoryNode]] = {}
        self.leds: dict[str, tuple[bool, bool]] = {}

    def list_devices(self) -> list[InputDeviceInfo]:
        return list(self.devices.values())

    def open(self, info: InputDeviceInfo, *, grab: bool) -> _MemoryNode:
        if info.node not in self.devices:
            raise device_gone(info.node)
        if grab and any(node.grabbed for node in self.opened.get(info.node, [])):
            raise OSError(errno.EBUSY, "Device or resource busy", info.node)
        node = _MemoryNode(self, info, grab)
        self.opened.setdefault(info.node, []).append(node)
        return node

    def grabbed(self, node: str) -> bool:
        return any(n.grabbed for n in self.opened.get(node, []))

    def plug(self, info: InputDeviceInfo) -> None:
        self.devices[info.node] = info

    def send(self, node: str, events: list[Event]) -> None:
        """Deliver ``events`` as one batch to every reader of ``node``."""
        for reader in self.opened.get(node, []):
            reader.queue.put_nowait(list(events))

    def unplug(self, node: str) -> None:
        """Remove a device: its readers get ENODEV, as from the kernel."""
        self.devices.pop(node, None)
        for reader in self.opened.get(node, []):
            reader.queue.put_nowait(device_gone(node))
