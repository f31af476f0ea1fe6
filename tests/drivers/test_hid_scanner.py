"""The HID driver over the in-memory input source: grab, discovery, ENODEV, scanner vs keyboard."""

import asyncio
import dataclasses
import time

import pytest

from drivers.hid import (
    DeviceKind,
    HidScanner,
    InputDeviceInfo,
    KeyboardTypist,
    MemoryInputSource,
    judge_device,
    save_override,
)
from drivers.hid.classify import load_overrides, overrides_path, typed_by_scanner
from drivers.hid.decoder import DecodedCode
from drivers.hid.keymaps import LAYOUTS
from drivers.scanner import ScannerError, ScannerState
from drivers.urls import DeviceUrlError, open_scanner
from protocol.paycode import generate

BY_ID = "/dev/input/by-id/usb-Honeywell_Imaging_1900_SN123-event-kbd"
SCANNER_KBD = InputDeviceInfo(
    node="/dev/input/event5",
    name="Honeywell Imaging & Mobility 1900",
    vendor=0x0C2E,
    product=0x0B61,
    phys="usb-0000:00:14.0-2/input0",
    uniq="SN123",
    links=(BY_ID,),
)
SCANNER_EXTRA = InputDeviceInfo(
    node="/dev/input/event6",
    name="Honeywell Imaging & Mobility 1900 Consumer Control",
    vendor=0x0C2E,
    product=0x0B61,
    phys="usb-0000:00:14.0-2/input1",
    uniq="SN123",
    keyboard=False,
)
KEYBOARD = InputDeviceInfo(
    node="/dev/input/event3",
    name="Logitech USB Keyboard",
    vendor=0x046D,
    product=0xC31C,
    phys="usb-0000:00:14.0-1/input0",
)
NONAME_SCANNER = InputDeviceInfo(
    node="/dev/input/event8",
    name="USB Keyboard",
    vendor=0x1A2C,
    product=0x0E24,
    phys="usb-0000:00:14.0-3/input0",
)
US = KeyboardTypist(LAYOUTS["us"])


def typed(text, gap=0.002, start=None, typist=US):
    return typist.type(text, start=time.time() if start is None else start, gap=gap)


async def next_scan(scanner):
    return await asyncio.wait_for(scanner.read(), 2)


async def ready(scanner):
    await asyncio.wait_for(scanner.wait_ready(), 2)


async def test_a_path_grabs_every_node_of_the_device_and_reads_scans():
    source = MemoryInputSource([SCANNER_KBD, SCANNER_EXTRA, KEYBOARD])
    code = generate()
    async with HidScanner(BY_ID, source=source) as scanner:
        await ready(scanner)
        assert source.grabbed(SCANNER_KBD.node) and source.grabbed(SCANNER_EXTRA.node)
        assert not source.grabbed(KEYBOARD.node) and not source.opened.get(KEYBOARD.node)
        assert scanner.status == f"scanner ready: {BY_ID}"
        before = time.monotonic()
        source.send(SCANNER_KBD.node, typed("]Q1" + code))
        scan = await next_scan(scanner)
        assert (scan.text, scan.aim, scan.device) == (code, "]Q1", BY_ID)
        assert scan.raw == f"]Q1{code}\r".encode() and scan.timestamp >= before
    assert not source.grabbed(SCANNER_KBD.node) and not source.grabbed(SCANNER_EXTRA.node)


async def test_the_event_node_path_works_too_and_the_layout_applies():
    source = MemoryInputSource([SCANNER_KBD])
    azerty = KeyboardTypist(LAYOUTS["fr"])
    async with open_scanner(f"hid://{SCANNER_KBD.node}?layout=fr") as scanner:
        assert isinstance(scanner, HidScanner)
        scanner.source = source
        await ready(scanner)
        source.send(SCANNER_KBD.node, typed("12345", typist=azerty))
        assert (await next_scan(scanner)).text == "12345"


async def test_a_gap_ends_a_code_when_the_scanner_sends_no_end_key():
    source = MemoryInputSource([SCANNER_KBD])
    async with HidScanner(BY_ID, source=source, gap=0.03) as scanner:
        await ready(scanner)
        source.send(SCANNER_KBD.node, US.type("8112", start=time.time(), end=None))
        scan = await next_scan(scanner)
        assert scan.text == "8112" and scan.raw == b"8112"


