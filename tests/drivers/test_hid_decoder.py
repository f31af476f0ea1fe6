"""The HID decoder over constructed and recorded event streams: modifiers, layouts, ends."""

import random
from pathlib import Path

import pytest

from drivers.hid.decoder import EV_KEY, EV_LED, HidDecoder
from drivers.hid.keymaps import KEY, LAYOUTS, layout_named
from drivers.hid.recording import format_evtest, parse_evtest
from drivers.hid.typist import KeyboardTypist
from protocol.paycode import generate

US, FR, DE = LAYOUTS["us"], LAYOUTS["fr"], LAYOUTS["de"]
KEY_1, KEY_2, KEY_A, KEY_Q, KEY_E, KEY_0 = 2, 3, 30, 16, 18, 11
KP1, KP2 = 79, 80


def press(code, t=0.0):
    return [(EV_KEY, code, 1, t), (EV_KEY, code, 0, t)]


def hold(modifiers, code, t=0.0):
    down = [(EV_KEY, m, 1, t) for m in modifiers]
    up = [(EV_KEY, m, 0, t) for m in modifiers]
    return down + press(code, t) + up


def decode(layout, events, **options):
    decoder = HidDecoder(layout, **options)
    codes = decoder.feed_all(events)
    return [c.text for c in codes], decoder


ENTER = press(KEY["ENTER"])

TEXTS = {
    "us": ["811234567890123452", "Hello, World!", "a@b.c #1 $%&/()=?", "]C1010\x1d10AB", "~`{}|"],
    "fr": ["811234567890123452", "Hello, World!", "a@b.c #1 $%&/()=?", "]C1010\x1d10AB", "é^ê€£µ§"],
    "de": [
        "811234567890123452",
        "Hello, World!",
        "a@b.c #1 $%&/()=?",
        "]C1010\x1d10AB",
        "äöüßÄ°€µ{}",
    ],
}


@pytest.mark.parametrize("name", ["us", "fr", "de"])
def test_every_layout_reads_back_what_a_scanner_set_to_it_types(name):
    layout = layout_named(name)
    typist = KeyboardTypist(layout)
    events = [e for text in TEXTS[name] for e in typist.type(text)]
    texts, decoder = decode(layout, events)
    assert texts == TEXTS[name]
    assert decoder.unmapped == 0


def test_azerty_digits_need_shift_and_a_us_decoder_gets_them_wrong():
    events = KeyboardTypist(FR).type("12345")
    assert events[1] == (EV_KEY, KEY["LEFTSHIFT"], 1, 0.0)  # digits are Shift + the top row
    assert decode(FR, events)[0] == ["12345"]
    assert decode(US, events)[0] == ["!@#$%"]  # the classic misread, caught by choosing a layout
    assert decode(US, KeyboardTypist(FR).type("12", end=None) + ENTER)[0] == ["!@"]
    assert decode(FR, press(KEY_1) + press(KEY_2) + ENTER)[0] == ["&é"]  # unshifted


def test_shift_left_right_and_held_across_keys():
    shift_a = hold([KEY["RIGHTSHIFT"]], KEY_A)
    held = [(EV_KEY, KEY["LEFTSHIFT"], 1, 0), *press(KEY_A), *press(KEY_1)]
    held += [(EV_KEY, KEY["LEFTSHIFT"], 0, 0), *press(KEY_A)]
    assert decode(US, shift_a + held + ENTER)[0] == ["AA!a"]


def test_capslock_acts_on_letters_only_and_follows_the_leds():
    caps = press(KEY["CAPSLOCK"])
    events = caps + press(KEY_A) + press(KEY_1) + hold([KEY["LEFTSHIFT"]], KEY_A) + ENTER
    assert decode(US, events)[0] == ["A1a"]
    # on AZERTY CapsLock does not give digits: the top row still needs Shift
    assert decode(FR, caps + press(KEY_1) + hold([KEY["LEFTSHIFT"]], KEY_1) + ENTER)[0] == ["&1"]
    led_on = [(EV_LED, 1, 1, 0.0)]
    assert decode(US, led_on + press(KEY_A) + ENTER)[0] == ["A"]
    assert decode(US, press(KEY_A) + ENTER, capslock=True)[0] == ["A"]


def test_numlock_and_keypad_digits():
    keypad = KeyboardTypist(US, keypad_digits=True).type("8112")
    assert {code for _, code, _, _ in keypad} & {KP1, KP2}
    assert decode(US, keypad)[0] == ["8112"]
    texts, decoder = decode(US, keypad, numlock=False)  # keypad digits become arrows: nothing
    assert texts == [] and decoder.unmapped == 4
    toggled = press(KEY["NUMLOCK"]) + press(KP1) + press(KEY["NUMLOCK"]) + press(KP2) + ENTER
    # a scanner's NumLock taps never turn keypad digits into arrows (numlock=on, the default)
    texts, decoder = decode(US, toggled)
    assert texts == ["12"] and decoder.numlock_taps == 2 and decoder.keypad_keys == 2
    assert decode(US, [(EV_LED, 0, 0, 0.0), *press(KP1), *ENTER])[0] == ["1"]
    # numlock=off: NumLock starts off and follows the taps and the LED
    assert decode(US, toggled, numlock=False)[0] == ["1"]
    assert decode(US, [(EV_LED, 0, 1, 0.0), *press(KP1), *ENTER], numlock=False)[0] == ["1"]
    assert decode(DE, press(KP1) + press(KEY["KPDOT"]) + press(KP2) + ENTER)[0] == ["1,2"]


