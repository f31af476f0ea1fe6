"""The compact fault suite: every scenario of ``make faults`` at a small scale, zeros asserted.

Each test also checks that its fault really hit payments in progress (a
fault that misses proves nothing). The scenarios share one lab: a SQLite
backend (which the clock scenario leaves two minutes ahead: the others do
not mind) and a durable PostgreSQL under two backends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from terminal_sdk.journal import SessionState

from .fleet import Fleet
from .scenarios import (
    Lab,
    Scale,
    backend_killed,
    batch_killed,
    clock_moved,
    postgres_restarted,
    proxy_faults,
)
from .tally import Tally, count, table

SCALE = Scale(tills=6, shoppers_each=2, seconds=5.0, kills=1, down_s=1.0, seed=7)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    made = Lab(Path(tmp_path_factory.mktemp("faults")))
    try:
        yield made
    finally:
        made.close()


def assert_nothing_lost_or_charged_twice(tally: Tally) -> None:
    print("\n" + table([tally]))
    assert tally.attempted > 0 and tally.paid > 0
    assert tally.definite_at_once == tally.attempted  # the cashier saw "paid" or "not charged"
    assert tally.in_doubt_after_settle == 0, tally.problems
    assert tally.disagree == 0, tally.problems
    assert tally.double_charges == 0, tally.problems
    assert tally.verify_ok


async def test_backend_killed_mid_load(lab: Lab):
    tally = await backend_killed(SCALE, lab)
    assert_nothing_lost_or_charged_twice(tally)
    assert tally.hits["paying at the kill"] > 0


async def test_backend_killed_while_a_shared_commit_is_held_at_its_commit(lab: Lab):
    tally = await batch_killed(SCALE, lab)
    assert_nothing_lost_or_charged_twice(tally)
    assert tally.hits["SIGKILL, batch on disk, unanswered"] == SCALE.kills
    assert tally.hits["SIGKILL, batch not committed"] == SCALE.kills
    assert tally.hits["requests in the killed batches"] >= 2 * 2 * SCALE.kills
    assert tally.hits["queried"] > 0  # the tills of the written batch found out by query


async def test_proxy_delays_drops_and_cuts(lab: Lab):
    tally = await proxy_faults(SCALE, lab)
    assert_nothing_lost_or_charged_twice(tally)
    for fault in ("delay", "drop", "cut", "lose_request"):
        assert tally.hits[fault] > 0, fault
    assert tally.hits["queried"] > 0  # answers lost after the backend committed were found out


async def test_clock_moved_past_code_expiry_and_the_pin_deadline(lab: Lab):
    tally = await clock_moved(SCALE, lab)
    assert_nothing_lost_or_charged_twice(tally)
    assert tally.hits["held mid-payment"] == SCALE.tills
    assert tally.hits.get("CODE_EXPIRED", 0) > 0  # codes shown before the jump, scanned after
    assert tally.hits.get("TRADE_CLOSED", 0) > 0  # PINs typed after the deadline passed


async def test_postgresql_restarted_mid_load(lab: Lab):
    tally = await postgres_restarted(SCALE, lab)
    assert_nothing_lost_or_charged_twice(tally)
    assert tally.hits["paying at the crash"] > 0


async def test_the_count_finds_a_till_and_a_ledger_that_disagree(lab: Lab, tmp_path: Path):
    """The checker itself: a journal that lies and a charge taken twice are both caught."""
    operator = lab.start_sqlite()
    server = lab.sqlite
    fleet = await Fleet.enrol(
        operator=operator,
        backend_url=server.url,
        terminal_urls=[server.url],
        base_dir=tmp_path,
        tills=1,
        shoppers_each=1,
    )
    database = f"sqlite:///{server.data_dir / 'scanpay.db'}"
    try:
        stop = asyncio.Event()
        load = asyncio.create_task(fleet.run(stop))
        await asyncio.sleep(1.5)
        stop.set()
        await load
        assert count("honest", fleet, database, True, 0).ok

        journal = fleet.tills[0].terminal.journal
        paid = next(p for p in journal.recent_payments() if p.state is SessionState.PAID)
        journal.set_state(paid.out_trade_no, SessionState.NOT_CHARGED)  # "not charged", wrongly
        lying = count("lying till", fleet, database, True, 0)
        assert (lying.disagree, lying.double_charges) == (1, 1)
        journal.set_state(paid.out_trade_no, SessionState.PAID)

        engine = create_engine(database)
        with engine.begin() as conn:  # the same charge taken a second time
            conn.execute(
                text(
                    "INSERT INTO ledger_lines (account_id, delta, balance_after, kind, trade_id,"
                    " note, created_at_ms) SELECT account_id, delta, balance_after, kind,"
                    " trade_id, 'twice', created_at_ms FROM ledger_lines WHERE trade_id ="
                    " (SELECT id FROM trades WHERE out_trade_no = :otn) AND kind = 'pay'"
                ),
                {"otn": paid.out_trade_no},
            )
        try:
            twice = count("charged twice", fleet, database, True, 0)
            assert twice.double_charges == 1 and twice.disagree == 1
        finally:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM ledger_lines WHERE note = 'twice'"))
            engine.dispose()
    finally:
        await fleet.close()
