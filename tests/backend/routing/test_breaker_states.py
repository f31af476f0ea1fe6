"""Breaker states and the health window in-process, on a real SQLite file, times given by hand."""

from __future__ import annotations

from backend_stub.routing import health as channel_state
from backend_stub.routing.channels.base import ChannelAnswer, ChannelStatus
from backend_stub.routing.channels.pool import CallResult
from backend_stub.settings import Settings
from backend_stub.storage.db import Database
from backend_stub.storage.migrate import upgrade

T0 = 1_800_000_000_000
SETTINGS = Settings(
    breaker_failures=3,
    breaker_open_s=30,
    health_window_s=60,
    health_min_samples=5,
    health_probe_samples=3,
)
ERROR = ChannelAnswer(ChannelStatus.ERROR, "SYSTEMERROR")
PAID = ChannelAnswer(ChannelStatus.PAID)
NOTENOUGH = ChannelAnswer(ChannelStatus.DECLINED, "NOTENOUGH")


def record(db, answer, at, kind="pay", channel="c1"):
    with db.write() as conn:
        channel_state.record_calls(conn, [CallResult(channel, kind, answer, 5)], at, SETTINGS)


def state(db, at):
    with db.read() as conn:
        return channel_state.routing_state(conn, "2027-01-15", at)


def test_three_errors_open_then_one_trial_then_closed_or_open_again(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'b.db'}")
    upgrade(db)
    for i in range(2):
        record(db, ERROR, T0 + i)
    assert state(db, T0 + 2)[0].unavailable == {}
    record(db, ERROR, T0 + 3)
    routing, trials = state(db, T0 + 4)
    assert "c1" in routing.unavailable and not trials
    routing, trials = state(db, T0 + 3 + 30_000)  # open time over: a trial is due
    assert routing.unavailable == {} and trials == {"c1"}
    with db.write() as conn:
        assert channel_state.claim_trial(conn, "c1", T0 + 30_003, SETTINGS)
        assert not channel_state.claim_trial(conn, "c1", T0 + 30_003, SETTINGS)  # one only
    record(db, ERROR, T0 + 30_004)  # the trial failed: open again at once
    assert "c1" in state(db, T0 + 30_005)[0].unavailable
    with db.write() as conn:
        assert channel_state.claim_trial(conn, "c1", T0 + 60_004, SETTINGS)
    record(db, PAID, T0 + 60_005)
    routing, trials = state(db, T0 + 60_006)
    assert routing.unavailable == {} and not trials
    with db.read() as conn:
        kinds = [e["kind"] for e in channel_state.list_events(conn)][::-1]
    assert kinds == [
        "breaker_open",
        "breaker_trial",
        "breaker_open",
        "breaker_trial",
        "breaker_closed",
    ]
    db.dispose()


def test_health_counts_channel_faults_in_the_window_and_needs_enough_calls(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'h.db'}")
    upgrade(db)

    def evaluate(at):
        with db.write() as conn:
            return channel_state.evaluate_health(conn, ["c1"], at, SETTINGS)

    for i in range(19):  # a customer's decline is the channel doing its job
        record(db, NOTENOUGH if i % 2 else PAID, T0 + i)
    record(db, ERROR, T0 + 19)
    assert evaluate(T0 + 20) == []  # 19 of 20 = 95%: not below
    record(db, ChannelAnswer(ChannelStatus.DECLINED, "CHANNEL_QUOTA"), T0 + 21)
    assert evaluate(T0 + 22) == ["c1 out: success 90% of 21 calls, below 95%"]
    assert "c1" in state(db, T0 + 23)[0].unavailable
    record(db, PAID, T0 + 30, kind="probe")
    record(db, PAID, T0 + 31, kind="probe")
    assert evaluate(T0 + 32) == []  # two probes are not enough
    record(db, PAID, T0 + 33, kind="probe")
    assert evaluate(T0 + 34) == ["c1 in: probes 100% of 3 healthy"]
    # back in, it counts afresh: the old failures are not held against it
    record(db, ERROR, T0 + 40)
    assert evaluate(T0 + 41) == []
    db.dispose()


def test_a_few_failures_in_a_quiet_window_take_nothing_out(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'q.db'}")
    upgrade(db)
    for i in range(4):
        record(db, ChannelAnswer(ChannelStatus.DECLINED, "FREQUENCY_LIMITED"), T0 + i)
    with db.write() as conn:
        assert channel_state.evaluate_health(conn, ["c1"], T0 + 10, SETTINGS) == []
        # and failures older than the window no longer count
        for i in range(4):
            channel_state.record_calls(
                conn,
                [CallResult("c1", "pay", ChannelAnswer(ChannelStatus.PAID), 1)],
                T0 + 61_000 + i,
                SETTINGS,
            )
        assert channel_state.evaluate_health(conn, ["c1"], T0 + 61_010, SETTINGS) == []
    db.dispose()
