"""``scanpay-wallet`` and ``current_code()``: the customer's phone in a terminal, real backend."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from drivers.camera import decode_detailed
from protocol.errors import ErrorCode
from protocol.money import format_fen, format_points
from protocol.paycode import CodeKind, Issuer, classify
from scanpay_wallet import current_code
from scanpay_wallet.cli import main
from tests.harness import REPO, free_port

CODE_LINE = re.compile(r"^Payment code: ([\d ]+?)\s+\(valid \d+ s\)$", re.MULTILINE)


def shown(out: str) -> list[str]:
    """Every code the output shows, in order."""
    return [found.replace(" ", "") for found in CODE_LINE.findall(out)]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "phone"


@pytest.fixture
def wallet(backend_sqlite, state, capsys):
    """Run ``scanpay-wallet`` in-process for a member: ``(exit status, stdout, stderr)``."""

    def run(member_no: str, *args: str, token: bool = True) -> tuple[int, str, str]:
        common = ["--backend", backend_sqlite.url, "--state-dir", str(state), "--member", member_no]
        if token:
            common += ["--admin-token", backend_sqlite.token]
        status = main([*common, *args])
        out = capsys.readouterr()
        return status, out.out, out.err

    return run


def test_help_lists_the_options():
    script = Path(sys.executable).with_name("scanpay-wallet")
    out = subprocess.run([script, "--help"], capture_output=True, text=True, check=True).stdout
    for option in (
        "--backend",
        "--member",
        "--wallet",
        "--admin-token",
        "--sms-code",
        "--send-sms",
        "--refresh",
        "--watch",
        "--png",
        "--no-qr",
        "--balance",
        "--json",
        "--sign-out",
    ):
        assert option in out, option


def test_the_same_code_until_refreshed_or_used(backend_sqlite, wallet):
    terminal = backend_sqlite.terminal()
    no = backend_sqlite.operator.create_member(points=2_000, card_fen=500)["member_no"]
    status, out, _ = wallet(no)
    assert status == 0
    [code] = shown(out)
    assert classify(code).kind is CodeKind.OWN and classify(code).issuer is Issuer.POINTS
    assert "▀" in out or "█" in out  # the terminal QR
    assert f"Balance: {format_points(2_000)} ({format_fen(2_000)}) · card {format_fen(500)}" in out

    status, out, _ = wallet(no, "--no-qr", token=False)  # the saved session, the same code
    assert status == 0 and shown(out) == [code] and "█" not in out

    status, out, _ = wallet(no, "--refresh", "--json", token=False)
    assert status == 0
    refreshed = json.loads(out)
    assert refreshed["code"] != code and refreshed["balance_points"] == 2_000
    assert terminal.pay(code, 100)["reason"] == ErrorCode.CODE_EXPIRED  # the old one died
    assert terminal.pay(refreshed["code"], 100)["state"] == "SUCCESS"

    status, out, _ = wallet(no, "--json", token=False)  # the code on screen was used: a new one
    assert status == 0
    assert json.loads(out)["code"] not in (code, refreshed["code"])
    status, out, _ = wallet(no, "--wallet", "card", "--json", token=False)
    assert classify(json.loads(out)["code"]).issuer is Issuer.CARD


def test_the_png_carries_the_code_in_both_symbols(backend_sqlite, wallet, tmp_path):
    no = backend_sqlite.operator.create_member(points=10)["member_no"]
    picture = tmp_path / "code.png"
    status, out, _ = wallet(no, "--png", str(picture), "--json")
    assert status == 0
    code = json.loads(out)["code"]
    image = np.asarray(Image.open(picture).convert("L"))
    split = image.shape[0] * 35 // 100  # through the digits: Code128 above, QR below
    [bars], [qr] = decode_detailed(image[:split]), decode_detailed(image[split:])
    assert (bars.symbology, bars.text) == ("code128", code)
    assert (qr.symbology, qr.text) == ("qr", code)


def test_current_code_is_what_the_phone_shows_and_a_terminal_can_pay_with_it(
    backend_sqlite, wallet, state
):
    terminal = backend_sqlite.terminal()
    no = backend_sqlite.operator.create_member(points=1_000)["member_no"]
    status, out, _ = wallet(no, "--json")
    assert status == 0
    on_screen = json.loads(out)["code"]
    scanned = current_code(backend_sqlite.url, no, state_dir=state)
    assert scanned == on_screen
    assert terminal.pay(scanned, 250)["state"] == "SUCCESS"
    again = current_code(backend_sqlite.url, no, state_dir=state)
    assert again != scanned and terminal.pay(again, 250)["state"] == "SUCCESS"


def test_signing_in_with_an_sms_code_sent_before(backend_sqlite, wallet):
    no = backend_sqlite.operator.create_member(points=10)["member_no"]
    status, out, _ = wallet(no, "--send-sms", token=False)
    assert status == 0 and f"scanpay-backend sms-outbox --member {no}" in out
    sms = backend_sqlite.operator.last_sms_code(no, "login")
    status, out, _ = wallet(no, "--sms-code", sms, "--balance", token=False)
    assert status == 0 and out.startswith(f"Balance: {format_points(10)}")


def test_without_a_session_or_a_way_to_sign_in_it_says_what_to_give(backend_sqlite, state):
    no = backend_sqlite.operator.create_member(points=10)["member_no"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanpay_wallet",
            "--backend",
            backend_sqlite.url,
            "--state-dir",
            str(state),
            "--member",
            no,
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "SCANPAY_ADMIN_TOKEN"},
    )
    assert done.returncode == 1
    assert f"member {no} is not signed in on this machine" in done.stderr
    assert "--send-sms" in done.stderr and "[NOT_AUTHORISED]" in done.stderr


def test_errors_in_plain_words(backend_sqlite, wallet, state, capsys):
    operator = backend_sqlite.operator
    status, _, err = wallet("M-NONE", "--sms-code", "000000", token=False)
    assert status == 1 and "Wrong or expired SMS code" in err and "[SMS_CODE_WRONG]" in err

    frozen = operator.create_member(points=10)["member_no"]
    operator.freeze(frozen)
    status, _, err = wallet(frozen, "--lang", "zh")
    assert status == 1 and "冻结" in err and "[ACCOUNT_FROZEN]" in err

    nowhere = f"http://127.0.0.1:{free_port()}"
    status = main(["--backend", nowhere, "--state-dir", str(state), "--sms-code", "123456"])
    err = capsys.readouterr().err
    assert status == 1 and "Cannot reach the payment service" in err
    assert nowhere in err and "[BACKEND_UNREACHABLE]" in err


def test_sign_out_ends_the_session_and_the_code(backend_sqlite, wallet):
    terminal = backend_sqlite.terminal()
    no = backend_sqlite.operator.create_member(points=1_000)["member_no"]
    status, out, _ = wallet(no, "--json")
    assert status == 0
    code = json.loads(out)["code"]
    status, out, _ = wallet(no, "--sign-out", token=False)
    assert status == 0 and out.strip() == "Signed out."
    assert terminal.pay(code, 10)["reason"] == ErrorCode.CODE_EXPIRED
    status, _, err = wallet(no, "--json", token=False)
    assert status == 1 and "not signed in" in err


def test_watch_keeps_the_code_fresh_and_prints_each_payment(short_codes, tmp_path):
    terminal = short_codes.terminal()
    no = short_codes.operator.create_member(points=1_000)["member_no"]
    watch = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scanpay_wallet",
            "--backend",
            short_codes.url,
            "--member",
            no,
            "--admin-token",
            short_codes.token,
            "--state-dir",
            str(tmp_path),
            "--no-qr",
            "--watch",
            "--for",
            "30",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read_output() -> None:
        assert watch.stdout is not None
        for line in watch.stdout:
            lines.put(line)

    threading.Thread(target=read_output, daemon=True).start()

    def next_line(pattern: str, within_s: float = 10.0) -> re.Match[str]:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2).rstrip("\n")
            except queue.Empty:
                continue
            if found := re.search(pattern, line):
                return found
        raise AssertionError(f"no line like {pattern!r} within {within_s} s")

    try:
        first = next_line(CODE_LINE.pattern).group(1).replace(" ", "")
        paid = terminal.pay(first, 100)
        assert paid["state"] == "SUCCESS"
        next_line(rf"^Payment {paid['out_trade_no']}: SUCCESS {re.escape(format_fen(100))}")
        second = next_line(CODE_LINE.pattern).group(1).replace(" ", "")  # the used one replaced
        assert second != first
        third = next_line(CODE_LINE.pattern).group(1).replace(" ", "")  # refreshed before expiry
        assert third != second
        assert terminal.pay(second, 10)["reason"] == ErrorCode.CODE_EXPIRED
        assert terminal.pay(third, 10)["state"] == "SUCCESS"
    finally:
        watch.send_signal(signal.SIGINT)
        assert watch.wait(timeout=10) == 0


def test_the_simulator_imports_nothing_of_the_backend_or_the_apps():
    code = (
        "import sys, scanpay_wallet, scanpay_wallet.cli;"
        "ours = {'terminal_sdk','drivers','pos_client','pda_client','backend_stub'};"
        "print(sorted(ours & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
