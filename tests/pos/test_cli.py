"""``scanpay-pos`` on the command line: its help, and a configuration it cannot use."""

from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pos_client.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_help_names_the_options():
    done = run("--help")
    assert done.returncode == 0
    for option in ("--config", "--lang", "--scanner"):
        assert option in done.stdout


def test_a_broken_configuration_is_refused_in_plain_words_before_any_screen(tmp_path):
    bad = tmp_path / "terminal.toml"
    bad.write_text('[backend]\nurl = "http://127.0.0.1:8700"\ntimeout = 3\n', encoding="utf-8")
    done = run("--config", str(bad))
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {bad}: backend.timeout: Extra inputs are not permitted")
    missing = run("--config", str(tmp_path / "nowhere.toml"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
