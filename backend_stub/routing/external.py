"""Trades paid through an external channel: route, pay, then query / reverse until settled.

A WeChat Pay, Alipay or UnionPay code is routed (:mod:`.channel_routing`) to
a logical channel; the trade is stored ``PROCESSING`` with the channel, the
rule, the routing version, its fee and a channel order number
(``<trade_no>-<attempt>``), and committed *before* the channel is called:
no database lock is ever held while a channel thinks. Then:

- ``pay`` answers with what the channel said: ``SUCCESS``; ``FAILED`` with
  our reason for the channel's code; or ``PROCESSING`` (the customer is still
  confirming, or the channel gave no usable answer: query). A definite,
  channel-caused refusal is retried on the next candidate channel (at most
  three); nothing that may have charged is ever retried elsewhere.
- What is left to do at the channel is written on the trade
  (``channel_todo``: ``query``, ``reverse``, ``watch``; ``poll_at_ms``: when),
  and done by whichever comes first: the terminal's ``query`` or ``cancel``,
  or the channel monitor of any instance (:mod:`.channel_monitor`).
- ``PROCESSING`` past ``channel_deadline_s``: the backend reverses it itself
  (``CLOSED``, ``PAYMENT_TIMED_OUT``), so no trade stays open.
- ``cancel`` closes the trade at once (``CLOSED``: the terminal is told "not
  charged") and reverses at the channel; until the channel confirms, the
  reverse is retried. A reversed order that was still pending is *watched*
  for ``late_watch_s``: a charge that lands after the reverse (a channel
  that took the payment anyway) is found by querying, and reversed again,
  which refunds it. ``channel_state`` on the trade always says what the
  channel last told us, so the terminal's query tells the truth.
- Refunds of the code's part go to the channel the trade was paid through;
  a refund the channel has not confirmed stays ``PENDING`` and is retried.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Row

from backend_stub.clock import business_day, s_to_ms
from backend_stub.context import Backend, Call
from backend_stub.routing.channels.base import Channel, ChannelAnswer, ChannelOrder, ChannelStatus
from backend_stub.routing.channels.codes import Outcome, meaning
from backend_stub.routing.channels.pool import CallResult
from backend_stub.settings import Settings
from backend_stub.storage.schema import refunds, trades
from protocol.errors import ErrorCode
from protocol.models import PayRequest, TradeState
from protocol.paycode import Issuer

from . import health as channel_state
from . import risk
from .config import PhysicalChannel
from .plan import Candidate, Decision, Order, RoutingState
from .versions import ActiveRouting, at_version

__all__ = [
    "MAX_ATTEMPTS",
    "channel_part",
    "lease_ms",
    "refund_at_channel",
    "request_reverse",
    "settle",
    "start_pay",
]

log = logging.getLogger("scanpay.external")

MAX_ATTEMPTS = 3
_S = ChannelStatus
_LATE_POSSIBLE = (None, "SENT", "PAYING", "UNKNOWN")


@dataclass(frozen=True)
class _PayPlan:
    trade_id: int
    trade_no: str
    code: str
    amount_fen: int
    merchant_id: str
    description: str
    day: str
    routing: ActiveRouting
    candidates: tuple[Candidate, ...]


def lease_ms(settings: Settings) -> int:
    """How long a trade's channel work is left to the request doing it, before others may."""
    return s_to_ms(settings.channel_timeout_s * MAX_ATTEMPTS + settings.channel_poll_s)


def _update(conn: Connection, trade_id: int, now_ms: int, **values: Any) -> None:
    conn.execute(
        update(trades).where(trades.c.id == trade_id).values(updated_at_ms=now_ms, **values)
    )


def _lock(conn: Connection, trade_id: int) -> Row[Any]:
    return conn.execute(select(trades).where(trades.c.id == trade_id).with_for_update()).one()


def _excluded_text(decision: Decision) -> str:
    return "; ".join(f"{rule}: {reason.value}" for rule, reason in decision.excluded)


# -- pay ------------------------------------------------------------------------------------


