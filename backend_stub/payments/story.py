"""Trades as store IT sees them: the newest across every terminal, and one trade's whole story.

Codes are masked as everywhere; a story is the trade (state, reason,
channel, routing version, what the channel said), each refund of it, and
every ledger line it made, in order, so a reversal or a late channel answer
can be followed line by line.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from backend_stub.clock import ms_to_s
from backend_stub.errors import ApiError
from backend_stub.storage.schema import ledger_lines, refunds, trades
from protocol.errors import ErrorCode

__all__ = ["recent_trades", "trade_story"]

_SUMMARY = (
    trades.c.id,
    trades.c.trade_no,
    trades.c.out_trade_no,
    trades.c.terminal_id,
    trades.c.amount_fen,
    trades.c.state,
    trades.c.reason,
    trades.c.code_masked,
    trades.c.issuer,
    trades.c.channel,
    trades.c.routing_version,
    trades.c.created_at_ms,
    trades.c.updated_at_ms,
)


def _summary(row: Any) -> dict[str, Any]:
    return {
        "trade_no": row.trade_no,
        "out_trade_no": row.out_trade_no,
        "terminal_id": row.terminal_id,
        "amount_fen": row.amount_fen,
        "state": row.state,
        "reason": row.reason,
        "code": row.code_masked,
        "issuer": row.issuer,
        "channel": row.channel,
        "routing_version": row.routing_version,
        "created_at": ms_to_s(row.created_at_ms),
        "updated_at": ms_to_s(row.updated_at_ms),
    }


def recent_trades(
    conn: Connection, limit: int, terminal_id: str | None = None
) -> list[dict[str, Any]]:
    """The newest trades, every terminal's (or one's)."""
    query = select(*_SUMMARY).order_by(trades.c.id.desc()).limit(limit)
    if terminal_id is not None:
        query = query.where(trades.c.terminal_id == terminal_id)
    return [_summary(row) for row in conn.execute(query)]


def trade_story(conn: Connection, number: str) -> dict[str, Any]:
    """The trade with this payment number (ours) or ``out_trade_no`` (the newest such)."""
    row = conn.execute(
        select(
            *_SUMMARY,
            trades.c.refunded_fen,
            trades.c.paid_at_ms,
            trades.c.channel_state,
            trades.c.channel_code,
            trades.c.routing_rule,
            trades.c.description,
        )
        .where(or_(trades.c.trade_no == number, trades.c.out_trade_no == number))
        .order_by(trades.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise ApiError(ErrorCode.TRADE_NOT_FOUND)
    story = _summary(row) | {
        "refunded_fen": row.refunded_fen,
        "paid_at": None if row.paid_at_ms is None else ms_to_s(row.paid_at_ms),
        "channel_state": row.channel_state,
        "channel_code": row.channel_code,
        "routing_rule": row.routing_rule,
        "description": row.description,
    }
    story["refunds"] = [
        {
            "out_refund_no": r.out_refund_no,
            "amount_fen": r.amount_fen,
            "state": r.state,
            "reason": r.reason,
            "created_at": ms_to_s(r.created_at_ms),
        }
        for r in conn.execute(
            select(refunds).where(refunds.c.trade_id == row.id).order_by(refunds.c.id)
        )
    ]
    refund_ids = select(refunds.c.id).where(refunds.c.trade_id == row.id)
    story["ledger"] = [
        {"kind": line.kind, "delta": line.delta, "at": ms_to_s(line.created_at_ms)}
        for line in conn.execute(
            select(ledger_lines)
            .where(or_(ledger_lines.c.trade_id == row.id, ledger_lines.c.refund_id.in_(refund_ids)))
            .order_by(ledger_lines.c.id)
        )
    ]
    return story
