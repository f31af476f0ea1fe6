"""``scanpay-backend``'s commands on a fresh data directory (SQLite)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from backend_stub.cli.main import main
from tests.harness import REPO, BackendServer


def helped(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as done:
        main([*args, "--help"])
    assert done.value.code == 0
    return str(capsys.readouterr().out)


def test_every_command_explains_itself(capsys):
    top = helped(capsys)
    for command in ("serve", "seed-demo", "verify", "activation-code", "sms-outbox", "admin-token"):
        assert command in top
        assert "--data" in helped(capsys, command), command
    serve = helped(capsys, "serve")
    for flag in (
        "--database-url",
        "--port",
        "--code-ttl-s",
        "--pin-deadline-s",
        "--pin-attempts",
        "--no-pin-limit-fen",
        "--busy-timeout-ms",
    ):
        assert flag in serve, flag


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    server = BackendServer(tmp_path_factory.mktemp("cli"))
    made = json.loads(server.run_cli("seed-demo", "--json").stdout)
    return server, made


def test_seed_demo_makes_a_store_codes_and_members_once(seeded):
    server, made = seeded
    assert made["created"] and made["store_id"] == "S0001"
    assert {c["kind"] for c in made["activation_codes"]} == {"pos", "pda"}
    assert [m["member_no"] for m in made["members"]] == ["M10001", "M10002", "M10003"]
    again = server.run_cli("seed-demo")
    assert "already there" in again.stdout and "M10001" in again.stdout
    assert server.run_cli("verify").returncode == 0


def test_verify_finds_a_balance_that_disagrees_with_the_ledger(tmp_path):
    broken = BackendServer(tmp_path)
    broken.run_cli("seed-demo")
    with sqlite3.connect(tmp_path / "scanpay.db") as conn:
        conn.execute("UPDATE accounts SET balance = balance + 1 WHERE id = 1")
    found = broken.run_cli("verify", check=False)
    assert found.returncode == 1
    assert "account 1: balance 50001, ledger lines add up to 50000" in found.stdout


def test_activation_codes_and_the_outbox_from_the_command_line(seeded):
    server, _ = seeded
    code = server.run_cli("activation-code", "--kind", "pda")
    assert "pda terminal for store S0001" in code.stdout
    assert "empty" in server.run_cli("sms-outbox").stdout


def test_a_bad_setting_or_database_is_a_plain_error(tmp_path, capsys):
    url = "postgresql://127.0.0.1:1/x"
    assert main(["verify", "--data", str(tmp_path), "--database-url", url]) == 2
    assert "cannot open the database" in capsys.readouterr().err
    assert main(["serve", "--data", str(tmp_path), "--code-ttl-s", "-1"]) == 2
    assert "--code-ttl-s" in capsys.readouterr().err


def test_the_backend_imports_nothing_of_ours_but_protocol():
    code = (
        "import sys, backend_stub.app, backend_stub.cli;"
        "ours = {'terminal_sdk', 'drivers', 'pos_client', 'pda_client'};"
        "print(sorted(ours & {m.split('.')[0] for m in sys.modules}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=True,
    )
    assert done.stdout.strip() == "[]"
