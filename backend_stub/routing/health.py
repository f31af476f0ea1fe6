"""Channel health, circuit breakers and daily usage, all in the database (DESIGN.md 13, seed 001).

Every call to a channel is a row (``channel_calls``): which channel, what
kind of call, whether the channel did its job (``ok``; a decline about the
customer is ok, a system error, a timeout or a refusal of the channel's own
is not), when. From those rows:

- Health ("渠道切换"): over the last ``health_window_s``, a channel with at
  least ``health_min_samples`` calls and a success rate below
  ``health_threshold_pct`` is taken *out*; routing skips it. While out it is
  probed with query calls (which move no money); once the window holds
  ``health_probe_samples`` probes at or above the threshold it is put back
  *in*, counting afresh from then.
- Circuit breaker: ``breaker_failures`` answers in a row that never came
  (system error, timeout) open it for ``breaker_open_s``: routing skips the
  channel and, with no other, answers ``CHANNEL_UNAVAILABLE`` at once. Then
  one trade is let through as a trial (half open): an answer closes it, an
  error opens it again.

Each switch is an event (``channel_events``) for the operators. Every state
change is a conditional UPDATE, so instances racing to make the same switch
record it once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from backend_stub.clock import s_to_ms
from backend_stub.routing.channels.base import ChannelStatus
from backend_stub.routing.channels.codes import meaning
from backend_stub.routing.channels.pool import CallResult
from backend_stub.settings import Settings
from backend_stub.storage.db import insert_ignoring_conflict
from backend_stub.storage.schema import channel_calls, channel_events, channel_status, channel_usage
from protocol.errors import ErrorCode

from .plan import RoutingState, Usage

__all__ = [
    "ChannelHealth",
    "add_usage",
    "claim_trial",
    "evaluate_health",
    "list_events",
    "out_channels",
    "purge_calls",
    "record_calls",
    "report",
    "routing_state",
]

_KEEP_CALLS_MS = 86_400_000


@dataclass(frozen=True)
class ChannelHealth:
    channel: str
    health: str  # in | out
    health_since_ms: int
    breaker: str  # closed | open | half_open
    failures: int
    open_until_ms: int
    samples: int
    success_pct: int | None  # over the window (probes while out); None: no calls


def _status_rows(conn: Connection) -> dict[str, Any]:
    return {r.channel: r for r in conn.execute(select(channel_status)).all()}


def routing_state(conn: Connection, day: str, now_ms: int) -> tuple[RoutingState, frozenset[str]]:
    """What routing needs: channels that cannot take trades, today's usage; and breaker trials."""
    unavailable: dict[str, ErrorCode] = {}
    trials: set[str] = set()
    for row in _status_rows(conn).values():
        if row.health == "out":
            unavailable[row.channel] = ErrorCode.CHANNEL_UNAVAILABLE
        elif row.breaker != "closed":
            if row.open_until_ms > now_ms:
                unavailable[row.channel] = ErrorCode.CHANNEL_UNAVAILABLE
            else:
                trials.add(row.channel)
    usage = {
        rule: Usage(int(amount), int(count), int(weighted))
        for rule, amount, count, weighted in conn.execute(
            select(
                channel_usage.c.rule,
                channel_usage.c.amount_fen,
                channel_usage.c.count,
                channel_usage.c.weighted,
            ).where(channel_usage.c.day == day)
        ).all()
    }
    return RoutingState(unavailable, usage), frozenset(trials)


def claim_trial(conn: Connection, channel: str, now_ms: int, settings: Settings) -> bool:
    """Take the one trial call of a breaker that is due; False if another request took it."""
    done = conn.execute(
        update(channel_status)
        .where(
            channel_status.c.channel == channel,
            channel_status.c.breaker != "closed",
            channel_status.c.open_until_ms <= now_ms,
        )
        .values(breaker="half_open", open_until_ms=now_ms + s_to_ms(settings.breaker_open_s))
    )
    if done.rowcount == 1:
        _event(conn, channel, "breaker_trial", "one trade let through", now_ms)
        return True
    return False


def _event(conn: Connection, channel: str, kind: str, detail: str, now_ms: int) -> None:
    conn.execute(
        insert(channel_events).values(channel=channel, kind=kind, detail=detail, at_ms=now_ms)
    )


def _ensure(conn: Connection, channel: str) -> None:
    insert_ignoring_conflict(conn, channel_status, {"channel": channel, "health_since_ms": 0})


def record_calls(
    conn: Connection, results: Iterable[CallResult], now_ms: int, settings: Settings
) -> None:
    """Log each call that reached its channel; move the channel's breaker."""
    for result in results:
        answer = result.answer
        if not answer.sent:
            continue
        no_answer = answer.status is ChannelStatus.ERROR
        ok = not meaning(answer).channel_fault
        conn.execute(
            insert(channel_calls).values(
                channel=result.channel,
                kind=result.kind,
                ok=ok,
                code=answer.code[:32],
                elapsed_ms=min(result.elapsed_ms, 2**31 - 1),
                at_ms=now_ms,
            )
        )
        if result.kind != "probe":
            _move_breaker(conn, result.channel, no_answer, now_ms, settings)