async def test_enodev_mid_code_drops_it_and_finds_the_same_device_again():
    source = MemoryInputSource([SCANNER_KBD, SCANNER_EXTRA, KEYBOARD])
    code = generate()
    states = []
    scanner = HidScanner(BY_ID, source=source, retry_min=0.01, retry_max=0.02)
    scanner.add_state_listener(lambda state, detail: states.append((state, detail)))
    async with scanner:
        await ready(scanner)
        source.send(SCANNER_KBD.node, US.type("99999", end=None, start=time.time()))
        await asyncio.sleep(0.01)
        source.unplug(SCANNER_KBD.node)
        source.unplug(SCANNER_EXTRA.node)
        await asyncio.wait_for(scanner.wait_for_state(ScannerState.ERROR), 2)
        assert scanner.detail == f"no input device at {BY_ID} (unplugged?)"
        assert not source.opened.get(SCANNER_KBD.node)  # every node released
        # back on another event node, without its by-id link yet: same serial number
        back = dataclasses.replace(SCANNER_KBD, node="/dev/input/event9", links=())
        source.plug(back)
        await ready(scanner)
        assert source.grabbed(back.node)
        source.send(back.node, typed(code))
        assert (await next_scan(scanner)).text == code  # not "99999" + code
    kinds = [state for state, _ in states]
    assert kinds[:4] == [
        ScannerState.CONNECTING,
        ScannerState.READY,
        ScannerState.DISCONNECTED,
        ScannerState.CONNECTING,
    ]
    assert states[2][1] == f"{BY_ID}: device went away"


async def test_another_device_with_the_same_ids_is_not_taken_for_it():
    source = MemoryInputSource([SCANNER_KBD])
    async with HidScanner(BY_ID, source=source, retry_min=0.01) as scanner:
        await ready(scanner)
        source.unplug(SCANNER_KBD.node)
        await asyncio.wait_for(scanner.wait_for_state(ScannerState.ERROR), 2)
        other = dataclasses.replace(SCANNER_KBD, node="/dev/input/event9", uniq="SN999", links=())
        source.plug(other)
        await asyncio.sleep(0.1)
        assert scanner.state is not ScannerState.READY and not source.opened.get(other.node)


async def test_auto_grabs_known_scanners_and_never_reads_a_person_as_a_scan():
    source = MemoryInputSource([KEYBOARD, SCANNER_KBD, SCANNER_EXTRA])
    code = generate()
    async with open_scanner("hid:") as scanner:
        assert isinstance(scanner, HidScanner)
        scanner.source = source
        await ready(scanner)
        assert source.grabbed(SCANNER_KBD.node) and source.grabbed(SCANNER_EXTRA.node)
        assert not source.grabbed(KEYBOARD.node)  # watched, not grabbed: the cashier types on
        # a cashier types an amount while the scanner reads a code, interleaved in time
        t = time.time()
        person = US.type("1250", start=t, gap=0.15)
        gun = US.type(code, start=t + 0.1, gap=0.002)
        merged = sorted([(e, "k") for e in person] + [(e, "s") for e in gun], key=lambda x: x[0][3])
        for event, who in merged:
            source.send(KEYBOARD.node if who == "k" else SCANNER_KBD.node, [event])
        assert (await next_scan(scanner)).text == code
        await asyncio.sleep(0.05)
        assert scanner._queue.empty()  # "1250" was not a scan


async def test_an_unknown_keyboard_typing_like_a_scanner_is_read_then_grabbed():
    source = MemoryInputSource([KEYBOARD, NONAME_SCANNER])
    code = generate()
    async with HidScanner(source=source) as scanner:
        await ready(scanner)
        assert scanner.detail == "waiting for a scanner to type"
        source.send(NONAME_SCANNER.node, typed("4711", gap=0.2))  # a person: ignored
        source.send(NONAME_SCANNER.node, typed(code, gap=0.004))  # a scanner's speed
        scan = await next_scan(scanner)
        assert scan.text == code and scan.device == NONAME_SCANNER.node
        assert source.grabbed(NONAME_SCANNER.node) and not source.grabbed(KEYBOARD.node)
        assert scanner.detail == NONAME_SCANNER.node
        source.send(NONAME_SCANNER.node, typed("12", gap=0.05))  # grabbed: all it types counts
        assert (await next_scan(scanner)).text == "12"


async def test_the_manual_override_decides_first(tmp_path):
    path = save_override(NONAME_SCANNER.override_key, DeviceKind.SCANNER)
    save_override(SCANNER_KBD.ids, DeviceKind.KEYBOARD)
    assert path == overrides_path() == tmp_path / "hid-devices.toml"
    assert '"1a2c:0e24" = "scanner"' in path.read_text()
    source = MemoryInputSource([NONAME_SCANNER, SCANNER_KBD])
    async with HidScanner(source=source) as scanner:
        await ready(scanner)
        assert source.grabbed(NONAME_SCANNER.node)
        assert not source.opened.get(SCANNER_KBD.node)  # marked keyboard: left alone
    save_override(SCANNER_KBD.ids, None)
    assert load_overrides() == {"1a2c:0e24": DeviceKind.SCANNER}