def start_pay(
    conn: Connection,
    call: Call,
    request: PayRequest,
    trade: Row[Any],
    issuer: Issuer,
    routing: ActiveRouting,
    backend: Backend,
) -> Callable[[], None] | None:
    """Route the trade and get it ready to send; the returned work calls the channel(s).

    ``None``: it was declined here (no channel, risk); its outcome is set.
    """
    settings = backend.settings
    now = call.now_ms
    terminal = call.terminal
    order = Order(
        issuer, request.amount_fen, terminal.merchant_id, terminal.store_id, terminal.kind, now
    )
    day = business_day(now, settings.utc_offset_min)
    state, trials = channel_state.routing_state(conn, day, now)
    decision = routing.plan.decide(order, state)
    while decision.route is not None and decision.route.channel in trials:
        channel = decision.route.channel
        if channel_state.claim_trial(conn, channel, now, settings):
            break  # this trade is the breaker's trial call
        trials = trials - {channel}
        state = RoutingState(
            {**state.unavailable, channel: ErrorCode.CHANNEL_UNAVAILABLE}, state.usage
        )
        decision = routing.plan.decide(order, state)
    route = decision.route
    if route is None:
        reason = decision.refusal or ErrorCode.ISSUER_NOT_SUPPORTED
        _update(
            conn,
            trade.id,
            now,
            state="FAILED",
            reason=reason.value,
            route_trace=_excluded_text(decision),
        )
        return None
    judged = risk.evaluate(
        conn,
        routing.config.risk,
        member=None,
        terminal_id=terminal.id,
        amount_fen=request.amount_fen,
        now_ms=now,
        pin_possible=False,
    )
    if judged.action == "decline":
        _update(conn, trade.id, now, state="FAILED", reason="RISK_DECLINED", risk=judged.note)
        return None
    _update(
        conn,
        trade.id,
        now,
        channel=route.channel,
        routing_rule=route.rule,
        fee_fen=route.fee_fen,
        risk=judged.note,
        channel_trade_no=f"{trade.trade_no}-1",
        channel_state="SENT",
        channel_todo="query",
        poll_at_ms=now + lease_ms(settings),
        channel_deadline_ms=now + s_to_ms(settings.channel_deadline_s),
        route_trace=f"{route.rule}/{route.channel} via {route.via}",
    )
    plan = _PayPlan(
        trade.id,
        trade.trade_no,
        request.payment_code,
        request.amount_fen,
        terminal.merchant_id,
        request.description,
        day,
        routing,
        decision.candidates,
    )
    return lambda: _pay_at_channels(backend, plan)


def _pay(channel: Channel, order: ChannelOrder) -> ChannelAnswer:
    return channel.pay(order)


def _next_attempt(
    backend: Backend, plan: _PayPlan, candidate: Candidate, number: str, note: str
) -> bool:
    """Move the trade to the next candidate; False if it was cancelled meanwhile."""
    with backend.db.write() as conn:
        row = _lock(conn, plan.trade_id)
        if row.state != TradeState.PROCESSING:
            return False
        _update(
            conn,
            row.id,
            backend.now_ms(),
            channel=candidate.channel,
            routing_rule=candidate.rule,
            fee_fen=candidate.fee_fen,
            channel_trade_no=number,
            route_trace=(row.route_trace + f"; {note}; retry {candidate.rule}/{candidate.channel}")[
                -2000:
            ],
        )
        return True


def _pay_at_channels(backend: Backend, plan: _PayPlan) -> None:
    """Send the pay, retrying definite channel-caused refusals on the next channel; apply it."""
    results: list[CallResult] = []
    tried: set[str] = set()
    last: tuple[Candidate, CallResult] | None = None
    attempt = 0
    for candidate in plan.candidates:
        if candidate.channel in tried:
            continue
        attempt += 1
        if attempt > MAX_ATTEMPTS:
            break
        number = f"{plan.trade_no}-{attempt}"
        if last is not None and not _next_attempt(
            backend, plan, candidate, number, f"{last[1].channel}: {last[1].answer}"
        ):
            break
        spec = plan.routing.config.channel(candidate.channel)
        assert spec is not None
        order = ChannelOrder(number, plan.code, plan.amount_fen, plan.merchant_id, plan.description)
        result = backend.channels.call(spec, "pay", partial(_pay, order=order))
        results.append(result)
        last = (candidate, result)
        found = meaning(result.answer)
        if not (found.outcome is Outcome.DECLINED and found.retry_elsewhere):
            break
        tried.add(candidate.channel)
    if last is None:  # pragma: no cover - there is always a first candidate
        return
    candidate, result = last
    with backend.db.write() as conn:
        now = backend.now_ms()
        channel_state.record_calls(conn, results, now, backend.settings)
        found = meaning(result.answer)
        if result.answer.sent and not (found.outcome is Outcome.DECLINED and found.retry_elsewhere):
            channel_state.add_usage(
                conn, plan.day, candidate.rule, plan.amount_fen, candidate.via.endswith("weight")
            )
        row = _lock(conn, plan.trade_id)
        _apply(conn, row, "pay", result.answer, now, backend.settings)