def _move_breaker(
    conn: Connection, channel: str, no_answer: bool, now_ms: int, settings: Settings
) -> None:
    _ensure(conn, channel)
    row = conn.execute(
        select(channel_status).where(channel_status.c.channel == channel).with_for_update()
    ).one()
    if not no_answer:
        if row.failures or row.breaker != "closed":
            conn.execute(
                update(channel_status)
                .where(channel_status.c.channel == channel)
                .values(breaker="closed", failures=0, open_until_ms=0)
            )
            if row.breaker != "closed":
                _event(conn, channel, "breaker_closed", "the channel answers again", now_ms)
        return
    failures = row.failures + 1
    opens = row.breaker == "half_open" or (
        row.breaker == "closed" and failures >= settings.breaker_failures
    )
    values: dict[str, Any] = {"failures": failures}
    if opens:
        values |= {"breaker": "open", "open_until_ms": now_ms + s_to_ms(settings.breaker_open_s)}
    conn.execute(update(channel_status).where(channel_status.c.channel == channel).values(values))
    if opens:
        why = "the trial failed" if row.breaker == "half_open" else f"{failures} errors in a row"
        _event(conn, channel, "breaker_open", why, now_ms)


def add_usage(conn: Connection, day: str, rule: str, amount_fen: int, weighted: bool) -> None:
    """Count a routed trade against its rule's day (quotas, limits, weights)."""
    values = {
        "day": day,
        "rule": rule,
        "amount_fen": amount_fen,
        "count": 1,
        "weighted": 1 if weighted else 0,
    }
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(channel_usage).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["day", "rule"],
        set_={
            "amount_fen": channel_usage.c.amount_fen + stmt.excluded.amount_fen,
            "count": channel_usage.c.count + 1,
            "weighted": channel_usage.c.weighted + stmt.excluded.weighted,
        },
    )
    conn.execute(stmt)


def _window_counts(conn: Connection, channel: str, since_ms: int, probes: bool) -> tuple[int, int]:
    kind = channel_calls.c.kind == "probe" if probes else channel_calls.c.kind != "probe"
    total, good = conn.execute(
        select(
            func.count(), func.coalesce(func.sum(case((channel_calls.c.ok, 1), else_=0)), 0)
        ).where(channel_calls.c.channel == channel, channel_calls.c.at_ms > since_ms, kind)
    ).one()
    return int(total), int(good)


def evaluate_health(
    conn: Connection, channels: Iterable[str], now_ms: int, settings: Settings
) -> list[str]:
    """Take out or put back channels by their window; returns what changed, for the log."""
    changed: list[str] = []
    threshold = settings.health_threshold_pct
    window = s_to_ms(settings.health_window_s)
    for channel in channels:
        _ensure(conn, channel)
        row = conn.execute(select(channel_status).where(channel_status.c.channel == channel)).one()
        since = max(now_ms - window, row.health_since_ms)
        if row.health == "in":
            total, good = _window_counts(conn, channel, since, probes=False)
            if total >= settings.health_min_samples and good * 100 < threshold * total:
                detail = f"success {good * 100 // total}% of {total} calls, below {threshold}%"
                if _switch(conn, channel, "in", "out", now_ms):
                    _event(conn, channel, "health_out", detail, now_ms)
                    changed.append(f"{channel} out: {detail}")
        else:
            total, good = _window_counts(conn, channel, since, probes=True)
            if total >= settings.health_probe_samples and good * 100 >= threshold * total:
                detail = f"probes {good * 100 // total}% of {total} healthy"
                if _switch(conn, channel, "out", "in", now_ms):
                    _event(conn, channel, "health_in", detail, now_ms)
                    changed.append(f"{channel} in: {detail}")
    return changed


def _switch(conn: Connection, channel: str, was: str, to: str, now_ms: int) -> bool:
    done = conn.execute(
        update(channel_status)
        .where(channel_status.c.channel == channel, channel_status.c.health == was)
        .values(health=to, health_since_ms=now_ms)
    )
    return done.rowcount == 1


def out_channels(conn: Connection) -> list[str]:
    return list(
        conn.execute(select(channel_status.c.channel).where(channel_status.c.health == "out"))
        .scalars()
        .all()
    )


def report(
    conn: Connection, channels: Iterable[str], now_ms: int, settings: Settings
) -> list[ChannelHealth]:
    rows = _status_rows(conn)
    window = s_to_ms(settings.health_window_s)
    found = []
    for channel in channels:
        row = rows.get(channel)
        health = row.health if row is not None else "in"
        since_ms = row.health_since_ms if row is not None else 0
        total, good = _window_counts(
            conn, channel, max(now_ms - window, since_ms), probes=health == "out"
        )
        found.append(
            ChannelHealth(
                channel=channel,
                health=health,
                health_since_ms=since_ms,
                breaker=row.breaker if row is not None else "closed",
                failures=row.failures if row is not None else 0,
                open_until_ms=row.open_until_ms if row is not None else 0,
                samples=total,
                success_pct=good * 100 // total if total else None,
            )
        )
    return found


def list_events(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(channel_events).order_by(channel_events.c.id.desc()).limit(limit)
    ).all()
    return [
        {"channel": r.channel, "kind": r.kind, "detail": r.detail, "at_ms": r.at_ms} for r in rows
    ]


def purge_calls(conn: Connection, now_ms: int) -> int:
    """Forget call rows older than a day (health needs a minute; operators look back a day)."""
    return conn.execute(
        delete(channel_calls).where(channel_calls.c.at_ms < now_ms - _KEEP_CALLS_MS)
    ).rowcount
