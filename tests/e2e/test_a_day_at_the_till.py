"""The whole product as a store runs it, end to end: a day at the till, then the books.

Everything is the real thing started the way a user starts it:

- ``scanpay-backend serve`` on loopback with SQLite in a fresh data directory
  (``seed-demo``: the demo store and Li Wei, M10001, PIN 123456);
- the till, ``scanpay-pos``, in a real terminal (tmux, 80x24), enrolled with
  ``scanpay-terminal enrol``, its scanner a ``serial://`` URL whose far end
  is the serial scanner emulator on a pseudo-terminal, its PIN pad the
  ``socket:`` of the virtual pad;
- the customer's virtual PIN pad, ``scanpay-pinpad``, in a second tmux
  window, typed on with ``tmux send-keys``;
- the customer's phone: the wallet page in headless Chromium; its QR code is
  read from a screenshot by ``drivers.camera.decode`` and "scanned" by the
  emulator, byte for byte as a scanner gun sends it;
- the receipt printer: the ESC/POS emulator on a pseudo-terminal, a ``serial://``
  URL: every paid sale gives exactly one receipt carrying its payment number,
  the refund its own, and the Z report comes out on paper as its file says.

The day: the shift opened on the till; a sale of CNY 20.00, CNY 12.50 by
points without a PIN and the rest in cash; a CNY 300.00 sale above the
no-PIN limit, the PIN typed on the pad; a refund of CNY 50.00 of it; the
shift counted and closed with the Z report. Then the merchant's
reconciliation file (``scanpay-backend reconcile``) must say what the till's
journal and Z report say, per tender and for the refund, the wallet page
must show the balance left, and ``scanpay-backend verify`` must pass.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from drivers.camera import decode
from drivers.emulators.serial_scanner import SerialScannerEmulator
from drivers.printer.emulator import PrinterEmulator
from protocol.paycode import CodeKind, classify
from terminal_sdk.config import load_config
from terminal_sdk.journal import Journal
from tests.conftest import LiveBackend
from tests.harness import BackendServer, Operator, seed_and_token
from tests.tmux import Tmux
from tests.wallet.browser import open_phone, sign_in, wait_for_new_code

BIN = Path(sys.executable).parent
MEMBER = "M10001"  # Li Wei: 50,000 points, PIN 123456, no-PIN limit CNY 200.00
UTC_OFFSET_MIN = 480  # the backend's default business-day zone


def code_on_the_phone(page: Page) -> str:
    """What a camera reads off the phone's screen: the QR code, decoded by the camera driver."""
    png = page.locator("#qr").screenshot()
    texts = decode(np.asarray(Image.open(io.BytesIO(png)).convert("L")))
    [code] = [t for t in texts if classify(t).kind is CodeKind.OWN]
    return code


def payment_number(screen: str) -> str:
    found = re.search(r"Payment no\.: (P\w+)", screen)
    assert found, screen
    return found.group(1)


def business_day() -> str:
    return (datetime.now(UTC) + timedelta(minutes=UTC_OFFSET_MIN)).date().isoformat()


def tender_block(report: str, tender: str) -> dict[str, str]:
    """The lines of one tender in an X/Z report: {"sales x2": "CNY 312.50", ...}."""
    lines = report.splitlines()
    start = lines.index(tender)
    block: dict[str, str] = {}
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        label, value = re.split(r"\s{2,}", line.strip(), maxsplit=1)
        block[label] = value
    return block


