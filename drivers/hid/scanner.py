"""USB-HID scanners in keyboard mode (``hid:``), read from their event nodes.

The driver finds the scanner (a path, or every device judged a scanner),
grabs *every* event node of it so its keystrokes reach no other program, and
decodes the events with the layout the scanner was configured for (or, with
``layout=auto``, the one its scans fit: :mod:`.autolayout`, remembered per
device in the marks file). Keypad digits stay digits whatever NumLock taps a
keypad-emulating scanner sends, and the driver lights the NumLock LED of a
device it grabs, so such a scanner stops tapping. When the
device goes away (``ENODEV``) the unfinished code is dropped, the nodes are
released, and the same device is looked for again (by its by-id path, serial
number or USB port) until it is back, perhaps as another ``eventN``.

With no path (``hid:``), devices whose ids, name or manual override say
"scanner" are grabbed; keyboards that nothing is known about are watched
without a grab, and a code one of them types at a scanner's speed is taken as
a scan and the device is grabbed from then on. A person typing on a keyboard
is never read as a scan.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from ..aim import split_aim
from ..scanner import Scan, Scanner, ScannerError, ScannerState
from ..urls import AIM_OPTION, DeviceUrl, DeviceUrlError, Option, SchemeSpec, register_scheme
from .autolayout import AutoLayoutDecoder
from .classify import (
    DeviceKind,
    judge_device,
    load_layouts,
    load_overrides,
    save_layout,
    typed_by_scanner,
)
from .decoder import END_KEYS, DecodedCode, HidDecoder
from .devices import InputDeviceInfo, InputNode, InputSource
from .keymaps import LAYOUTS, Layout, layout_named

__all__ = ["AUTO", "HidScanner"]

AUTO = "auto"  # layout=auto
KeyDecoder = HidDecoder | AutoLayoutDecoder

log = logging.getLogger(__name__)


def _default_source() -> InputSource:
    from .evdev_source import EvdevSource

    return EvdevSource()


class _Device:
    """One physical device being read: its nodes and its decoder."""

    def __init__(self, infos: list[InputDeviceInfo], decoder: KeyDecoder, grabbed: bool) -> None:
        self.infos = infos
        self.decoder = decoder
        self.grabbed = grabbed
        self.nodes: list[InputNode] = []
        self.received = 0.0  # time.monotonic() of the last batch
        self.timer: asyncio.TimerHandle | None = None

    @property
    def primary(self) -> InputDeviceInfo:
        keyboards = [info for info in self.infos if info.keyboard]
        return (keyboards or self.infos)[0]

    @property
    def label(self) -> str:
        primary = self.primary
        return primary.links[0] if primary.links else primary.node

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        for node in self.nodes:
            node.close()
        self.nodes.clear()
        dropped = self.decoder.reset()
        if dropped:
            log.info("%s: dropped an unfinished code (%d characters)", self.label, len(dropped))


class HidScanner(Scanner):
    """A scanner typing as a USB keyboard, read through an :class:`InputSource`."""

    def __init__(
        self,
        path: str | None = None,
        *,
        source: InputSource | None = None,
        layout: Layout | str = "us",  # or "auto"
        end_keys: Iterable[str] = ("enter", "kpenter", "tab"),
        gap: float | None = 0.1,
        numlock: bool = True,
        aim: bool = True,
        overrides: Path | None = None,
        speed: float = 0.03,
        retry_min: float = 0.1,
        retry_max: float = 2.0,
        rescan: float = 1.0,
    ) -> None:
        super().__init__(path or "hid")
        self.path = path
        self.source = source or _default_source()
        auto = layout == AUTO
        self.layout: Layout | None = (
            None if auto else layout_named(layout) if isinstance(layout, str) else layout
        )
        self.end_keys = tuple(end_keys)
        self.gap = gap
        self.numlock = numlock
        self.aim = aim
        self.overrides_file = overrides
        self.speed = speed
        self.retry_min = retry_min
        self.retry_max = retry_max
        self.rescan = rescan
        self.on_code: Callable[[DecodedCode], None] | None = None
        """Called with each code typed, with its key timings: the test tool's key-by-key view."""
        self._known: InputDeviceInfo | None = None  # the device a path named, for rediscovery
        self._promoted: list[InputDeviceInfo] = []  # unknown devices that typed like scanners
        self.devices: list[_Device] = []

    # -- finding the device ----------------------------------------------------

    def _groups(self, infos: list[InputDeviceInfo]) -> dict[str, list[InputDeviceInfo]]:
        groups: dict[str, list[InputDeviceInfo]] = {}
        for info in infos:
            groups.setdefault(info.device_key, []).append(info)
        return groups

    def _discover(self) -> tuple[list[list[InputDeviceInfo]], list[list[InputDeviceInfo]]]:
        """(devices to grab, devices to watch without a grab)."""
        infos = self.source.list_devices()
        groups = self._groups(infos)
        if self.path is not None:
            real = os.path.realpath(self.path)
            named = [i for i in infos if i.node in (self.path, real) or self.path in i.links]
            if not named and self._known is not None:
                named = [i for i in infos if self._known.same_device(i)]
            if not named:
                return [], []
            self._known = named[0]
            return [groups[named[0].device_key]], []
        overrides = load_overrides(self.overrides_file)
        grab, watch = [], []
        for group in groups.values():
            keyboards = [info for info in group if info.keyboard]
            if not keyboards:
                continue
            kind = judge_device(keyboards[0], overrides).kind
            if any(p.same_device(keyboards[0]) for p in self._promoted):
                kind = DeviceKind.SCANNER
            if kind is DeviceKind.SCANNER:
                grab.append(group)
            elif kind is DeviceKind.UNKNOWN:
                watch.append(group)
        return grab, watch

    def _not_found(self) -> str:
        if self.path is not None:
            return f"no input device at {self.path} (unplugged?)"
        return (
            "no barcode scanner found among the input devices; name one with "
            "hid:///dev/input/by-id/... or mark it as a scanner (README, 'Scanners')"
        )

    # -- the connection loop ---------------------------------------------------

    async def _run(self) -> None:
        pause = self.retry_min
        while True:
            self._set_state(ScannerState.CONNECTING)
            try:
                grab, watch = self._discover()
                if not grab and not (watch and self.path is None):
                    raise ScannerError(self._not_found())
                self._open(grab, watch)
            except (OSError, ScannerError) as exc:
                self._close_devices()
                self._set_state(ScannerState.ERROR, self._describe(exc))
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.retry_max)
                continue
            pause = self.retry_min
            try:
                self._set_state(ScannerState.READY, self._ready_detail())
                reason = await self._read_all()
            finally:
                self._close_devices()
            self._set_state(ScannerState.DISCONNECTED, reason)
            await asyncio.sleep(pause)

    def _describe(self, exc: BaseException) -> str:
        if isinstance(exc, ScannerError):
            return str(exc)
        if isinstance(exc, OSError) and exc.errno == errno.EACCES:
            return (
                f"permission denied on {exc.filename}: install the ScanPay udev rules "
                "(README, 'Scanners and device URLs') or add this user to the input group"
            )
        if isinstance(exc, OSError) and exc.errno == errno.EBUSY:
            return f"{exc.filename} is grabbed by another program"
        return f"cannot open the scanner: {exc}"

    def _decoder(self, info: InputDeviceInfo) -> KeyDecoder:
        if self.layout is not None:
            return HidDecoder(
                self.layout, end_keys=self.end_keys, gap=self.gap, numlock=self.numlock
            )
        known = self._known_layouts().get(info.override_key.lower())
        return AutoLayoutDecoder(
            settled=LAYOUTS.get(known or ""),
            on_settled=lambda layout: self._remember_layout(info, layout),
            end_keys=self.end_keys,
            gap=self.gap,
            numlock=self.numlock,
        )

    def _known_layouts(self) -> dict[str, str]:
        try:
            return load_layouts(self.overrides_file)
        except ScannerError as exc:
            log.warning("%s", exc)
            return {}

    def _remember_layout(self, info: InputDeviceInfo, layout: Layout) -> None:
        log.info("%s types the %s layout: remembered", info.node, layout.name)
        try:
            save_layout(info.override_key, layout.name, self.overrides_file)
        except (OSError, ScannerError) as exc:
            log.warning("cannot remember the layout of %s: %s", info.node, exc)

    def _open(self, grab: list[list[InputDeviceInfo]], watch: list[list[InputDeviceInfo]]) -> None:
        for infos, grabbed in [(g, True) for g in grab] + [(w, False) for w in watch]:
            self._open_device(infos, grabbed)

    def _open_device(self, infos: list[InputDeviceInfo], grabbed: bool) -> _Device:
        keyboards = [info for info in infos if info.keyboard]
        device = _Device(infos, self._decoder((keyboards or infos)[0]), grabbed)
        self.devices.append(device)
        for info in infos:
            device.nodes.append(self.source.open(info, grab=grabbed))
        locks = next((n.locks() for n in device.nodes if n.locks() is not None), None)
        if locks is not None:
            device.decoder.set_locks(*locks)
        if grabbed and self.numlock:  # lit, a keypad-emulating scanner stops tapping NumLock
            for node in device.nodes:
                node.light_numlock()
        return device

    def _ready_detail(self) -> str:
        grabbed = [d.label for d in self.devices if d.grabbed]
        return ", ".join(grabbed) if grabbed else "waiting for a scanner to type"

    def _close_devices(self) -> None:
        for device in self.devices:
            device.close()
        self.devices.clear()

    async def _read_all(self) -> str:
        """Read every node until a grabbed device goes away; returns why."""
        self._gone: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._readers: list[asyncio.Task[None]] = []
        for device in self.devices:
            for node in device.nodes:
                self._start_reader(device, node)
        if self.path is None:
            self._readers.append(asyncio.create_task(self._rescan()))
        try:
            return await self._gone
        finally:
            for task in self._readers:
                task.cancel()
            await asyncio.gather(*self._readers, return_exceptions=True)

    async def _rescan(self) -> None:
        """With no path: take in scanners and keyboards plugged in after the start."""
        while True:
            await asyncio.sleep(self.rescan)
            try:
                grab, watch = self._discover()
            except ScannerError as exc:
                log.warning("%s", exc)
                continue
            reading = {device.infos[0].device_key for device in self.devices}
            for infos, grabbed in [(g, True) for g in grab] + [(w, False) for w in watch]:
                if infos[0].device_key in reading:
                    continue
                try:
                    device = self._open_device(infos, grabbed)
                except OSError as exc:
                    log.warning("%s: %s", infos[0].node, self._describe(exc))
                    self.devices[-1].close()
                    self.devices.pop()
                    continue
                log.info("%s plugged in (%s)", device.label, "grabbed" if grabbed else "watched")
                for node in device.nodes:
                    self._start_reader(device, node)
            self._set_state(ScannerState.READY, self._ready_detail())

    def _start_reader(self, device: _Device, node: InputNode) -> None:
        self._readers.append(asyncio.create_task(self._read_node(device, node)))

    async def _read_node(self, device: _Device, node: InputNode) -> None:
        loop = asyncio.get_running_loop()
        decoder = device.decoder
        while True:
            try:
                events = await node.read()
            except OSError as exc:
                if node not in device.nodes:
                    return  # replaced by a grabbed node
                if not device.grabbed:  # a watched keyboard was unplugged
                    device.close()
                    if device in self.devices:
                        self.devices.remove(device)
                    return
                if not self._gone.done():
                    why = "device went away" if exc.errno == errno.ENODEV else str(exc)
                    self._gone.set_result(f"{device.label}: {why}")
                return
            if node not in device.nodes:
                return
            device.received = time.monotonic()
            for event in events:
                code = decoder.feed(*event)
                if code is not None:
                    self._deliver(device, code, device.received)
            if device.timer is not None:
                device.timer.cancel()
                device.timer = None
            if decoder.pending and self.gap is not None:
                device.timer = loop.call_later(self.gap, self._on_gap, device)

    def _on_gap(self, device: _Device) -> None:
        device.timer = None
        code = device.decoder.flush()
        if code is not None:
            self._deliver(device, code, device.received)

    def _deliver(self, device: _Device, code: DecodedCode, received: float) -> None:
        if not device.grabbed:
            if not typed_by_scanner(code, interval=self.speed):
                return  # a person typing on a keyboard
            log.info("%s types like a scanner: grabbing it from now on", device.label)
            self._promoted.append(device.primary)
            self._grab_watched(device)
        aim, text = split_aim(code.text) if self.aim else (None, code.text)
        if text:
            decoder = device.decoder
            if decoder.numlock_taps and decoder.keypad_keys:
                note = (
                    f"keypad emulation with NumLock taps ({decoder.numlock_taps} so far): "
                    "the taps are ignored, keypad digits are read as digits"
                )
                code = replace(code, notes=(*code.notes, note))
            if self.on_code is not None:
                self.on_code(code)
            self._emit(
                Scan(text=text, device=device.label, raw=code.raw, aim=aim, timestamp=received)
            )

    def _grab_watched(self, device: _Device) -> None:
        """Grab a watched device in place, now that it has shown it is a scanner."""
        try:
            grabbed = [self.source.open(info, grab=True) for info in device.infos]
        except OSError as exc:
            log.warning("%s: cannot grab it: %s", device.label, exc)
            return
        old, device.nodes, device.grabbed = device.nodes, grabbed, True
        for node in old:
            node.close()
        for node in grabbed:
            self._start_reader(device, node)
        self._set_state(ScannerState.READY, device.label)


