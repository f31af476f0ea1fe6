"""The USB keypad: the real key handling fed with constructed evdev event streams."""

import asyncio

import pytest
from evdev import ecodes

from drivers.hid.devices import InputDeviceInfo, MemoryInputSource
from drivers.pinpad import (
    CustomerCancelled,
    KeypadPinPad,
    PinEntryTimeout,
    PinPadUnavailable,
    open_pinpad,
)
from drivers.pinpad.entry import PadKey
from drivers.pinpad.keypad import KEYPAD_KEYS, keys_from_events

BY_ID = "/dev/input/by-id/usb-Generic_Numeric_Keypad-event-kbd"
KEYPAD = InputDeviceInfo(node="/dev/input/event7", name="Numeric Keypad", links=(BY_ID,))


def press(*names: str, repeat: bool = False) -> list[tuple[int, int, int, float]]:
    """Key down (and auto-repeat) and key up for each name, with SYN reports, as evdev reads."""
    events = []
    for name in names:
        code = ecodes.ecodes[f"KEY_{name}"]
        events.append((ecodes.EV_MSC, ecodes.MSC_SCAN, 458841, 0.0))
        events.append((ecodes.EV_KEY, code, 1, 0.0))
        events.append((ecodes.EV_SYN, 0, 0, 0.0))
        if repeat:
            events.append((ecodes.EV_KEY, code, 2, 0.0))
        events.append((ecodes.EV_KEY, code, 0, 0.0))
        events.append((ecodes.EV_SYN, 0, 0, 0.0))
    return events


def test_key_codes_are_the_kernels():
    names = {code: ecodes.KEY[code] for code in KEYPAD_KEYS}
    assert names[28] == "KEY_ENTER" and names[96] == "KEY_KPENTER"
    assert names[1] == "KEY_ESC" and names[14] == "KEY_BACKSPACE"
    for digit in "0123456789":
        assert KEYPAD_KEYS[ecodes.ecodes[f"KEY_KP{digit}"]] is PadKey.for_digit(digit)
        assert KEYPAD_KEYS[ecodes.ecodes[f"KEY_{digit}"]] is PadKey.for_digit(digit)


def test_only_key_downs_count_and_auto_repeat_does_not():
    keys = keys_from_events(press("KP1", "KP2", repeat=True) + press("A", "KPENTER"))
    assert keys == [PadKey.D1, PadKey.D2, PadKey.ENTER]


def test_a_keypad_doing_numlock_itself_still_types_digits():
    # with its NumLock off such a keypad sends End, Down, PageDown, Left, KP5, Right...
    nav = ("INSERT", "END", "DOWN", "PAGEDOWN", "LEFT", "KP5", "RIGHT", "HOME", "UP", "PAGEUP")
    assert "".join(k.value for k in keys_from_events(press(*nav))) == "0123456789"


@pytest.fixture
def source():
    return MemoryInputSource([KEYPAD])


async def typed(source, pad, request, *names):
    reading = asyncio.create_task(pad.read_pin(request))
    await asyncio.sleep(0)
    source.send(KEYPAD.node, press(*names))
    return await reading


async def test_a_pin_typed_on_the_keypad_is_sealed_at_once(source, make_request, opened):
    pad = open_pinpad(f"hid://{BY_ID}")
    assert isinstance(pad, KeypadPinPad) and pad.grab
    pad = KeypadPinPad(BY_ID, source=source)
    shown: list[str] = []
    counts: list[int] = []
    pad.on_display, pad.on_digits = shown.append, counts.append
    async with pad:
        assert source.grabbed(KEYPAD.node)  # nothing else sees the customer's keys
        request = make_request(attempts_left=2)
        envelope = await typed(
            source, pad, request, "KP9", "KP8", "KP1", "BACKSPACE", "KP7", "KP6", "KPENTER"
        )
        assert opened(envelope) == "9876"
        assert counts == [1, 2, 3, 2, 3, 4]
        assert shown == ["CNY 123.45 - Enter PIN (2 tries left)"]
    assert not source.grabbed(KEYPAD.node)


async def test_enter_too_early_is_ignored_and_esc_cancels(source, make_request):
    async with KeypadPinPad(KEYPAD.node, source=source) as pad:
        with pytest.raises(CustomerCancelled):
            await typed(source, pad, make_request(), "KP1", "KP2", "KPENTER", "ESC")


async def test_keys_pressed_between_prompts_do_not_count(source, make_request, opened):
    async with KeypadPinPad(KEYPAD.node, source=source) as pad:
        source.send(KEYPAD.node, press("KP5", "KP5"))
        await asyncio.sleep(0.01)
        assert (
            opened(await typed(source, pad, make_request(), "1", "2", "3", "4", "ENTER")) == "1234"
        )


async def test_timeout_and_nobody_types(source, make_request):
    async with KeypadPinPad(KEYPAD.node, source=source) as pad:
        with pytest.raises(PinEntryTimeout):
            await pad.read_pin(make_request(timeout=0.05))


async def test_unplugged_then_plugged_back(source, make_request, opened):
    async with KeypadPinPad(BY_ID, source=source) as pad:
        reading = asyncio.create_task(pad.read_pin(make_request()))
        await asyncio.sleep(0)
        source.unplug(KEYPAD.node)
        with pytest.raises(PinPadUnavailable) as info:
            await reading
        assert "unplugged" in str(info.value)
        with pytest.raises(PinPadUnavailable, match="no input device at"):
            await pad.read_pin(make_request())
        source.plug(
            InputDeviceInfo(node="/dev/input/event9", name="Numeric Keypad", links=(BY_ID,))
        )
        reading = asyncio.create_task(pad.read_pin(make_request()))
        await asyncio.sleep(0.01)
        source.send("/dev/input/event9", press("KP2", "KP4", "KP6", "KP8", "KPENTER"))
        assert opened(await reading) == "2468"


async def test_a_keypad_held_by_another_program(source):
    other = source.open(KEYPAD, grab=True)
    with pytest.raises(PinPadUnavailable, match="another program holds it"):
        await KeypadPinPad(KEYPAD.node, source=source).open()
    other.close()
    with pytest.raises(PinPadUnavailable, match="no input device at /dev/input/event1"):
        await KeypadPinPad("/dev/input/event1", source=source).open()
