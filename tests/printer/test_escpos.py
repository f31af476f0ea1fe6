"""The bytes: python-escpos encodes a document, the emulator's parser reads it back, whole or split;
the real-time status answers become states with plain words."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.camera import decode
from drivers.printer import Align, Barcode, Document, Paper, PrinterGarbage, QrCode, Rule, Text
from drivers.printer.encode import code128_data, drawer_pulse, escpos_bytes
from drivers.printer.parser import EscPosParser
from drivers.printer.status import DrawerState, PrinterState, parse_status, status_byte

NUMBER = "P26120415300000014a3f"
RECEIPT = Document(
    (
        Text("SALE", bold=True, big=True, align=Align.CENTER),
        Text("合计 Total", small=True),
        Text("CNY 12.50", align=Align.RIGHT),
        Rule(),
        Barcode(NUMBER),
        QrCode(NUMBER),
    ),
    columns=48,
)


def events_of(data: bytes, chunk: int | None = None):
    parser = EscPosParser()
    step = chunk or len(data)
    events = []
    for i in range(0, len(data), step):
        events += parser.feed(data[i : i + step])
    return parser, [(e.kind, e.value) for e in events if e.kind not in ("style", "newline")]


@pytest.mark.parametrize("chunk", [None, 1, 7])
def test_a_receipt_in_gb18030_reads_back_the_same_whole_or_split(chunk):
    data = escpos_bytes(RECEIPT, Paper(80)) + drawer_pulse(5)
    parser, events = events_of(data, chunk)
    assert parser.garbage == 0
    texts = "".join(str(v) for k, v in events if k == "text")
    assert "SALE" in texts and "合计 Total" in texts and "CNY 12.50" in texts
    assert ("barcode", NUMBER) in events and ("qr", NUMBER) in events
    assert events[-2:] == [("cut", ""), ("drawer", 5)]


def test_raster_chinese_sends_a_picture_and_no_chinese_text():
    data = escpos_bytes(RECEIPT, Paper(58), chinese="raster")
    parser = EscPosParser()
    events = parser.feed(data)
    [picture] = [e for e in events if e.kind == "image"]
    assert picture.image is not None and picture.image.size == (384, 24)
    assert picture.image.convert("L").getextrema()[0] == 0  # ink on it
    texts = "".join(str(e.value) for e in events if e.kind == "text")
    assert texts.isascii() and "CNY 12.50" in texts
    # 58 mm paper is too narrow for this Code128: the QR carries the number alone
    assert [e.kind for e in events].count("barcode") == 0
    assert [e.value for e in events if e.kind == "qr"] == [NUMBER]


def test_code128_packs_digit_runs_in_code_set_c():
    assert code128_data(NUMBER) == "{BP{C2612041530000001{B4a3f"
    assert code128_data("AB{12") == "{BAB{{12"


def test_the_emulators_parser_skips_what_it_cannot_place_and_counts_it():
    parser = EscPosParser()
    events = parser.feed(b"\x01\x1b\x07ok\n\x1d\x07")
    assert parser.garbage == 5
    assert [(e.kind, e.value) for e in events] == [("text", "ok"), ("newline", "")]


@pytest.mark.parametrize(
    ("printer", "cause", "paper", "state"),
    [
        (0, 0, 0, PrinterState.READY),
        (0, 0, 0x0C, PrinterState.PAPER_LOW),
        (0x08, 0x20, 0x60, PrinterState.PAPER_OUT),
        (0x08, 0x04, 0, PrinterState.COVER_OPEN),
        (0x08, 0x40, 0, PrinterState.ERROR),
        (0x08, 0, 0, PrinterState.OFFLINE),
    ],
)
def test_status_answers_become_one_state(printer, cause, paper, state):
    answer = bytes(status_byte(bits=b) for b in (printer, cause, paper))
    assert parse_status(answer).state is state
    assert state.can_print == (state in (PrinterState.READY, PrinterState.PAPER_LOW))


def test_the_drawer_bit_and_garbage():
    open_ = bytes([status_byte(bits=0x04), status_byte(), status_byte()])
    assert parse_status(open_).drawer is DrawerState.OPEN
    for answer in (b"", b"\xff\x12\x12", b"\x12\x12"):
        with pytest.raises(PrinterGarbage):
            parse_status(answer)
    assert PrinterState.PAPER_OUT.words("zh") == "缺纸：请装入新纸卷"
    assert PrinterState.PAPER_OUT.words("en") == "out of paper: load a new roll"


def test_the_receipts_qr_code_as_printed_by_the_sim_is_read_by_a_camera(tmp_path):
    from drivers.printer.render import as_png

    picture = as_png(RECEIPT, Paper(58).dots)
    assert NUMBER in decode(np.asarray(picture.convert("L")))