def test_a_day_at_the_till_matches_the_reconciliation_file(tmp_path: Path, chromium: Browser):
    server = BackendServer(tmp_path / "backend")
    seeded, token = seed_and_token(server)
    server.start()
    operator = Operator(server.url, token)
    live = LiveBackend("sqlite", server, operator, seeded)
    gun = SerialScannerEmulator(link=tmp_path / "scanner", suffix=b"\r")
    printer = PrinterEmulator.pty(link=tmp_path / "printer")
    till_dir, pad_socket = tmp_path / "till", tmp_path / "pinpad.sock"
    config_file = tmp_path / "till.toml"
    config_file.write_text(
        f'[backend]\nurl = "{server.url}"\n\n[terminal]\ndata_dir = "{till_dir}"\n'
        f'language = "en"\n\n[devices]\nscanners = ["serial://{gun.path}?suffix=cr"]\n'
        f'pinpad = "socket://{pad_socket}"\nprinter = "{printer.url}?timeout=0.5"\n'
    )
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # identity in till_dir
        "TMUX": "",
    }
    activation = next(c for c in seeded["activation_codes"] if c["kind"] == "pos")
    subprocess.run(
        [BIN / "scanpay-terminal", "--config", config_file, "enrol",
         "--activation-code", activation["activation_code"], "--name", "till-1"],
        check=True, env=env, capture_output=True, timeout=60,
    )  # fmt: skip
    tmux = Tmux("scanpay-e2e")
    phone = open_phone(chromium)
    try:
        tmux.start(f"{BIN}/scanpay-pos --config {config_file}", env, 80, 24,
                   window="till", status=False)  # fmt: skip
        tmux.add_window("pad", f"{BIN}/scanpay-pinpad --socket {pad_socket}")
        assert tmux.size("till") == (80, 24)
        till = tmux.wait_for("Type the amount, then scan", within=60, window="till")
        tmux.wait_for("PIN pad ✓", window="till")
        till = tmux.wait_for("backend OK", window="till")
        assert "✗" not in till, till  # the serial scanner is up too

        tmux.keys("F3", window="till")  # sales need an open shift
        tmux.wait_for("Cashier", window="till")
        tmux.keys("M", "e", "i", "Enter", window="till")
        tmux.wait_for("Shift 1 is open for Mei.", window="till")
        tmux.keys("Escape", window="till")
        tmux.wait_for("Type the amount, then scan", window="till")

        # The customer opens the wallet on the phone.
        page = phone.new_page()
        sign_in(page, live, MEMBER)
        expect(page.locator("#balance-points")).to_contain_text("50,000 points")

        # Sale 1: CNY 20.00, CNY 12.50 by points (no PIN), the rest in cash.
        tmux.keys("2", "0", ".", "0", "0", "Enter", window="till")
        tmux.wait_for("Total CNY 20.00", window="till")
        tmux.keys("1", "2", ".", "5", "0", window="till")
        first_code = code_on_the_phone(page)
        gun.scan(first_code)
        till = tmux.wait_for("P A I D", window="till")
        assert "Points used: 1,250 points" in till, till
        assert "Take the remainder: CNY 7.50" in till, till
        first = payment_number(till)
        tmux.keys("Enter", window="till")
        tmux.wait_for("Type the amount, then scan", window="till")
        expect(page.locator("#result-title")).to_have_text("Paid CNY 12.50")

        # Sale 2: CNY 300.00, above the no-PIN limit: the PIN on the customer's pad.
        tmux.keys("3", "0", "0", "Enter", window="till")
        tmux.wait_for("Total CNY 300.00", window="till")
        gun.scan(wait_for_new_code(page, first_code))  # the phone shows a fresh code
        till = tmux.wait_for("WAITING FOR THE CUSTOMER'S PIN", window="till")
        assert "CNY 300.00" in till
        assert "CNY 300.00" in tmux.wait_for("Enter your PIN", window="pad")
        tmux.keys("1", "2", "3", "4", "5", "6", window="pad")
        mirrored = tmux.wait_for("PIN  ● ● ● ● ● ●", window="till")  # six typed, as dots
        assert "123456" not in mirrored and "123456" not in tmux.screen("pad")
        tmux.keys("Enter", window="pad")
        tmux.wait_for("Paid.", window="pad")
        till = tmux.wait_for("P A I D", window="till")
        assert "Points used: 30,000 points" in till, till
        second = payment_number(till)
        tmux.keys("Enter", window="till")
        tmux.wait_for("Type the amount, then scan", window="till")

        # A refund of CNY 50.00 of the second sale, looked up by its payment number.
        tmux.keys("F2", window="till")
        tmux.wait_for("Payment no.", window="till")
        tmux.keys(*second, "Enter", window="till")
        tmux.wait_for("Left to refund: CNY 300.00", window="till")
        tmux.keys("5", "0", "Enter", window="till")
        tmux.wait_for("Refund CNY 50.00 to the customer? Press F10 again", window="till")
        tmux.keys("F10", window="till")
        till = tmux.wait_for("REFUNDED CNY 50.00.", window="till")
        assert "Left to refund: CNY 250.00" in till, till
        tmux.keys("Escape", window="till")
        tmux.wait_for("Type the amount, then scan", window="till")
        expect(page.locator("#balance-points")).to_contain_text("23,750 points")

        # The shift: count each tender, close it with the Z report.
        tmux.keys("F3", window="till")
        tmux.wait_for("TOTAL expected", window="till")
        tmux.keys("F10", window="till")
        tmux.wait_for("Count each tender", window="till")
        for counted in ("7.50", "0", "262.50"):  # cash, bank card, points: a person's pace
            tmux.keys(*counted, "Enter", window="till")
            time.sleep(0.5)
        tmux.keys("F10", window="till")
        tmux.wait_for("Shift closed. Z report saved to", window="till")
        printer.wait_for(lambda: any("Z REPORT" in r.text for r in printer.receipts), within=30)
        tmux.keys("Escape", "C-q", window="till")
        _wait_until_gone(tmux, "till")
    finally:
        phone.close()
        tmux.kill()
        gun.close()
        printer.close()

    # What the till says: its journal and its Z report.
    config = load_config(config_file)
    journal = Journal(config.journal_path)
    try:
        paid = {p.out_trade_no: p for p in journal.recent_payments() if p.state == "PAID"}
        assert set(paid) == {first, second}
        assert not journal.in_doubt() and not journal.refunds_in_doubt()
        [refund] = journal._db.execute("SELECT * FROM refunds").fetchall()
        assert (refund["out_trade_no"], refund["amount_fen"], refund["state"]) == (
            second,
            5_000,
            "DONE",
        )
    finally:
        journal.close()
    [z_file] = sorted((till_dir / "reports").glob("Z-*.txt"))
    z_report = z_file.read_text()
    points, cash = tender_block(z_report, "POINTS"), tender_block(z_report, "CASH")
    assert points["sales x2"] == "CNY 312.50" and points["refunds x1"] == "-CNY 50.00"
    assert points["expected"] == "CNY 262.50" and points["difference"] == "CNY 0.00"
    assert cash["sales x1"] == "CNY 7.50" and cash["difference"] == "CNY 0.00"

    # What the printer printed: one receipt per paid sale, the refund's, the Z report as its file.
    assert all(r.complete and r.cut for r in printer.receipts)
    sales = [r for r in printer.receipts if r.lines[0].strip() == "SALE"]
    assert sorted(r.qr_codes[0] for r in sales) == sorted([first, second])
    assert [r.barcodes for r in sales] == [[first], [second]]
    [refund_slip] = [r for r in printer.receipts if r.lines[0].strip() == "REFUND"]
    assert refund_slip.qr_codes == [second] and "CNY 50.00" in refund_slip.text
    [z_paper] = [r for r in printer.receipts if "Z REPORT" in r.text]
    assert z_paper.lines == [line.rstrip() for line in z_report.rstrip("\n").split("\n")]
    assert len(printer.receipts) == 4
    assert printer.drawer_pulses == 1  # the cash part of the first sale

    # What the backend says: the merchant's reconciliation file for the day.
    out = tmp_path / "reconcile.csv"
    server.run_cli("reconcile", "--date", business_day(), "--out", str(out))
    rows = list(csv.DictReader(out.read_text().splitlines()))
    till_id = {r["terminal_id"] for r in rows if r["record"] == "trade"}
    assert len(till_id) == 1  # only this till traded today
    trades = {r["out_trade_no"]: r for r in rows if r["record"] == "trade"}
    assert set(trades) == {first, second}
    for number, entry in paid.items():
        assert trades[number]["trade_no"] == entry.trade_no
        assert int(trades[number]["amount_fen"]) == entry.amount_fen
        assert int(trades[number]["points"]) == entry.points
    assert trades[first]["state"] == "SUCCESS"
    assert trades[second]["state"] == "PARTIALLY_REFUNDED"
    [back] = [r for r in rows if r["record"] == "refund"]
    assert (back["out_trade_no"], back["refund_no"]) == (second, refund["out_refund_no"])
    assert int(back["refund_fen"]) == 5_000
    [by_points] = [r for r in rows if r["record"] == "channel_total"]
    assert by_points["channel"] == "points" and by_points["count"] == "2"
    assert (by_points["amount_fen"], by_points["refund_fen"]) == ("31250", "5000")
    assert int(by_points["net_fen"]) == 26_250 == _fen(points["expected"])
    [by_cash] = [r for r in rows if r["record"] == "tender_total"]
    assert by_cash["channel"] == "cash"
    assert int(by_cash["amount_fen"]) == 750 == _fen(cash["sales x1"])

    assert operator.member(MEMBER)["balance_points"] == 50_000 - 1_250 - 30_000 + 5_000
    verified = server.run_cli("verify", check=False)
    assert verified.returncode == 0, verified.stdout
    operator.close()
    server.stop()


def _fen(shown: str) -> int:
    """``CNY 262.50`` -> 26250."""
    whole, cents = shown.removeprefix("CNY ").replace(",", "").split(".")
    return int(whole) * 100 + int(cents)


def _wait_until_gone(tmux: Tmux, window: str) -> None:
    """Quitting the till closes its window (the journal is closed cleanly)."""
    deadline = time.monotonic() + 15
    while window in tmux.run("list-windows", "-F", "#W", check=False).stdout.split():
        assert time.monotonic() < deadline, tmux.screen(window)
        time.sleep(0.1)