def test_altgr():
    altgr = KEY["RIGHTALT"]
    assert decode(DE, hold([altgr], KEY_Q) + hold([altgr], KEY_E) + ENTER)[0] == ["@€"]
    assert decode(FR, hold([altgr], KEY_0) + ENTER)[0] == ["@"]
    assert decode(US, hold([altgr], KEY_A) + ENTER)[0] == []  # no third level on US


def test_ctrl_gives_control_characters_and_ctrl_m_ends_a_code():
    ctrl = KEY["LEFTCTRL"]
    gs1 = press(KEY_1) + hold([ctrl], 27) + press(KEY_2) + hold([ctrl], 50)  # Ctrl+], Ctrl+M
    texts, _ = decode(US, gs1)
    assert texts == ["1\x1d2"]
    assert decode(US, hold([ctrl], KEY_1) + ENTER)[0] == []  # Ctrl+digit: nothing


def test_left_alt_and_meta_are_shortcuts_not_text():
    assert decode(US, hold([KEY["LEFTALT"]], KEY_A) + press(KEY_A) + ENTER)[0] == ["a"]
    assert decode(US, hold([KEY["LEFTMETA"]], KEY_A) + ENTER)[0] == []


def test_dead_keys():
    circ = 26  # ^ on AZERTY, a dead key
    space = KEY["SPACE"]
    events = press(circ) + press(KEY_E) + press(circ) + press(space) + press(circ)
    events += press(circ) + press(KEY_1) + ENTER
    # circ then "&" does not compose: both come out
    events2 = press(circ) + hold([KEY["LEFTSHIFT"]], KEY_1) + press(circ) + ENTER
    assert decode(FR, events)[0] == ["ê^^&"]
    assert decode(FR, events2)[0] == ["^1^"]


@pytest.mark.parametrize("end", ["enter", "kpenter", "tab"])
def test_each_end_key_ends_a_code(end):
    events = KeyboardTypist(US).type("123", end=end) + KeyboardTypist(US).type("456", end=end)
    texts, _ = decode(US, events)
    assert texts == ["123", "456"]
    codes = HidDecoder(US).feed_all(events)
    assert (
        codes[0].ended_by == end and codes[0].raw == ("123\t" if end == "tab" else "123\r").encode()
    )


def test_end_keys_can_be_limited():
    events = KeyboardTypist(US).type("12", end="tab") + KeyboardTypist(US).type("34")
    assert decode(US, events, end_keys=("enter",))[0] == ["1234"]


def test_an_inter_key_gap_ends_a_code():
    typist = KeyboardTypist(US)
    events = typist.type("111", start=0.0, end=None) + typist.type("222", start=0.5, end=None)
    decoder = HidDecoder(US, gap=0.1)
    codes = decoder.feed_all(events)
    assert [c.text for c in codes] == ["111"] and codes[0].ended_by == "gap"
    last = decoder.flush()
    assert last is not None and last.text == "222" and last.raw == b"222"
    assert decoder.flush() is None
    assert HidDecoder(US, gap=None).feed_all(events) == []  # gaps off: one long code pending


def test_autorepeat_counts_and_releases_do_not():
    events = [(EV_KEY, KEY_A, 1, 0), (EV_KEY, KEY_A, 2, 0.3), (EV_KEY, KEY_A, 0, 0.35), *ENTER]
    assert decode(US, events, gap=None)[0] == ["aa"]


def test_reset_drops_the_unfinished_code_and_the_modifiers():
    decoder = HidDecoder(US)
    decoder.feed_all([(EV_KEY, KEY["LEFTSHIFT"], 1, 0), *press(KEY_A)])
    assert decoder.reset() == "A"
    assert [c.text for c in decoder.feed_all(press(KEY_A) + ENTER)] == ["a"]


def test_timing_of_a_code():
    (code,) = HidDecoder(US).feed_all(KeyboardTypist(US).type("1234", start=10.0, gap=0.002))
    assert code.first == 10.0 and code.end == pytest.approx(10.008)
    assert code.intervals == pytest.approx((0.002, 0.002, 0.002))


def test_ten_thousand_random_scans_at_2ms_with_zero_errors():
    rng = random.Random(7)
    codes = ["".join(rng.choice("0123456789") for _ in range(18)) for _ in range(10_000)]
    typist = KeyboardTypist(FR)  # AZERTY: every digit is Shift + key, the hardest case
    t = 0.0
    events = []
    for code in codes:
        events += typist.type(code, start=t, gap=0.002)
        t += 19 * 0.002 + 0.002  # the next scan follows straight away
    decoder = HidDecoder(FR)
    got = [c.text for c in decoder.feed_all(events)]
    assert len(got) == 10_000
    assert got == codes


def test_a_recorded_evtest_stream():
    path = Path(__file__).parent / "data" / "evtest-azerty-scanner.txt"
    events = parse_evtest(path.read_text())
    (code,) = HidDecoder(FR).feed_all(events)
    assert code.text == "]C0811234567890123452" and code.ended_by == "enter"
    assert HidDecoder(US).feed_all(events)[0].text != code.text
    again = parse_evtest(format_evtest(events))
    assert [c.text for c in HidDecoder(FR).feed_all(again)] == [code.text]


def test_typist_refuses_what_a_layout_cannot_type():
    assert not KeyboardTypist(US).can_type("é")
    assert KeyboardTypist(FR).can_type("é")
    with pytest.raises(ValueError, match="cannot be typed on the us layout"):
        KeyboardTypist(US).type("ß")
    assert generate()  # codes of ours are digits: every layout can type them
