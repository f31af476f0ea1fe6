"""The scripted check against real drivers: the serial emulator on a pty, the simulated scanner."""

import asyncio
import os
import subprocess
import sys
import time

import pytest

from drivers.emulators.serial_scanner import SerialScannerEmulator
from drivers.scantest import CHECKS, Verdict, checks_named, main, report_lines, run_checks
from drivers.scantest.session import exit_code
from drivers.urls import open_scanner


@pytest.fixture
def gun(tmp_path):
    with SerialScannerEmulator(tmp_path / "scanner", suffix=b"\r\n") as emulator:
        yield emulator


async def test_a_session_over_a_pty_reaches_pass_and_fail(gun):
    """The tech scans each code shown; the gun misreads one, sends another's, skips one."""
    wrong = {
        "card-code128": lambda text: text[:-1] + str((int(text[-1]) + 1) % 10),  # one digit off
        "wechat-qr": lambda text: "SHOP:" + text,  # a prefix the URL does not remove
    }
    shown = []
    notes: list[str] = []

    def prompt(i, n, check):
        shown.append((i, n, check.name))
        if check.name == "alipay-qr":
            gun.scan(CHECKS[0].text, aim="]Q1")  # the previous picture read again: not counted
            gun.scan(check.text, aim="]C0")  # then read, but the scanner says Code128
        elif check.name == "unionpay-qr":
            pass  # nothing scanned: times out
        else:
            aim = {"qr": "]Q1", "code128": "]C0", "ean-upc": "]E0"}[check.symbology.value]
            gun.scan(wrong.get(check.name, lambda t: t)(check.text), aim=aim)

    async with open_scanner(f"serial://{gun.path}?suffix=crlf") as scanner:
        await asyncio.wait_for(scanner.wait_ready(), 2)
        results = await run_checks(scanner, CHECKS, per_check=1.0, prompt=prompt, note=notes.append)
    assert [n for _, _, n in shown] == [c.name for c in CHECKS] and shown[0][:2] == (1, 12)
    failed = {r.check.name: r.reason for r in results if r.verdict is Verdict.FAIL}
    assert failed == {
        "card-code128": f"read {CHECKS[3].text[:-1] + str((int(CHECKS[3].text[-1]) + 1) % 10)!r}, "
        f"expected {CHECKS[3].text!r}: 1 character differs (a misread)",
        "wechat-qr": "read 'SHOP:134567890123456789', expected '134567890123456789': 'SHOP:' came "
        "before the code (a prefix the URL does not remove?)",
        "alipay-qr": "the scanner says code128, the code shown is qr (did it read another code?)",
        "unionpay-qr": "nothing read within 1 s",
    }
    passed = [r for r in results if r.verdict is Verdict.PASS]
    assert len(passed) == 8 and all(r.read == r.check.text for r in passed)
    # the misread and the product code pass because a terminal classifies them right
    assert {r.check.name for r in passed} >= {"misread-code128", "product-ean13"}
    assert "  read points-qr again; scan the code shown for alipay-qr" in notes
    report = report_lines(gun.path, results)
    assert report[0] == f"Scanner check of {gun.path}: 8 of 12 passed"
    assert report[-1] == "RESULT: FAIL (4 of 12 checks failed)"
    assert any(
        line.startswith("  PASS  misread-code128   a misread of ours (wrong check digit")
        for line in report
    )
    assert exit_code(results) == 1


def sim_url(texts, **options):
    query = "&".join(f"{k}={v}" for k, v in {"interval": 30, "delay": 100, **options}.items())
    return f"sim:?codes={','.join(texts)}&{query}"


def test_the_check_command_against_the_simulated_scanner(capsys):
    texts = [check.text for check in CHECKS]
    assert main(["check", sim_url(texts), "--timeout", "2", "--no-show"]) == 0
    out = capsys.readouterr().out
    assert "[12/12] product-ean13: a product barcode, EAN-13" in out
    assert "  PASS  points-qr " in out and out.rstrip().endswith("RESULT: PASS")

    texts = [c.text for c in checks_named("points")]
    read = [texts[0], "6901234567892"]  # the second read is a product code
    assert main(["check", sim_url(read), "--only", "points", "--timeout", "2", "--no-show"]) == 1
    out = capsys.readouterr().out
    assert "  FAIL  points-code128  read '6901234567892', expected " in out
    assert out.rstrip().endswith("RESULT: FAIL (1 of 2 checks failed)")


def test_usage_and_device_errors_exit_2(capsys, tmp_path):
    assert main(["check", "usb:1", "--no-show"]) == 2
    assert "unknown scheme 'usb'" in capsys.readouterr().err
    missing = tmp_path / "ttyACM9"
    assert main(["check", f"serial://{missing}", "--connect-timeout", "0.3"]) == 2
    err = capsys.readouterr().err
    assert f"not ready after 0.3 s: scanner error: no device at {missing} (unplugged?)" in err
    with pytest.raises(SystemExit) as exited:
        main(["check"])
    assert exited.value.code == 2


def test_the_console_script_in_a_scripted_session_over_a_pty(gun):
    """scanpay-scanner-test as a tech's script runs it: prompts on stdout, the exit code."""
    script = os.path.join(os.path.dirname(sys.executable), "scanpay-scanner-test")
    url = f"serial://{gun.path}?suffix=crlf"
    args = [script, "check", url, "--only", "points,product", "--timeout", "3", "--no-show"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    lines = []
    code = None
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("  code  : "):
                code = line.split(":", 1)[1].strip()
            if line.startswith("  scan it now"):
                time.sleep(0.05)
                # the gun reads the product code as a payment: a wrong text for that check
                gun.scan(code if code != "6901234567892" else "6901234567890")
    finally:
        proc.wait(timeout=20)
    assert proc.returncode == 1
    assert "[3/3] product-ean13: a product barcode, EAN-13" in lines
    assert lines[-1] == "RESULT: FAIL (1 of 3 checks failed)"
    assert any(line.startswith("  FAIL  product-ean13   read '6901234567890'") for line in lines)
    assert sum(line.startswith("  PASS  points-") for line in lines) == 2


def test_the_check_command_against_a_camera_reading_a_clip_of_the_codes(tmp_path, capsys):
    """The camera driver as the scanner: a clip showing each chosen code in turn, as rendered."""
    import cv2
    import numpy as np

    from drivers.scantest.pictures import check_image

    chosen = checks_named("points,wechat")
    path = str(tmp_path / "codes.mp4")
    writer = cv2.VideoWriter(path, cv2.VideoWriter.fourcc(*"mp4v"), 30, (640, 480))
    for check in chosen:
        picture = check_image(check)
        scale = min(600 / picture.shape[1], 440 / picture.shape[0], 1.0)
        picture = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        frame = np.full((480, 640), 230, np.uint8)
        frame[20 : 20 + picture.shape[0], 20 : 20 + picture.shape[1]] = picture
        for _ in range(12):
            writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    assert main(["check", f"camera://{path}?fps=60", "--only", "points,wechat", "--no-show"]) == 0
    out = capsys.readouterr().out
    assert sum(line.startswith("  PASS  ") for line in out.splitlines()) == 4
    assert out.rstrip().endswith("RESULT: PASS")
