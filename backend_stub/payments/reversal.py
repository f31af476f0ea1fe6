"""Giving money back: ``cancel`` (reverse) and ``refund``.

``cancel`` makes a trade definitely "not charged": a trade waiting for its
PIN is closed; a paid one gets back whatever is still taken and is closed;
a failed, closed or fully refunded one is answered as it is. Cancelling a
number this terminal never used records a ``CLOSED`` tombstone (amount 0,
reason ``CANCELLED``) and answers with it, so a ``pay`` with that number that
arrives late finds the tombstone and cannot charge: it is answered with the
same ``CLOSED`` trade.

``refund`` gives back part or all of a paid trade, idempotent on
``(terminal_id, out_refund_no)``. Points come back in proportion, rounded up
(the customer's favour) on the running total, so refunds that add up to the
amount return exactly the points that were taken.

Routing (issue 5): a refund is against the whole order of a combination
payment and gives the parts back in the order stated in
:mod:`backend_stub.payments.combination`. A trade paid through an external channel is
reversed and refunded *at the channel* (:mod:`backend_stub.routing.external`):
``cancel`` answers ``CLOSED`` at once and the reverse follows; a refund the
channel has not confirmed yet is answered ``SYSTEM_ERROR`` (send the same
``out_refund_no`` again) and retried by the backend meanwhile.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from backend_stub.context import Backend, Call, Continue
from backend_stub.errors import ApiError
from backend_stub.ledger.postings import EntryKind, post
from backend_stub.routing import external
from backend_stub.settings import Settings
from backend_stub.storage.prepared import Record
from backend_stub.storage.schema import refunds, trades
from protocol.errors import ErrorCode
from protocol.models import (
    CancelRequest,
    RefundRequest,
    RefundView,
    TenderPart,
    TradeState,
    TradeView,
)

from . import members as m
from .combination import order_value, split_refund
from .trades import expire_if_due, find_trade, insert_trade, set_outcome, trade_view

__all__ = ["cancel", "refund"]

_PAID = (TradeState.SUCCESS.value, TradeState.PARTIALLY_REFUNDED.value)


def _lock_or_tombstone(conn: Connection, call: Call, out_trade_no: str) -> Record:
    row = find_trade(conn, call.terminal_id, out_trade_no, for_update=True)
    if row is not None:
        return row
    insert_trade(
        conn,
        {
            "terminal_id": call.terminal_id,
            "out_trade_no": out_trade_no,
            "request_hash": None,
            "state": TradeState.CLOSED.value,
            "reason": ErrorCode.CANCELLED.value,
            "amount_fen": 0,
        },
        call.now_ms,
    )
    # Either the tombstone, or the pay that beat it to the number (then cancel that).
    row = find_trade(conn, call.terminal_id, out_trade_no, for_update=True)
    assert row is not None
    return row


def _give_back(
    conn: Connection,
    row: Record,
    amount: int,
    kind: EntryKind,
    now_ms: int,
    *,
    refund_id: int | None = None,
) -> None:
    if amount == 0:
        return
    m.find_member(conn, member_id=row.member_id, for_update=True)  # same lock order as pay
    post(conn, row.account_id, amount, kind, now_ms, trade_id=row.id, refund_id=refund_id)


def _view_now(
    conn: Connection, call: Call, out_trade_no: str, now_ms: int, settings: Settings
) -> TradeView:
    row = find_trade(conn, call.terminal_id, out_trade_no)
    assert row is not None
    return trade_view(conn, row, now_ms, settings, call.lang)


def cancel(
    conn: Connection, call: Call, request: CancelRequest, backend: Backend
) -> TradeView | Continue:
    settings = backend.settings
    row = expire_if_due(conn, _lock_or_tombstone(conn, call, request.out_trade_no), call.now_ms)
    if row.channel is not None:  # paid (or paying) through an external channel
        if external.request_reverse(conn, row, ErrorCode.CANCELLED, call.now_ms, settings):
            trade_id = row.id
            return Continue(
                lambda: external.settle(backend, trade_id),
                lambda conn2, _: _view_now(
                    conn2, call, request.out_trade_no, backend.now_ms(), settings
                ),
            )
        return trade_view(conn, row, call.now_ms, settings, call.lang)
    if row.state == TradeState.PIN_REQUIRED:
        set_outcome(conn, row.id, call.now_ms, TradeState.CLOSED, ErrorCode.CANCELLED)
    elif row.state in _PAID:
        _give_back(conn, row, row.charge - row.returned, EntryKind.REVERSE, call.now_ms)
        set_outcome(
            conn, row.id, call.now_ms, TradeState.CLOSED, ErrorCode.CANCELLED, returned=row.charge
        )
    now = find_trade(conn, call.terminal_id, request.out_trade_no)
    assert now is not None
    return trade_view(conn, now, call.now_ms, settings, call.lang)


def _existing_refund(conn: Connection, call: Call, out_refund_no: str) -> Row[Any] | None:
    return conn.execute(
        select(refunds).where(
            refunds.c.terminal_id == call.terminal_id, refunds.c.out_refund_no == out_refund_no
        )
    ).first()


def refund(
    conn: Connection, call: Call, request: RefundRequest, backend: Backend
) -> RefundView | Continue:
    settings = backend.settings
    row = find_trade(conn, call.terminal_id, request.out_trade_no, for_update=True)
    if row is None:
        raise ApiError(ErrorCode.TRADE_NOT_FOUND)
    before = _existing_refund(conn, call, request.out_refund_no)
    if before is not None:
        if before.trade_id != row.id or before.amount_fen != request.amount_fen:
            raise ApiError(
                ErrorCode.DUPLICATE_REQUEST_NUMBER,
                f"out_refund_no {request.out_refund_no} was used for another refund",
            )
        if before.state == "PENDING":
            return _at_channel(backend, call, request, before.id)
        if before.state == "FAILED":
            raise ApiError(ErrorCode.REFUND_NOT_ALLOWED, "the wallet's channel refused it")
        return _refund_view(conn, call, request, settings)
    if row.state not in _PAID:
        raise ApiError(ErrorCode.REFUND_NOT_ALLOWED)
    left = order_value(row) - row.refunded_fen - row.other_refunded_fen
    if request.amount_fen > left:
        raise ApiError(ErrorCode.REFUND_TOO_LARGE, f"at most {left} fen is left to refund")
    parts = split_refund(row, request.amount_fen)
    code_part = external.channel_part(json.dumps(parts), row.out_trade_no)
    refunded = row.refunded_fen + code_part
    other_refunded = row.other_refunded_fen + request.amount_fen - code_part
    returned = -(-row.charge * refunded // row.amount_fen)  # ceil: the customer's favour
    give = returned - row.returned
    at_channel = row.channel is not None and code_part > 0
    try:
        with conn.begin_nested():
            refund_id = conn.execute(
                insert(refunds)
                .values(
                    terminal_id=call.terminal_id,
                    out_refund_no=request.out_refund_no,
                    trade_id=row.id,
                    amount_fen=request.amount_fen,
                    returned=give,
                    reason=request.reason,
                    created_at_ms=call.now_ms,
                    state="PENDING" if at_channel else "SUCCESS",
                    parts=json.dumps(parts),
                    poll_at_ms=call.now_ms + external.lease_ms(settings) if at_channel else None,
                )
                .returning(refunds.c.id)
            ).scalar_one()
    except IntegrityError:  # the same number raced in on another trade of this terminal
        raise ApiError(ErrorCode.DUPLICATE_REQUEST_NUMBER) from None
    _give_back(conn, row, give, EntryKind.REFUND, call.now_ms, refund_id=refund_id)
    whole = refunded + other_refunded == order_value(row)
    state = TradeState.REFUNDED if whole else TradeState.PARTIALLY_REFUNDED
    conn.execute(
        update(trades)
        .where(trades.c.id == row.id)
        .values(
            state=state.value,
            refunded_fen=refunded,
            other_refunded_fen=other_refunded,
            returned=returned,
            updated_at_ms=call.now_ms,
        )
    )
    if at_channel:
        return _at_channel(backend, call, request, refund_id)
    return _refund_view(conn, call, request, settings)


def _at_channel(backend: Backend, call: Call, request: RefundRequest, refund_id: int) -> Continue:
    """Send the refund's code part to the channel; answer once it says."""

    def answer(conn: Connection, state: str) -> RefundView:
        if state == "FAILED":
            raise ApiError(ErrorCode.REFUND_NOT_ALLOWED, "the wallet's channel refused it")
        if state != "SUCCESS":
            raise ApiError(
                ErrorCode.SYSTEM_ERROR,
                "the channel has not confirmed the refund yet; send it again with the same "
                "out_refund_no",
            )
        return _refund_view(conn, call, request, backend.settings)

    return Continue(lambda: external.refund_at_channel(backend, refund_id), answer)


def _refund_view(
    conn: Connection, call: Call, request: RefundRequest, settings: Settings
) -> RefundView:
    row = find_trade(conn, call.terminal_id, request.out_trade_no)
    assert row is not None
    done = _existing_refund(conn, call, request.out_refund_no)
    parts = json.loads(done.parts) if done is not None else []
    return RefundView(
        out_refund_no=request.out_refund_no,
        out_trade_no=request.out_trade_no,
        amount_fen=request.amount_fen,
        trade=trade_view(conn, row, call.now_ms, settings, call.lang),
        parts=[TenderPart.model_validate(p) for p in parts],
    )
