"""A USB numeric keypad as a PIN pad (``hid:///dev/input/by-id/...``), read through evdev.

The keypad has no screen: its prompt and messages go to ``on_display`` (the
till shows them to the customer) and the digit count to ``on_digits``. The
keys are read on the terminal, so the PIN is sealed here, the moment Enter
is pressed, and the digits are dropped.

Keys are taken from the kernel's codes, not through a layout: the keypad's
digits count whatever NumLock says, and a keypad that does NumLock by itself
(sending End, Down, PageDown... with it off) still types digits. Enter or
keypad Enter confirms, Backspace or Delete removes a digit, Esc cancels.

Reading goes through the HID scanner's seam (:class:`drivers.hid.devices.InputSource`):
evdev on a real machine, :class:`~drivers.hid.devices.MemoryInputSource` in tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os

from protocol.pin import PinEnvelope

from ..hid.decoder import EV_KEY, Event
from ..hid.devices import InputDeviceInfo, InputNode, InputSource
from .base import PinPad, PinRequest
from .entry import EntryState, PadKey, PinEntry
from .errors import CustomerCancelled, PinPadUnavailable

__all__ = ["KEYPAD_KEYS", "KeypadPinPad", "keys_from_events"]

log = logging.getLogger(__name__)

_DIGIT_CODES = {
    # main row: KEY_1..KEY_9, KEY_0
    **{2 + i: PadKey.for_digit(str((i + 1) % 10)) for i in range(10)},
    # keypad: KEY_KP0..KEY_KP9
    82: PadKey.D0,
    79: PadKey.D1,
    80: PadKey.D2,
    81: PadKey.D3,
    75: PadKey.D4,
    76: PadKey.D5,
    77: PadKey.D6,
    71: PadKey.D7,
    72: PadKey.D8,
    73: PadKey.D9,
    # keypads that apply NumLock themselves send these with it off
    110: PadKey.D0,  # INSERT
    107: PadKey.D1,  # END
    108: PadKey.D2,  # DOWN
    109: PadKey.D3,  # PAGEDOWN
    105: PadKey.D4,  # LEFT
    106: PadKey.D6,  # RIGHT
    102: PadKey.D7,  # HOME
    103: PadKey.D8,  # UP
    104: PadKey.D9,  # PAGEUP
}

#: kernel key code -> pad key (codes from linux/input-event-codes.h)
KEYPAD_KEYS: dict[int, PadKey] = {
    **_DIGIT_CODES,
    28: PadKey.ENTER,  # ENTER
    96: PadKey.ENTER,  # KPENTER
    14: PadKey.BACKSPACE,  # BACKSPACE
    111: PadKey.BACKSPACE,  # DELETE
    1: PadKey.CANCEL,  # ESC
}


def keys_from_events(events: list[Event]) -> list[PadKey]:
    """The pad keys pressed in ``events``: key-down only (no release, no auto-repeat)."""
    return [
        KEYPAD_KEYS[code]
        for ev_type, code, value, _ in events
        if ev_type == EV_KEY and value == 1 and code in KEYPAD_KEYS
    ]


def _default_source() -> InputSource:
    from ..hid.evdev_source import EvdevSource

    return EvdevSource()


class KeypadPinPad(PinPad):
    """A numeric keypad on ``device`` (an event node or a /dev/input/by-id link)."""

    def __init__(
        self, device: str, *, grab: bool = True, source: InputSource | None = None
    ) -> None:
        super().__init__()
        self.device = device
        self.grab = grab
        self.description = f"keypad {device}"
        self._source = source
        self._node: InputNode | None = None
        self._reader: asyncio.Task[None] | None = None
        self._entry: PinEntry | None = None
        self._finished: asyncio.Future[EntryState] | None = None
        self._gone: PinPadUnavailable | None = None

    def _find(self, source: InputSource) -> InputDeviceInfo:
        wanted = {self.device, os.path.realpath(self.device)}
        for info in source.list_devices():
            if info.node in wanted or wanted & set(info.links):
                return info
        raise PinPadUnavailable(f"no input device at {self.device}")

    async def _open(self) -> None:
        if self._source is None:
            self._source = _default_source()
        info = self._find(self._source)
        try:
            self._node = self._source.open(info, grab=self.grab)
        except OSError as exc:
            why = "another program holds it" if exc.errno == errno.EBUSY else exc.strerror
            raise PinPadUnavailable(f"cannot open {self.device}: {why}") from None
        self._gone = None
        self._reader = asyncio.create_task(self._read_keys(self._node))

    async def _close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        if self._node is not None:
            self._node.close()
            self._node = None

    async def _read_keys(self, node: InputNode) -> None:
        """Read for as long as the pad is open; keys with no entry running are dropped."""
        try:
            while True:
                for key in keys_from_events(await node.read()):
                    self._press(key)
        except OSError as exc:
            log.warning("%s: gone (%s)", self.description, exc)
            self._gone = PinPadUnavailable(f"{self.device} was unplugged")
            if self._finished is not None and not self._finished.done():
                self._finished.set_exception(self._gone)

    def _press(self, key: PadKey) -> None:
        entry, finished = self._entry, self._finished
        if entry is None or finished is None or finished.done():
            return
        before = entry.length
        state = entry.press(key)
        if entry.length != before:
            self._digits_typed(entry.length)
        if state is not EntryState.TYPING:
            finished.set_result(state)

    async def _read_pin(self, request: PinRequest) -> PinEnvelope:
        if self._gone is not None or self._node is None:
            await self._close()
            await self._open()  # plugged back in, perhaps as another event node
        entry = self._entry = PinEntry(request.policy)
        self._finished = asyncio.get_running_loop().create_future()
        try:
            state = await self._finished
            if state is EntryState.CANCELLED:
                raise CustomerCancelled()
            return request.seal(entry.take())
        finally:
            entry.clear()
            self._entry = self._finished = None

    async def _show_message(self, text: str) -> None:
        pass  # no screen: on_display already has it

    async def _end_entry(self) -> None:
        self._display("")