# -- what the channel said -------------------------------------------------------------------


def _channel_word(answer: ChannelAnswer) -> str:
    return {
        _S.PAID: "PAID",
        _S.PAYING: "PAYING",
        _S.CLOSED: "CLOSED",
        _S.REFUNDED: "REFUNDED",
        _S.DECLINED: "FAILED",
    }.get(answer.status, "UNKNOWN")


def _apply(
    conn: Connection, row: Row[Any], kind: str, answer: ChannelAnswer, now: int, settings: Settings
) -> None:
    """Bring the trade up to date with one answer from its channel."""
    poll = s_to_ms(settings.channel_poll_s)
    values: dict[str, Any] = {"channel_code": answer.code[:32] or None}
    if kind == "reverse":
        values |= _after_reverse(row, answer, now, poll, settings)
    elif row.state == TradeState.PROCESSING:
        values |= _while_processing(row, answer, now, poll)
    elif row.state in (TradeState.CLOSED, TradeState.FAILED):
        values |= _after_close(row, answer, now, poll, s_to_ms(settings.late_watch_s))
    else:  # paid, or refunded: nothing more to find out
        values |= {"channel_todo": None, "poll_at_ms": None}
    if answer.status is not _S.ERROR and kind != "reverse":
        values["channel_state"] = _channel_word(answer)
    _update(conn, row.id, now, **values)


def _while_processing(row: Row[Any], answer: ChannelAnswer, now: int, poll: int) -> dict[str, Any]:
    found = meaning(answer)
    done = {"channel_todo": None, "poll_at_ms": None}
    if found.outcome is Outcome.PAID:
        return done | {"state": "SUCCESS", "reason": None, "paid_at_ms": now}
    if found.outcome is Outcome.DECLINED:
        reason = found.reason or ErrorCode.CHANNEL_DECLINED
        return done | {"state": "FAILED", "reason": reason.value}
    if answer.status is _S.NOT_FOUND:  # it never reached the channel: make sure it never will
        return {
            "state": "FAILED",
            "reason": ErrorCode.CHANNEL_UNAVAILABLE.value,
            "channel_todo": "reverse",
            "poll_at_ms": now,
        }
    deadline = row.channel_deadline_ms or now
    if now >= deadline:
        return {
            "state": "CLOSED",
            "reason": ErrorCode.PAYMENT_TIMED_OUT.value,
            "channel_todo": "reverse",
            "poll_at_ms": now,
        }
    return {"channel_todo": "query", "poll_at_ms": min(now + poll, deadline)}


