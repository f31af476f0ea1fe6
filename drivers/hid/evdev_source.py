"""The :class:`~drivers.hid.devices.InputSource` of a real Linux machine, through python-evdev.

Thin on purpose: everything that can be decided without the kernel lives in
the decoder, the classifier and the driver, which the tests run against
:class:`~drivers.hid.devices.MemoryInputSource`. This module only lists
``/dev/input/event*``, grabs and reads them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

import evdev
from evdev import InputEvent, ecodes

from .decoder import Event
from .devices import InputDeviceInfo

__all__ = ["BY_ID", "EvdevSource"]

BY_ID = Path("/dev/input/by-id")
_TEXT_KEYS = {ecodes.KEY_A, ecodes.KEY_Z, ecodes.KEY_1, ecodes.KEY_0, ecodes.KEY_KP0}


def _links(directory: Path = BY_ID) -> dict[str, tuple[str, ...]]:
    """Event node -> the stable links that point at it."""
    found: dict[str, list[str]] = {}
    with contextlib.suppress(OSError):
        for link in sorted(directory.iterdir()):
            found.setdefault(os.path.realpath(link), []).append(str(link))
    return {node: tuple(links) for node, links in found.items()}


class _EvdevNode:
    def __init__(self, info: InputDeviceInfo, grab: bool) -> None:
        self.info = info
        self.device = evdev.InputDevice(info.node)
        try:
            if grab:
                self.device.grab()
        except BaseException:
            self.device.close()
            raise

    async def read(self) -> list[Event]:
        # evdev's annotation says one event; it resolves to an iterator of them
        events: Iterable[InputEvent] = await self.device.async_read()  # type: ignore[assignment]
        return [(e.type, e.code, e.value, e.timestamp()) for e in events]

    def locks(self) -> tuple[bool, bool] | None:
        try:
            if ecodes.EV_LED not in self.device.capabilities():
                return None
            on = set(self.device.leds())
        except OSError:
            return None
        return ecodes.LED_NUML in on, ecodes.LED_CAPSL in on

    def light_numlock(self) -> bool:
        try:
            if ecodes.LED_NUML not in self.device.capabilities().get(ecodes.EV_LED, []):
                return False
            self.device.set_led(ecodes.LED_NUML, 1)
        except OSError:
            return False
        return True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.device.ungrab()
        with contextlib.suppress(OSError):
            self.device.close()


class EvdevSource:
    """Input devices as the kernel shows them under ``/dev/input``."""

    def list_devices(self) -> list[InputDeviceInfo]:
        links = _links()
        found = []
        for node in evdev.list_devices():
            try:
                device = evdev.InputDevice(node)
            except OSError:
                continue  # gone, or not ours to read: the udev rules grant access
            try:
                keys = set(device.capabilities().get(ecodes.EV_KEY, []))
                found.append(
                    InputDeviceInfo(
                        node=node,
                        name=device.name,
                        vendor=device.info.vendor,
                        product=device.info.product,
                        phys=device.phys or "",
                        uniq=device.uniq or "",
                        links=links.get(node, ()),
                        keyboard=bool(keys & _TEXT_KEYS),
                    )
                )
            finally:
                device.close()
        return found

    def open(self, info: InputDeviceInfo, *, grab: bool) -> _EvdevNode:
        return _EvdevNode(info, grab)
