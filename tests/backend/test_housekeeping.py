"""The sweeper's work and housekeeping in-process, on a real SQLite file, with the clock seam.

A :class:`~backend_stub.clock.FixedClock` moves time by hand, so the deadline
rules are checked to the millisecond without sleeping.
"""

from __future__ import annotations

from sqlalchemy import insert, select

from backend_stub.clock import FixedClock
from backend_stub.context import Backend, Call
from backend_stub.gateway import signed as gateway
from backend_stub.jobs.sweeper import sweep_once
from backend_stub.payments import members as m
from backend_stub.payments import paycodes, trades
from backend_stub.payments.terminals import create_merchant, create_store, create_terminal
from backend_stub.settings import Settings
from backend_stub.storage import keys
from backend_stub.storage.db import Database
from backend_stub.storage.migrate import upgrade
from backend_stub.storage.schema import nonces
from protocol.models import PayRequest, TerminalKind, TradeView
from protocol.paycode import Issuer

T0 = 1_800_000_000_000


def make_backend(tmp_path) -> Backend:
    db = Database(f"sqlite:///{tmp_path / 'scanpay.db'}")
    upgrade(db)
    upgrade(db)  # a second start finds the schema current
    return Backend(db, Settings(pin_deadline_s=90), FixedClock(T0))


def test_trades_close_exactly_after_their_deadline(tmp_path):
    backend = make_backend(tmp_path)
    clock = backend.clock
    assert isinstance(clock, FixedClock)
    with backend.db.write() as conn:
        keys.ensure_keys(conn, T0)
        create_merchant(conn, "M1", "Shop", T0)
        create_store(conn, "S1", "M1", "Shop 1", T0)
        terminal = create_terminal(conn, "S1", TerminalKind.POS, "till", T0)
        member = m.create_member(
            conn, member_no="A1", phone="13900000000", name="A", now_ms=T0, points=100_000
        )
        code = paycodes.issue(conn, member.id, Issuer.POINTS, "phone", T0, 60_000)
        call = Call(terminal, "n" * 16, T0, "en")
        request = PayRequest(
            terminal_id=terminal.id,
            timestamp=T0 // 1000,
            nonce="n" * 16,
            out_trade_no="ORDER1",
            payment_code=code.code,
            amount_fen=30_000,
        )
        view = trades.pay(conn, call, trades.plan_pay(request, backend.settings), backend)
        assert isinstance(view, TradeView)
    assert view.state == "PIN_REQUIRED" and view.pin_deadline == T0 // 1000 + 90
    clock.advance(90_000)  # at the deadline: still open
    assert sweep_once(backend) == 0
    clock.advance(1)
    assert sweep_once(backend) == 1
    with backend.db.read() as conn:
        row = trades.find_trade(conn, terminal.id, "ORDER1")
        assert row is not None and row.state == "CLOSED" and row.reason == "TRADE_CLOSED"
    assert sweep_once(backend) == 0
    backend.db.dispose()


def test_nonces_are_forgotten_only_once_their_replays_would_be_stale(tmp_path):
    backend = make_backend(tmp_path)
    now_s = T0 // 1000
    with backend.db.write() as conn:
        for nonce, ts in (("old" + "0" * 13, now_s - 301), ("edge" + "0" * 12, now_s - 300)):
            conn.execute(insert(nonces).values(terminal_id="T1", nonce=nonce, request_ts=ts))
    with backend.db.write() as conn:
        assert gateway.purge_nonces(conn, T0) == 1
        left = conn.execute(select(nonces.c.nonce)).scalars().all()
    assert left == ["edge" + "0" * 12]
    backend.db.dispose()