def test_judging_devices():
    assert judge_device(SCANNER_KBD, {}).kind is DeviceKind.SCANNER
    assert "Honeywell" in judge_device(SCANNER_KBD, {}).reason
    named = InputDeviceInfo(node="/dev/input/event1", name="NETUM Barcode Scanner", vendor=0x1234)
    assert judge_device(named, {}).reason == "its name says 'barcode'"
    assert judge_device(KEYBOARD, {}).kind is DeviceKind.UNKNOWN
    assert judge_device(KEYBOARD, {"046d:c31c": DeviceKind.KEYBOARD}).kind is DeviceKind.KEYBOARD
    fast = DecodedCode("81123456", "enter", 0.0, 0.014, (0.002,) * 7)
    slow = DecodedCode("81123456", "enter", 0.0, 0.7, (0.1,) * 7)
    burst = DecodedCode("12", "enter", 0.0, 0.002, (0.002,))
    assert typed_by_scanner(fast) and not typed_by_scanner(slow) and not typed_by_scanner(burst)


def test_a_broken_override_file_is_reported(tmp_path):
    overrides_path().write_text("[devices]\n'x' = 'printer'\n")
    with pytest.raises(ScannerError, match='must map device ids to "scanner" or "keyboard"'):
        load_overrides()
    overrides_path().write_text("[devices\n")
    with pytest.raises(ScannerError, match="cannot read the HID device overrides in"):
        load_overrides()


async def test_no_scanner_and_a_busy_device_are_reported_in_plain_words():
    source = MemoryInputSource([KEYBOARD])
    async with HidScanner(source=source) as scanner:
        await asyncio.wait_for(scanner.wait_for_state(ScannerState.READY), 2)
    async with HidScanner(source=MemoryInputSource([]), retry_min=0.01) as scanner:
        await asyncio.wait_for(scanner.wait_for_state(ScannerState.ERROR), 2)
        assert "no barcode scanner found among the input devices" in scanner.detail
    busy = MemoryInputSource([SCANNER_KBD])
    busy.open(SCANNER_KBD, grab=True)
    async with HidScanner(BY_ID, source=busy) as scanner:
        await asyncio.wait_for(scanner.wait_for_state(ScannerState.ERROR), 2)
        assert scanner.detail == f"{SCANNER_KBD.node} is grabbed by another program"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("hid:?layout=dvorak", "layout takes one of us, fr, de"),
        ("hid:?end=enter,space", "unknown end key 'space'"),
        ("hid:?gap=-1", "gap takes a whole number"),
    ],
)
def test_bad_hid_urls(url, says):
    with pytest.raises(DeviceUrlError) as caught:
        open_scanner(url)
    assert says in str(caught.value)


async def test_on_this_machine_without_dev_input_the_evdev_source_finds_nothing(tmp_path):
    from drivers.hid.evdev_source import EvdevSource, _links

    assert EvdevSource().list_devices() == []
    async with open_scanner("hid:") as scanner:
        await asyncio.wait_for(scanner.wait_for_state(ScannerState.ERROR), 2)
        assert "no barcode scanner found" in scanner.status
    (tmp_path / "event4").touch()
    (tmp_path / "by-id").mkdir()
    (tmp_path / "by-id" / "usb-X-event-kbd").symlink_to(tmp_path / "event4")
    links = _links(tmp_path / "by-id")
    assert links == {str(tmp_path / "event4"): (str(tmp_path / "by-id" / "usb-X-event-kbd"),)}


async def test_a_scanner_plugged_in_later_is_taken_in_without_a_restart():
    source = MemoryInputSource([KEYBOARD])
    code = generate()
    async with HidScanner(source=source, rescan=0.01) as scanner:
        await ready(scanner)
        assert scanner.detail == "waiting for a scanner to type"
        source.plug(SCANNER_KBD)
        source.plug(SCANNER_EXTRA)
        for _ in range(200):
            if source.grabbed(SCANNER_KBD.node):
                break
            await asyncio.sleep(0.01)
        assert source.grabbed(SCANNER_KBD.node) and source.grabbed(SCANNER_EXTRA.node)
        assert scanner.detail == BY_ID
        source.send(SCANNER_KBD.node, typed(code))
        assert (await next_scan(scanner)).text == code
        source.unplug(KEYBOARD.node)  # a watched keyboard leaves: the scanner reads on
        await asyncio.sleep(0.05)
        assert scanner.state is ScannerState.READY
        source.send(SCANNER_KBD.node, typed(code))
        assert (await next_scan(scanner)).text == code