def _after_close(
    row: Row[Any], answer: ChannelAnswer, now: int, poll: int, watch: int
) -> dict[str, Any]:
    """We told the terminal "not charged": money found at the channel goes back."""
    if answer.status is _S.PAID:
        return {"channel_todo": "reverse", "poll_at_ms": now}
    if row.channel_todo == "watch":
        until = row.watch_until_ms or 0
        if answer.status is _S.ERROR or until > now:
            since_reverse = now - (until - watch)
            return {"poll_at_ms": now + max(poll, since_reverse // 4)}  # looks less often later
        return {"channel_todo": None, "poll_at_ms": None, "watch_until_ms": None}
    if row.channel_todo == "reverse":
        return {}
    return {"channel_todo": None, "poll_at_ms": None}


def _after_reverse(
    row: Row[Any], answer: ChannelAnswer, now: int, poll: int, settings: Settings
) -> dict[str, Any]:
    if answer.status not in (_S.CLOSED, _S.REFUNDED):
        return {"channel_todo": "reverse", "poll_at_ms": now + poll}  # try again
    values: dict[str, Any] = {"channel_state": _channel_word(answer)}
    if answer.status is _S.CLOSED and row.channel_state in _LATE_POSSIBLE:
        watch = now + s_to_ms(settings.late_watch_s)
        return values | {"channel_todo": "watch", "watch_until_ms": watch, "poll_at_ms": now + poll}
    return values | {"channel_todo": None, "poll_at_ms": None}


# -- the work left at the channel ------------------------------------------------------------


def request_reverse(
    conn: Connection, row: Row[Any], reason: ErrorCode, now: int, settings: Settings
) -> bool:
    """``cancel`` of an external trade: close it now, reverse at the channel. True: work to do."""
    if row.state in (
        TradeState.PROCESSING,
        TradeState.SUCCESS,
        TradeState.PARTIALLY_REFUNDED,
    ):
        _update(
            conn,
            row.id,
            now,
            state="CLOSED",
            reason=reason.value,
            channel_todo="reverse",
            poll_at_ms=now + lease_ms(settings),
        )
        return True
    return row.channel_todo is not None


def _spec(conn: Connection, row: Row[Any], settings: Settings) -> PhysicalChannel:
    routing = at_version(conn, row.routing_version or 0, settings.utc_offset_min)
    spec = routing.config.channel(row.channel)
    if spec is None:
        raise LookupError(f"channel {row.channel} is not in version {row.routing_version}")
    return spec


def settle(backend: Backend, trade_id: int) -> None:
    """Do the channel work a trade has left, now (query, reverse, or watch for a late charge)."""
    settings = backend.settings
    try:
        with backend.db.write() as conn:
            row = _lock(conn, trade_id)
            if row.channel_todo is None or row.channel_trade_no is None:
                return
            now = backend.now_ms()
            if row.state == TradeState.PROCESSING and now >= (row.channel_deadline_ms or now):
                _update(
                    conn,
                    row.id,
                    now,
                    state="CLOSED",
                    reason=ErrorCode.PAYMENT_TIMED_OUT.value,
                    channel_todo="reverse",
                )
                row = _lock(conn, trade_id)
            spec = _spec(conn, row, settings)
        kind = "reverse" if row.channel_todo == "reverse" else "query"
        number = row.channel_trade_no
        if kind == "reverse":
            result = backend.channels.call(spec, kind, lambda ch: ch.reverse(number))
        else:
            result = backend.channels.call(spec, kind, lambda ch: ch.query(number))
        with backend.db.write() as conn:
            now = backend.now_ms()
            channel_state.record_calls(conn, [result], now, settings)
            if result.answer.sent:
                _apply(conn, _lock(conn, trade_id), kind, result.answer, now, settings)
    except Exception as exc:  # a busy database or a bug: the monitor tries again later
        log.warning("channel work on trade %s failed (%s)", trade_id, type(exc).__name__)


# -- refunds --------------------------------------------------------------------------------


def refund_at_channel(backend: Backend, refund_id: int) -> str:
    """Send a ``PENDING`` refund's channel part; returns the refund's state afterwards."""
    settings = backend.settings
    with backend.db.read() as conn:
        refund = conn.execute(select(refunds).where(refunds.c.id == refund_id)).one()
        if refund.state != "PENDING":
            return str(refund.state)
        trade = conn.execute(select(trades).where(trades.c.id == refund.trade_id)).one()
        spec = _spec(conn, trade, settings)
    amount = channel_part(refund.parts, trade.out_trade_no)
    number, refund_no = trade.channel_trade_no, f"{trade.channel_trade_no}-R{refund_id}"
    result = backend.channels.call(spec, "refund", lambda ch: ch.refund(number, refund_no, amount))
    answer = result.answer
    with backend.db.write() as conn:
        now = backend.now_ms()
        channel_state.record_calls(conn, [result], now, settings)
        locked = conn.execute(
            select(refunds).where(refunds.c.id == refund_id).with_for_update()
        ).one()
        if locked.state != "PENDING":
            return str(locked.state)
        if answer.status is _S.REFUNDED:
            state = "SUCCESS"
        elif answer.status is _S.DECLINED and answer.sent:
            state = "FAILED"
            _release(conn, locked, now)
        else:
            conn.execute(
                update(refunds)
                .where(refunds.c.id == refund_id)
                .values(poll_at_ms=now + s_to_ms(settings.channel_poll_s))
            )
            return "PENDING"
        conn.execute(
            update(refunds).where(refunds.c.id == refund_id).values(state=state, poll_at_ms=None)
        )
        return state


def channel_part(parts_json: str, out_trade_no: str) -> int:
    """The refund's part that goes back through the code (named by the trade's own number)."""
    parts = json.loads(parts_json)
    return sum(p["amount_fen"] for p in parts if p.get("reference") == out_trade_no)


def _release(conn: Connection, refund: Row[Any], now: int) -> None:
    """A refund the channel refused: what it had reserved on the trade is free again."""
    trade = _lock(conn, refund.trade_id)
    code_part = channel_part(refund.parts, trade.out_trade_no)
    refunded = trade.refunded_fen - code_part
    other = trade.other_refunded_fen - (refund.amount_fen - code_part)
    state = trade.state
    if state in (TradeState.PARTIALLY_REFUNDED, TradeState.REFUNDED):
        state = "PARTIALLY_REFUNDED" if refunded + other else "SUCCESS"
    _update(conn, trade.id, now, refunded_fen=refunded, other_refunded_fen=other, state=state)
