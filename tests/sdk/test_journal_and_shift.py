from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys

import keyring.backends.fail
import keyring.core
import pytest

from terminal_sdk.config import ConfigError, load_config
from terminal_sdk.credentials import Credentials, CredentialsMissing, CredentialStore
from terminal_sdk.journal import Journal, SessionState
from terminal_sdk.shift import close_shift, shift_report


def test_numbers_are_unique_across_restarts(tmp_path):
    seen: set[str] = set()
    for _ in range(3):
        j = Journal(tmp_path / "j.db")
        seen.update(j.next_number("P") for _ in range(50))
        j.close()
    assert len(seen) == 150
    assert all(6 <= len(n) <= 32 and n.isalnum() for n in seen)


def test_numbers_differ_even_after_the_journal_is_lost(tmp_path):
    a = Journal(tmp_path / "a.db").next_number("P")
    b = Journal(tmp_path / "b.db").next_number("P")
    assert a != b  # same counter, same second: the random tail tells them apart


def test_payment_entry_survives_a_crash_before_the_answer(tmp_path):
    # a child process journals a payment and dies before any answer
    code = (
        "import os, sys; from terminal_sdk.journal import Journal;"
        f"j = Journal({str(tmp_path / 'j.db')!r});"
        "j.begin_payment('P0000001', amount_fen=500, issuer='points', code_masked='81**1234');"
        "os._exit(9)"
    )
    proc = subprocess.run([sys.executable, "-c", code])
    assert proc.returncode == 9
    j = Journal(tmp_path / "j.db")
    [entry] = j.in_doubt()
    assert entry.out_trade_no == "P0000001" and entry.state is SessionState.PAYING
    assert entry.amount_fen == 500


def test_amounts_must_be_positive(tmp_path):
    j = Journal(tmp_path / "j.db")
    with pytest.raises(sqlite3.IntegrityError):
        j.begin_payment("P0000001", amount_fen=0, issuer="points", code_masked="")


def test_x_and_z_reports_from_the_same_lines(tmp_path):
    j = Journal(tmp_path / "j.db")
    with pytest.raises(ValueError, match="No shift"):
        shift_report(j)
    j.open_shift("Li Na")
    with pytest.raises(ValueError, match="already open"):
        j.open_shift("x")
    j.begin_payment("P0000001", amount_fen=1500, issuer="points", code_masked="")
    j.set_state("P0000001", SessionState.PAID, tender_line=("points", 1500))
    j.add_tender_line("order-1", "cash", 2000)
    j.add_tender_line("order-2", "cash", 500)
    j.begin_refund("R0000001", "P0000001", 300, "points")
    j.finish_refund("R0000001", done=True)
    j.begin_refund("R0000002", "P0000001", 100, "points")
    j.finish_refund("R0000002", done=False, reason="REFUND_TOO_LARGE")
    x = shift_report(j)
    assert x.totals["points"].expected_fen == 1200 and x.totals["cash"].expected_fen == 2500
    assert x.totals["points"].refunds == 1
    z = close_shift(j, {"cash": 2450})
    assert z.kind == "Z" and z.expected_fen == x.expected_fen == 3700
    assert z.difference("cash") == -50 and z.difference("points") is None
    text = z.as_text()
    assert "Z REPORT" in text and "-CNY 0.50" in text and "CNY 37.00" in text
    assert j.current_shift() is None


def test_credentials_fall_back_to_an_owner_only_file(tmp_path, monkeypatch):
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.backends.fail.Keyring())
    store = CredentialStore(tmp_path / "creds.json")
    where = store.save(Credentials("T1", "s3cret"))
    assert "no OS keyring" in where  # a headless box: no keyring backend
    assert stat.S_IMODE(os.stat(tmp_path / "creds.json").st_mode) == 0o600
    again = CredentialStore(tmp_path / "creds.json").load()
    assert again.secret == "s3cret" and "s3cret" not in repr(again)
    os.chmod(tmp_path / "creds.json", 0o644)
    with pytest.raises(CredentialsMissing, match="chmod 600"):
        CredentialStore(tmp_path / "creds.json").load()
    with pytest.raises(CredentialsMissing, match="not enrolled"):
        CredentialStore(tmp_path / "none.json").load()


def test_config_errors_are_plain(tmp_path, monkeypatch):
    monkeypatch.setenv("SCANPAY_CONFIG", str(tmp_path / "absent.toml"))
    assert load_config().source == "(defaults)"  # no file at the default place: defaults
    bad = tmp_path / "bad.toml"
    bad.write_text("[backend\nurl=1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    bad.write_text('[backend]\nurl = "http://x"\ntimeout = 3\n')
    with pytest.raises(ConfigError, match=r"backend\.timeout"):
        load_config(bad)
    good = tmp_path / "good.toml"
    good.write_text('[terminal]\ndata_dir = "/tmp/x"\n[devices]\nscanners = ["sim:"]\n')
    config = load_config(good)
    assert config.devices.scanners == ["sim:"] and str(config.journal_path) == "/tmp/x/journal.db"
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
