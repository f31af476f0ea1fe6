"""The serial framer, fed bytes directly with a clock of our own."""

import pytest

from drivers.framing import ScanFramer, clean_text, parse_bytes_option


def bodies(frames):
    return [f.body for f in frames]


@pytest.mark.parametrize(
    ("suffix", "stream"),
    [
        (b"\r", b"111\r222\r"),
        (b"\n", b"111\n222\n"),
        (b"\r\n", b"111\r\n222\r\n"),
        (b"\t", b"111\t222\t"),
        (b"<END>", b"111<END>222<END>"),
        (b"auto", b"111\r\n222\n"),
        (b"auto", b"111\r222\r\n\r\n"),
    ],
)
def test_each_suffix_cuts_codes(suffix, stream):
    framer = ScanFramer(suffix=suffix)
    assert bodies(framer.data_received(stream, 0.0)) == [b"111", b"222"]
    assert framer.pending == b"" and framer.dropped == 0


def test_crlf_suffix_keeps_a_lone_cr_inside_the_code():
    framer = ScanFramer(suffix=b"\r\n")
    assert bodies(framer.data_received(b"a\rb\r\n", 0.0)) == [b"a\rb"]


def test_bytes_split_anywhere_give_the_same_codes():
    stream = b"]Q1811234567890123452\r\n6901234567892\r\n"
    for cut in range(1, len(stream)):
        framer = ScanFramer(suffix=b"\r\n")
        got = framer.data_received(stream[:cut], 0.0) + framer.data_received(stream[cut:], 0.001)
        assert bodies(got) == [b"]Q1811234567890123452", b"6901234567892"], cut


def test_raw_keeps_prefix_and_suffix_and_end_is_the_last_byte_time():
    framer = ScanFramer(suffix=b"\r", prefix=b"\x02")
    assert framer.data_received(b"\x0212", 1.0) == []
    (frame,) = framer.data_received(b"3\r", 1.5)
    assert frame.body == b"123" and frame.raw == b"\x02123\r" and frame.end == 1.5


def test_idle_gap_framing():
    framer = ScanFramer(suffix=None, gap=0.05)
    assert framer.data_received(b"111", 0.0) == []
    assert framer.data_received(b"222", 0.02) == []  # still the same code
    assert framer.deadline() == pytest.approx(0.07)
    assert framer.idle(0.06) == []
    (frame,) = framer.idle(0.07)
    assert frame.body == b"111222" and frame.end == 0.02
    framer.data_received(b"333", 1.0)
    # a byte after a long pause first ends the previous code
    assert bodies(framer.data_received(b"444", 1.2)) == [b"333"]
    assert framer.pending == b"444"


def test_unfinished_code_is_dropped_after_the_timeout_never_merged():
    framer = ScanFramer(suffix=b"\r", timeout=0.5)
    framer.data_received(b"81123", 0.0)  # cable pulled mid-code
    assert framer.deadline() == 0.5
    assert bodies(framer.data_received(b"6901234567892\r", 0.6)) == [b"6901234567892"]
    assert framer.dropped == 1
    framer.data_received(b"999", 1.0)
    assert framer.reset() == b"999" and framer.pending == b""


def test_prefix_resynchronises_after_noise():
    framer = ScanFramer(suffix=b"\r", prefix=b"SP:")
    got = framer.data_received(b"\x00\xffnoiseSP:123\rjunk\rSP:456\r", 0.0)
    assert bodies(got) == [b"123", b"456"]
    assert framer.dropped == 2  # the noise before a prefix, and a frame without one


def test_endless_noise_is_bounded():
    framer = ScanFramer(suffix=b"\r", max_length=64)
    framer.data_received(b"x" * 100, 0.0)
    assert framer.pending == b"" and framer.dropped == 1
    assert bodies(framer.data_received(b"ok\r", 0.0)) == [b"ok"]


def test_clean_text_drops_noise_keeps_gs1_separators():
    assert clean_text(b"\x00\xff81\x1b12\x7f3\x80") == "81123"
    assert clean_text(b"]C1010123\x1d10ABC") == "]C1010123\x1d10ABC"
    assert clean_text("付款码".encode()) == "付款码"
    assert clean_text("付款码".encode("gb18030"), "gb18030") == "付款码"


def test_prefix_and_suffix_options():
    assert parse_bytes_option("hex:0d0a") == b"\r\n"
    assert parse_bytes_option("END") == b"END"
    with pytest.raises(ValueError):
        ScanFramer(suffix=b"")