def _from_url(url: DeviceUrl) -> HidScanner:
    ends = url.text_option("end", "enter,kpenter,tab").lower()
    end_keys = tuple(name for name in ends.split(",") if name)
    bad = [name for name in end_keys if name not in END_KEYS]
    if bad:
        raise DeviceUrlError(
            f"{url.text!r}: end={ends!r}: unknown end key {bad[0]!r}; "
            f"end takes a comma-separated list of {', '.join(END_KEYS)}"
        )
    gap = url.int_option("gap", 100, 0, 10_000)
    return HidScanner(
        url.path or None,
        layout=url.choice("layout", (*LAYOUTS, AUTO), "us"),
        end_keys=end_keys,
        gap=gap / 1000 if gap else None,
        numlock=url.bool_option("numlock", True),
        aim=url.bool_option("aim", True),
    )


register_scheme(
    SchemeSpec(
        scheme="hid",
        summary="USB scanner in keyboard mode, read from its input device (grabbed)",
        forms=(
            "hid:  (every device known as a scanner)",
            "hid:///dev/input/by-id/usb-XYZ-event-kbd?layout=fr",
            "hid:?layout=auto  (the layout found from the scans, remembered per scanner)",
        ),
        factory=_from_url,
        options=(
            Option(
                "layout",
                "keyboard layout the scanner is set to (auto: found from its scans)",
                "us",
                (*LAYOUTS, AUTO),
            ),
            Option("end", "keys that end a code, comma-separated", "enter,kpenter,tab"),
            Option("gap", "milliseconds without a key that end a code (0: off)", "100"),
            Option("numlock", "NumLock state to assume (keypad digits)", "on", ("on", "off")),
            AIM_OPTION,
        ),
    )
)
