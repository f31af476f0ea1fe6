import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.pinpad.frames import (
    ACK,
    NAK,
    Ack,
    BadFrame,
    Frame,
    FrameDecoder,
    Nak,
    encode_frame,
    lrc,
)


def test_frame_layout_and_lrc_match_the_protocol_document():
    # PROTOCOL.md's example: HELLO version 1 with SEQ 0
    assert encode_frame(0, "H", ["1"]) == bytes.fromhex("02 30 48 31 03 4A")
    assert lrc(b"0H1\x03") == 0x4A


def test_fields_are_separated_by_fs():
    (frame,) = FrameDecoder().feed(encode_frame(1, "E", ["7", "abc", "", "x y"]))
    assert frame == Frame(1, "E", b"7\x1cabc\x1c\x1cx y")
    assert isinstance(frame, Frame)
    assert frame.fields() == ["7", "abc", "", "x y"]


def test_unicode_text_travels():
    (frame,) = FrameDecoder().feed(encode_frame(0, "M", ["支付成功 Paid"]))
    assert isinstance(frame, Frame)
    assert frame.fields() == ["支付成功 Paid"]


def test_byte_by_byte_with_noise_ack_and_nak_between_frames():
    stream = b"\xff\x00" + encode_frame(0, "K", ["1", "3"]) + bytes([ACK]) + b"zz"
    stream += bytes([NAK]) + encode_frame(1, "C")
    decoder = FrameDecoder()
    events = [event for byte in stream for event in decoder.feed(bytes([byte]))]
    assert events == [Frame(0, "K", b"1\x1c3"), Ack(), Nak(), Frame(1, "C", b"")]


def test_a_flipped_bit_is_a_bad_frame():
    good = bytearray(encode_frame(0, "M", ["Paid"]))
    good[4] ^= 0x01
    assert FrameDecoder().feed(bytes(good)) == [BadFrame("LRC mismatch")]


def test_the_lrc_of_a_damaged_frame_is_never_taken_for_an_ack():
    # a control byte inside the data damages the frame; its LRC byte happens to be ACK
    body = b"0M\x01\x03"
    check = lrc(body)
    padding = bytes([check ^ ACK])  # choose one more data byte so the LRC becomes ACK
    body = b"0M\x01" + padding + b"\x03"
    assert lrc(body) == ACK
    events = FrameDecoder().feed(b"\x02" + body + bytes([ACK]))
    assert events == [BadFrame("control byte inside a frame")]


def test_a_new_stx_cuts_a_partial_frame_short():
    partial = encode_frame(0, "M", ["lost"])[:5]
    events = FrameDecoder().feed(partial + encode_frame(1, "C"))
    assert events == [BadFrame("frame cut short by a new STX"), Frame(1, "C", b"")]


def test_a_stalled_frame_is_dropped_after_the_inter_byte_timeout():
    decoder = FrameDecoder(inter_byte_timeout=0.5)
    frame = encode_frame(0, "C")
    assert decoder.feed(frame[:3], now=10.0) == []
    assert decoder.in_frame
    assert decoder.feed(frame, now=11.0) == [
        BadFrame("frame stalled before its end"),
        Frame(0, "C"),
    ]


def test_an_endless_frame_is_dropped():
    decoder = FrameDecoder()
    events = decoder.feed(b"\x020M" + b"x" * 5000)
    assert events == [BadFrame("frame too long")]
    assert decoder.feed(encode_frame(1, "C")) == [Frame(1, "C")]


def test_bad_sequence_or_command_bytes_are_bad_frames():
    for body in (b"2M\x03", b"0m\x03", b"\x03"):
        assert isinstance(FrameDecoder().feed(b"\x02" + body + bytes([lrc(body)]))[0], BadFrame)


def test_encode_refuses_what_the_protocol_cannot_carry():
    for seq, command, fields in (
        (2, "M", []),
        (0, "m", []),
        (0, "M", ["a\nb"]),
        (0, "M", ["x" * 3000]),
    ):
        with pytest.raises(ValueError):
            encode_frame(seq, command, fields)


texts = st.text(
    alphabet=st.characters(min_codepoint=0x20, blacklist_characters="\x7f", max_codepoint=0x2FFF),
    max_size=30,
)


@given(
    frames=st.lists(
        st.tuples(st.integers(0, 1), st.sampled_from("HIPMCKEXF"), st.lists(texts, max_size=4)),
        max_size=5,
    ),
    cut=st.integers(1, 7),
)
def test_any_frames_split_anywhere_come_out_whole(frames, cut):
    stream = b"".join(encode_frame(s, c, f) for s, c, f in frames)
    decoder = FrameDecoder()
    events: list[Frame] = []
    for i in range(0, len(stream), cut):
        for event in decoder.feed(stream[i : i + cut]):
            assert isinstance(event, Frame)
            events.append(event)
    assert [(e.seq, e.command, e.fields()) for e in events] == [
        (s, c, f or [""]) for s, c, f in frames
    ]
