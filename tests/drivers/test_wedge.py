"""The keyboard wedge: a scanner typing into the app told apart from a person by timing."""

import asyncio
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.hid.keymaps import LAYOUTS
from drivers.scanner import ScannerState
from drivers.urls import open_scanner
from drivers.wedge import Keystroke, WedgeCode, WedgeDecoder, WedgeScanner
from protocol.paycode import generate


def keys(text, start=0.0, interval=0.002, end="\r"):
    strokes = [Keystroke(ch, ch, start + i * interval) for i, ch in enumerate(text)]
    if end:
        strokes.append(Keystroke("enter", end, start + len(text) * interval))
    return strokes


def run(decoder, strokes, tick=0.005):
    """Feed keys, polling the clock between them as the app's timer would."""
    out = []
    now = strokes[0].timestamp if strokes else 0.0
    for stroke in strokes:
        while now + tick < stroke.timestamp:
            now += tick
            out += decoder.poll(now)
        now = stroke.timestamp
        out += decoder.feed(stroke)
    out += decoder.poll(now + 10)
    return out


@pytest.mark.parametrize("interval", [0.0, 0.001, 0.005, 0.02, 0.034])
def test_scanner_timings_give_one_scan(interval):
    code = generate()
    out = run(WedgeDecoder(), keys(code, interval=interval))
    assert len(out) == 1 and isinstance(out[0], WedgeCode)
    assert out[0].text == code and out[0].end == "\r" and len(out[0].keys) == 19


@pytest.mark.parametrize("interval", [0.05, 0.08, 0.15, 0.4])
def test_a_person_typing_an_amount_gets_every_key_back_in_order(interval):
    strokes = keys("1250.00", interval=interval)
    out = run(WedgeDecoder(), strokes)
    assert out == strokes  # all keystrokes, none a scan, Enter included


def test_short_bursts_auto_repeat_and_other_keys_are_a_person():
    decoder = WedgeDecoder()
    assert run(decoder, keys("1234", interval=0.002)) == keys("1234", interval=0.002)  # too short
    held = keys("0000000000", interval=0.03)  # a held key repeating, then Enter
    assert run(decoder, held) == held
    arrow = [*keys("811234", end=None), Keystroke("left", None, 0.013), *keys("5", start=0.014)]
    assert run(decoder, arrow) == arrow
    rolled = [Keystroke("1", "1", 0.0), Keystroke("2", "2", 0.01), *keys("3", start=0.2)]
    assert run(decoder, rolled) == rolled  # two keys rolled together, then a pause


def test_a_pause_ends_a_scan_only_when_asked():
    burst = keys("6901234567892", end=None)
    assert run(WedgeDecoder(), burst) == burst
    (code,) = run(WedgeDecoder(end_on_pause=True), burst)
    assert isinstance(code, WedgeCode) and code.text == "6901234567892" and code.end == ""


def test_a_scan_right_after_a_person_types():
    person = keys("12", interval=0.2, end=None)
    scan = keys("811234567890123452", start=0.5, interval=0.003, end="\t")
    out = run(WedgeDecoder(), person + scan)
    assert out[:2] == person and isinstance(out[2], WedgeCode) and out[2].end == "\t"


@settings(max_examples=200)
@given(
    text=st.text(alphabet="0123456789.abc", min_size=1, max_size=30),
    gaps=st.lists(st.floats(min_value=0.04, max_value=1.0), min_size=30, max_size=30),
)
def test_a_person_is_never_taken_for_a_scanner(text, gaps):
    t, strokes = 0.0, []
    for ch, gap in zip(text + "\r", gaps, strict=False):
        strokes.append(Keystroke(ch, ch, t))
        t += gap
    out = run(WedgeDecoder(), strokes)
    assert out == strokes


async def test_the_wedge_scanner_feeds_scans_and_gives_keys_back():
    given_back: list[Keystroke] = []
    scanner = open_scanner("wedge:")
    assert isinstance(scanner, WedgeScanner)
    scanner.on_keys = given_back.extend
    assert scanner.feed("1", "1") is False  # not open: keys go to the app untouched
    async with scanner:
        await asyncio.wait_for(scanner.wait_ready(), 1)
        assert scanner.status == "scanner ready: reading keys typed into the app"
        assert scanner.feed("f1", None) is False  # nothing held: the app handles it
        assert scanner.feed("enter", "\r") is False
        code = generate()
        now = time.monotonic()
        for i, ch in enumerate("]Q1" + code):
            assert scanner.feed(ch, ch, now + i * 0.001) is True
        assert scanner.feed("enter", "\r", now + 0.03) is True
        scan = await asyncio.wait_for(scanner.read(), 1)
        assert scan.text == code and scan.aim == "]Q1" and scan.device == "wedge"
        assert scan.raw == f"]Q1{code}\r".encode()
        for ch in "12":  # a cashier, at a person's pace
            assert scanner.feed(ch, ch) is True
            await asyncio.sleep(0.08)
        assert [k.character for k in given_back] == ["1", "2"]
        scanner.feed("5", "5")
    assert [k.character for k in given_back] == ["1", "2", "5"]  # close gives back what it held
    assert scanner.state is ScannerState.CLOSED


async def test_a_wedge_scanner_on_another_layout_than_the_terminals_is_read_right():
    """An AZERTY scanner typing into a US terminal: ``wedge:?layout=auto`` reads its codes."""
    code = generate()
    typed_on_us = "".join(
        LAYOUTS["us"].char(*KEYS_FR[ch]) for ch in code
    )  # what the terminal receives: the AZERTY scanner's keys, read as US
    assert typed_on_us != code
    for url, expected in (
        ("wedge:?layout=auto", code),
        ("wedge:?layout=fr", code),
        ("wedge:", typed_on_us),
    ):
        scanner = open_scanner(url)
        assert isinstance(scanner, WedgeScanner)
        async with scanner:
            await asyncio.wait_for(scanner.wait_ready(), 1)
            now = time.monotonic()
            for i, ch in enumerate(typed_on_us):
                scanner.feed(ch, ch, now + i * 0.001)
            scanner.feed("enter", "\r", now + 0.03)
            assert (await asyncio.wait_for(scanner.read(), 1)).text == expected, url
    auto = WedgeScanner(layout="auto")
    assert auto._read_as("hello") == "hello"  # fits no layout: never guessed
    assert auto.notes == ["not a payment code on any layout: read as typed 'hello'"]


KEYS_FR = {
    LAYOUTS["fr"].char(code, True, False): (code, True, False)
    for code in LAYOUTS["fr"].levels
    if LAYOUTS["fr"].char(code, True, False).isdigit()
}
