"""Scanners in the wild: layout=auto from the scans, and keypad scanners that tap NumLock."""

from __future__ import annotations

import asyncio
import time

import pytest

from drivers.hid import HidScanner, InputDeviceInfo, KeyboardTypist, MemoryInputSource
from drivers.hid.autolayout import SETTLE_AFTER, AutoLayoutDecoder
from drivers.hid.classify import load_layouts, save_layout, save_override
from drivers.hid.decoder import EV_KEY, HidDecoder
from drivers.hid.keymaps import KEY, LAYOUTS
from drivers.hotplug import list_devices
from protocol.paycode import Issuer, generate

SCANNER = InputDeviceInfo(
    node="/dev/input/event5",
    name="Honeywell Imaging & Mobility 1900",
    vendor=0x0C2E,
    product=0x0B61,
    phys="usb-0000:00:14.0-2/input0",
    uniq="SN123",
)


def tap(code: int, t: float = 0.0) -> list:
    return [(EV_KEY, code, 1, t), (EV_KEY, code, 0, t)]


def stream(layout: str, codes: list[str], *, end="enter", caps=False, keypad=False) -> list:
    """What a scanner set to ``layout`` sends for ``codes`` (CapsLock on; keypad digits with a
    NumLock tap before each code, as keypad-emulating scanners do)."""
    typist = KeyboardTypist(LAYOUTS[layout], keypad_digits=keypad)
    events: list = tap(KEY["CAPSLOCK"]) if caps else []
    for i, code in enumerate(codes):
        if keypad:
            events += tap(KEY["NUMLOCK"], i)
        events += typist.type(code, start=i, end=end)
    return events


@pytest.mark.parametrize("layout", ["us", "fr", "de"])
@pytest.mark.parametrize("end", ["enter", "kpenter", "tab"])
@pytest.mark.parametrize("caps", [False, True])
def test_auto_reads_every_layouts_codes_and_settles_on_it(layout, end, caps):
    codes = [generate(Issuer.POINTS) for _ in range(6)]
    decoder = AutoLayoutDecoder()
    got = decoder_codes(decoder, stream(layout, codes, end=end, caps=caps))
    assert [c.text for c in got] == codes
    assert decoder.settled is not None
    # US and DE type digits alike: either is right for payment codes
    assert decoder.settled.name == layout or {decoder.settled.name, layout} == {"us", "de"}
    if layout == "fr":
        assert got[0].notes == ("this scanner types AZERTY; set layout=fr or leave auto",)


def decoder_codes(decoder, events):
    found = [code for event in events if (code := decoder.feed(*event)) is not None]
    last = decoder.flush()
    return found + ([last] if last else [])


def test_keypad_digits_stay_digits_whatever_numlock_taps_the_scanner_sends():
    codes = [generate(Issuer.POINTS) for _ in range(4)]
    events = stream("us", codes, keypad=True)
    decoder = HidDecoder(LAYOUTS["us"])
    assert [c.text for c in decoder_codes(decoder, events)] == codes  # every one, not every 2nd
    assert decoder.numlock_taps == 4 and decoder.keypad_keys == 4 * 18
    assert [c.text for c in decoder_codes(AutoLayoutDecoder(), events)] == codes


def test_a_mismatched_fixed_layout_is_refused_not_guessed():
    code = generate(Issuer.POINTS)
    [read] = decoder_codes(HidDecoder(LAYOUTS["us"]), stream("fr", [code]))
    assert read.text != code and not any(ch.isdigit() for ch in read.text)  # as today


def test_a_text_that_fits_no_layout_is_passed_on_as_read_with_what_each_layout_saw():
    decoder = AutoLayoutDecoder()
    [read] = decoder_codes(decoder, stream("fr", ["azerty"]))
    assert read.text == "qwerty"  # the first layout's reading: no guess at FR
    assert read.notes[0].startswith("not a payment code on any layout (fits no keyboard layout)")
    assert "fr 'azerty'" in read.notes[0] and decoder.settled is None


def test_a_code_that_fits_no_layout_breaks_no_streak_but_another_layout_restarts_it():
    decoder = AutoLayoutDecoder()
    fr = [generate(Issuer.POINTS) for _ in range(SETTLE_AFTER - 1)]
    decoder_codes(decoder, stream("fr", fr) + stream("fr", ["hello"]))
    assert decoder.settled is None and decoder.streak == SETTLE_AFTER - 1
    decoder_codes(decoder, stream("us", [generate(Issuer.POINTS)]))
    assert decoder.streak == 1 and decoder.settled is None


async def test_the_driver_remembers_the_layout_per_device_and_lights_numlock(tmp_path):
    marks = tmp_path / "hid-devices.toml"
    save_override("0c2e:0b61:sn123", None, marks)  # a marks file as scanpay-devices leaves it
    source = MemoryInputSource([SCANNER])
    source.leds[SCANNER.node] = (False, False)
    scanner = HidScanner(SCANNER.node, source=source, layout="auto", overrides=marks)
    await scanner.open()
    try:
        await asyncio.wait_for(scanner.wait_ready(), 2)
        assert source.leds[SCANNER.node] == (True, False)  # lit: the scanner stops tapping
        codes = [generate(Issuer.POINTS) for _ in range(SETTLE_AFTER)]
        typist = KeyboardTypist(LAYOUTS["fr"])
        for code in codes:
            source.send(SCANNER.node, typist.type(code, start=time.time()))
            assert (await asyncio.wait_for(scanner.read(), 2)).text == code
    finally:
        await scanner.close()
    assert load_layouts(marks) == {"0c2e:0b61:sn123": "fr"}

    again = HidScanner(SCANNER.node, source=source, layout="auto", overrides=marks)
    await again.open()
    try:
        await asyncio.wait_for(again.wait_ready(), 2)
        source.send(SCANNER.node, typist.type("AB-12", start=time.time()))
        assert (await asyncio.wait_for(again.read(), 2)).text == "AB-12"  # read on AZERTY
    finally:
        await again.close()


def test_scanpay_devices_shows_the_layout_found_for_a_scanner(tmp_path, monkeypatch):
    monkeypatch.setenv("SCANPAY_HID_DEVICES", str(tmp_path / "hid-devices.toml"))
    save_layout("0c2e:0b61:sn123", "fr")
    [listed] = list_devices(
        input_source=MemoryInputSource([SCANNER]), serial_by_id=tmp_path / "no-serial"
    )
    assert listed.kind == (
        "scanner: made by Honeywell (Metrologic); "
        "this scanner types AZERTY; set layout=fr or leave auto"
    )
