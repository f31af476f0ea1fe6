"""The field tech's tools: scanpay-printer-test's page and exit codes, and the emulator as a user
starts it (a process on a free TCP port, showing each receipt as text)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from drivers.printer.cli import main
from drivers.printer.emulator import PrinterEmulator

BIN = Path(sys.executable).parent


def test_the_test_page_prints_with_the_drawer_and_says_the_status(capsys):
    with PrinterEmulator.tcp() as printer:
        assert main([f"{printer.url}?timeout=0.5", "--drawer"]) == 0
        [page] = printer.receipts
    out = capsys.readouterr().out
    assert "printed the test page" in out and "status: ready / 就绪" in out
    assert "drawer pulsed" in out and printer.drawer_pulses == 1
    assert "打印测试" in page.text and "测试" in page.text
    assert page.barcodes == page.qr_codes == ["P2612040000000001test"] and page.cut


def test_exit_1_for_a_printer_fault_and_2_for_no_printer_or_a_bad_url(capsys):
    with PrinterEmulator.tcp() as printer:
        printer.paper_out = True
        assert main([f"{printer.url}?timeout=0.5"]) == 1
        assert printer.receipts == []
        url = printer.url
    assert "out of paper: load a new roll / 缺纸：请装入新纸卷" in capsys.readouterr().out
    assert main([f"{url}?timeout=0.5"]) == 2  # the emulator is gone: nothing listens
    assert "not connected" in capsys.readouterr().out
    assert main(["lpt:/dev/lp0"]) == 2
    refused = capsys.readouterr().err
    assert "设备地址无效" in refused and "unknown kind 'lpt'" in refused
    assert "Accepted printer URLs" in refused


def test_the_emulator_as_a_process_shows_the_receipt_it_is_sent():
    emulator = subprocess.Popen(
        [BIN / "scanpay-printer-emulator", "--tcp", "0"],
        stdout=subprocess.PIPE, text=True, encoding="utf-8",
    )  # fmt: skip
    try:
        assert emulator.stdout is not None
        first = emulator.stdout.readline()
        url = re.search(r"tcp://[\d.]+:\d+", first)
        assert url, first
        tested = subprocess.run(
            [BIN / "scanpay-printer-test", url.group(0)], capture_output=True, text=True, timeout=30
        )
        assert tested.returncode == 0, tested.stdout + tested.stderr
        shown = ""
        while "[QR " not in shown:
            shown += emulator.stdout.readline()
        assert "receipt 1" in shown and "中文：测试" in shown
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
