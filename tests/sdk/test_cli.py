"""``scanpay-terminal`` against the real backend: enrol, status, settle, shift reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "terminal_sdk.cli", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def test_enrol_status_settle_and_shift(backend_sqlite, tmp_path):
    config = tmp_path / "terminal.toml"
    config.write_text(
        f'[backend]\nurl = "{backend_sqlite.url}"\n[terminal]\ndata_dir = "{tmp_path / "data"}"\n'
    )
    status = run(config, "status")
    assert status.returncode == 2 and "not enrolled" in status.stderr
    nothing = run(config, "settle")  # what an upgrade of a till not enrolled yet runs
    assert nothing.returncode == 0 and "nothing to settle" in nothing.stdout

    wrong = run(config, "enrol", "--activation-code", "WRONG-CODE-123")
    assert wrong.returncode == 1 and "activation code is wrong" in wrong.stderr

    enrolled = run(
        config,
        "enrol",
        "--activation-code",
        backend_sqlite.operator.activation_code("pos"),
        "--name",
        "till-9",
    )
    assert enrolled.returncode == 0, enrolled.stderr
    assert "enrolled as terminal" in enrolled.stdout
    assert "no OS keyring is available" in enrolled.stdout  # this machine has none
    assert (tmp_path / "data" / "credentials.json").stat().st_mode & 0o777 == 0o600

    status = run(config, "status")
    assert status.returncode == 0, status.stderr
    assert "-> OK" in status.stdout and "0 in doubt" in status.stdout

    settled = run(config, "settle")
    assert settled.returncode == 0 and "settled 0 payment(s)" in settled.stdout

    assert "No shift is open" in run(config, "shift", "x").stderr
    assert run(config, "shift", "open", "--cashier", "Wang").returncode == 0
    report = run(config, "shift", "z", "--counted", "cash=12.50")
    assert report.returncode == 0 and "Z REPORT" in report.stdout and "CNY 12.50" in report.stdout
    bad = run(config, "shift", "open")
    assert bad.returncode == 0  # the Z closed the last one; a new shift opens
    assert "TENDER=AMOUNT" in run(config, "shift", "z", "--counted", "cash").stderr
    chinese = run(config, "shift", "x", "--lang", "zh")
    assert chinese.returncode == 0 and "X 报表" in chinese.stdout and "应收合计" in chinese.stdout


def test_unreachable_backend_status(tmp_path):
    config = tmp_path / "terminal.toml"
    config.write_text(
        f'[backend]\nurl = "http://127.0.0.1:9"\n[terminal]\ndata_dir = "{tmp_path}"\n'
    )
    (tmp_path / "credentials.json").write_text('{"terminal_id": "T1", "secret": "s"}')
    (tmp_path / "credentials.json").chmod(0o600)
    status = run(config, "status")
    assert status.returncode == 1 and "UNREACHABLE" in status.stdout
