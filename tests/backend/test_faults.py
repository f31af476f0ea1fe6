"""SERVICE_BUSY and SYSTEM_ERROR reached for real, and what the caller and the log see.

- Busy: the test holds the database's write lock (SQLite: ``BEGIN IMMEDIATE``
  on the file; PostgreSQL: ``LOCK TABLE nonces IN EXCLUSIVE MODE``) longer
  than the busy timeout of an instance started with ``--busy-timeout-ms 300``. The request
  waits, gives up, and answers SERVICE_BUSY: nothing was done, try again.
- System error: a trigger makes inserts into ``ledger_lines`` for one account
  fail, as a disk or constraint fault would, in the middle of a payment. The
  answer is SYSTEM_ERROR (the terminal must query), the whole transaction is
  rolled back, and the body says nothing about SQL, stacks or paths.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

import psycopg

from protocol.errors import ErrorCode
from tests.backend.test_gateway import assert_plain
from tests.harness import SignedClient, unique


@contextlib.contextmanager
def write_lock_held(live) -> Iterator[None]:
    if live.kind == "sqlite":
        conn = sqlite3.connect(live.server.data_dir / "scanpay.db", isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
    else:
        dsn = live.database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn) as pg:
            pg.execute("LOCK TABLE nonces IN EXCLUSIVE MODE")
            try:
                yield
            finally:
                pg.rollback()


def test_a_database_held_too_long_answers_service_busy(backend, tmp_path):
    impatient = backend.sibling(
        tmp_path if backend.kind != "sqlite" else backend.server.data_dir, busy_timeout_ms=300
    )
    try:
        terminal = backend.terminal()
        terminal = SignedClient(impatient.url, terminal.terminal_id, terminal.secret)
        with write_lock_held(backend):
            reply = terminal.call("echo")
        assert reply.status == 429 and reply.code == ErrorCode.SERVICE_BUSY
        assert "try again" in reply.body.message and reply.body.sign
        assert terminal.call("echo").code == "OK"  # the lock is gone: it works again
        terminal.close()
    finally:
        impatient.close()


def _account_id(live, member_no: str) -> int:
    rows = live.sql(
        "SELECT a.id FROM accounts a JOIN members m ON m.id = a.member_id "
        f"WHERE m.member_no = '{member_no}' AND a.kind = 'points'"
    )
    return int(rows[0][0])


@contextlib.contextmanager
def ledger_fault(live, account_id: int) -> Iterator[None]:
    if live.kind == "sqlite":
        live.sql(
            "CREATE TRIGGER test_fault BEFORE INSERT ON ledger_lines "
            f"WHEN NEW.account_id = {account_id} "
            "BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
        )
    else:
        live.sql(
            "CREATE FUNCTION test_fault() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'injected fault'; END $$",
            "CREATE TRIGGER test_fault BEFORE INSERT ON ledger_lines FOR EACH ROW "
            f"WHEN (NEW.account_id = {account_id}) EXECUTE FUNCTION test_fault()",
        )
    try:
        yield
    finally:
        if live.kind == "sqlite":
            live.sql("DROP TRIGGER test_fault")
        else:
            live.sql("DROP TRIGGER test_fault ON ledger_lines", "DROP FUNCTION test_fault()")


def test_a_fault_in_the_middle_of_a_payment_is_a_system_error_and_changes_nothing(backend):
    terminal = backend.terminal()
    member = backend.member(points=5_000, pin=None)
    code, number = member.code(), unique()
    with ledger_fault(backend, _account_id(backend, member.member_no)):
        reply = terminal.call("pay", out_trade_no=number, payment_code=code, amount_fen=1_000)
    assert reply.status == 500 and reply.code == ErrorCode.SYSTEM_ERROR and reply.body.sign
    assert "Checking whether the payment went through" in reply.body.message
    assert_plain(reply.body.message)
    assert "injected" not in reply.body.model_dump_json()
    # What a terminal does next: query (nothing there), then the payment can be retried.
    assert terminal.call("query", out_trade_no=number).code == ErrorCode.TRADE_NOT_FOUND
    assert member.account()["balance_points"] == 5_000
    assert terminal.pay(code, 1_000, number)["state"] == "SUCCESS"
    assert backend.operator.verify()["ok"]


def test_the_log_never_shows_secrets_codes_or_pins(backend):
    terminal = backend.terminal()
    member = backend.member(points=100_000, pin="271828")
    code, number = member.code(), unique()
    terminal.pay(code, 30_000, number)
    sms_code = backend.operator.last_sms_code(member.member_no, "pay")
    terminal.ok("confirm", out_trade_no=number, sms_code=sms_code)
    with ledger_fault(backend, _account_id(backend, member.member_no)):
        terminal.call("pay", out_trade_no=unique(), payment_code=member.code(), amount_fen=1)
    log = backend.server.log_path.read_text(errors="replace")
    assert "request failed" in log  # the fault above was logged...
    for secret in (code, terminal.secret, sms_code, "271828", backend.token):
        assert secret not in log  # ...but nothing a thief could use


def test_an_unknown_terminal_cannot_learn_anything_from_errors(backend):
    stranger = SignedClient(backend.url, "TSTRANGER", "s" * 64)
    reply = stranger.check(stranger.post_raw("pay", b'{"terminal_id": ["x"]}'), "")
    assert reply.code == ErrorCode.UNKNOWN_TERMINAL and reply.body.sign == ""
