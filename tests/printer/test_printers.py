"""Printers end to end against the emulator: real pyserial over a pseudo-terminal, a real TCP
socket, a device node, usb:// through a made-up sysfs, and the sim's files.

Every fault a cashier can meet is here: unplugged (and plugged back in),
paper out before and in the middle of a receipt, cover open, a printer that
never answers, one that answers garbage, nothing listening at all.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from drivers.camera import decode
from drivers.printer import (
    Document,
    DrawerState,
    PrinterFault,
    PrinterState,
    PrinterUnavailable,
    QrCode,
    Text,
    open_printer,
)
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.parser import EscPosParser

FAST = "timeout=0.3"


def receipt(number: str, lines: int = 6) -> Document:
    body = tuple(Text(f"line {i} 第{i}行") for i in range(lines))
    return Document((Text(f"receipt {number}"), *body, QrCode(number)), title=number)


@pytest.fixture
def pty_printer(tmp_path):
    with PrinterEmulator.pty(link=tmp_path / "printer") as emulator:
        yield emulator


@pytest.fixture
def tcp_printer():
    with PrinterEmulator.tcp() as emulator:
        yield emulator


async def test_a_serial_printer_prints_in_chinese_and_opens_the_drawer(pty_printer):
    printer = open_printer(f"{pty_printer.url}?baud=19200&{FAST}")
    async with printer:
        assert (await printer.status()).state is PrinterState.READY
        await printer.print(receipt("P1"))
        await printer.pulse_drawer()
        pty_printer.wait_for(lambda: pty_printer.drawer_pulses == 1)
        assert (await printer.status()).drawer is DrawerState.OPEN
    [printed] = pty_printer.receipts
    assert printed.complete and printed.cut
    assert printed.lines[0] == "receipt P1" and "line 5 第5行" in printed.lines
    assert printed.qr_codes == ["P1"]


async def test_paper_running_out_mid_receipt_is_reported_and_the_reprint_is_whole(pty_printer):
    printer = open_printer(f"{pty_printer.url}?{FAST}")
    async with printer:
        pty_printer.paper_left = 3
        with pytest.raises(PrinterFault) as caught:
            await printer.print(receipt("P2"))
        assert caught.value.status.state is PrinterState.PAPER_OUT
        assert caught.value.message("zh") == "缺纸：请装入新纸卷"
        with pytest.raises(PrinterFault):  # nothing more is sent while the paper is out
            await printer.print(receipt("P2"))
        pty_printer.load_paper()
        await printer.print(receipt("P2"))
    cut_short, whole = pty_printer.receipts
    assert not cut_short.complete and len(cut_short.lines) == 3
    assert whole.complete and whole.qr_codes == ["P2"]


async def test_an_unplugged_serial_printer_is_said_so_and_used_again_when_back(pty_printer):
    printer = open_printer(f"{pty_printer.url}?{FAST}")
    async with printer:
        await printer.print(receipt("P3"))
        pty_printer.unplug()
        assert (await printer.status()).state is PrinterState.UNPLUGGED
        with pytest.raises(PrinterUnavailable) as caught:
            await printer.print(receipt("P4"))
        assert "not connected" in caught.value.message("en")
        pty_printer.plug()
        assert (await printer.status()).state is PrinterState.READY
        await printer.print(receipt("P4"))
    assert [r.qr_codes for r in pty_printer.receipts] == [["P3"], ["P4"]]


async def test_a_network_printer_with_its_cover_open_prints_nothing_until_closed(tcp_printer):
    printer = open_printer(f"{tcp_printer.url}?{FAST}")
    async with printer:
        tcp_printer.cover_open = True
        status = await printer.status()
        assert status.state is PrinterState.COVER_OPEN and status.words() == "cover open: close it"
        with pytest.raises(PrinterFault):
            await printer.print(receipt("P5"))
        tcp_printer.cover_open = False
        await printer.print(receipt("P5"))
    assert [r.qr_codes for r in tcp_printer.receipts] == [["P5"]]


async def test_a_printer_that_never_answers_or_answers_garbage_gets_nothing_to_print(tcp_printer):
    printer = open_printer(f"{tcp_printer.url}?{FAST}")
    async with printer:
        tcp_printer.silent = True
        assert (await printer.status()).state is PrinterState.NOT_ANSWERING
        with pytest.raises(Exception, match="does not answer"):
            await printer.print(receipt("P6"))
        tcp_printer.silent, tcp_printer.garbage = False, True
        assert (await printer.status()).state is PrinterState.GARBAGE
        tcp_printer.garbage = False
        assert (await printer.status()).state is PrinterState.READY
    assert tcp_printer.receipts == []


async def test_nothing_listening_is_not_connected():
    with PrinterEmulator.tcp() as gone:
        url = gone.url
    printer = open_printer(f"{url}?{FAST}")
    assert (await printer.status()).state is PrinterState.UNPLUGGED
    with pytest.raises(PrinterUnavailable):
        await printer.print(receipt("P7"))


async def test_a_file_printer_gets_the_bytes_and_a_usb_printer_is_found_by_its_ids(
    tmp_path, pty_printer, monkeypatch
):
    out = tmp_path / "lp0.bin"
    async with open_printer(f"file://{out}") as printer:
        assert (await printer.status()).state is PrinterState.READY  # a file cannot say otherwise
        await printer.print(receipt("P8"))
    events = EscPosParser().feed(out.read_bytes())
    assert [e.value for e in events if e.kind == "qr"] == ["P8"]

    # usb://: the usblp node whose USB device has these ids (sysfs made up: there is no USB here)
    device = tmp_path / "sys/devices/usb1/1-1"
    (device / "1-1:1.0").mkdir(parents=True)
    (device / "idVendor").write_text("04b8\n")
    (device / "idProduct").write_text("0202\n")
    usbmisc, dev = tmp_path / "sys/class/usbmisc", tmp_path / "dev/usb"
    (usbmisc / "lp0").mkdir(parents=True)
    (usbmisc / "lp0/device").symlink_to(device / "1-1:1.0")
    dev.mkdir(parents=True)
    (dev / "lp0").symlink_to(os.ttyname(pty_printer._slave))  # the usblp node: a tty here
    monkeypatch.setattr("drivers.printer.transport.USBMISC", usbmisc)
    monkeypatch.setattr("drivers.printer.transport.DEV_USB", dev)
    async with open_printer(f"usb://04b8:0202?{FAST}") as printer:
        assert printer.description == "usb 04b8:0202"
        assert (await printer.status()).state is PrinterState.READY
        await printer.print(receipt("P9"))
    assert [r.qr_codes for r in pty_printer.receipts] == [["P9"]]
    with pytest.raises(PrinterUnavailable, match="not connected"):
        await open_printer("usb://1234:5678").open()


async def test_the_sim_printer_writes_text_and_a_picture_a_camera_can_read(tmp_path):
    async with open_printer("sim:?width=58", sim_folder=tmp_path) as printer:
        await printer.print(receipt("P26120400000000019a3f"))
        await printer.pulse_drawer()
    [text] = tmp_path.glob("*.txt")
    assert "第5行" in text.read_text() and "[QR P26120400000000019a3f]" in text.read_text()
    picture = Image.open(text.with_suffix(".png")).convert("L")
    assert picture.width == 384
    assert "P26120400000000019a3f" in decode(np.asarray(picture))
    assert (tmp_path / "drawer.log").read_text().startswith("drawer pulse")
