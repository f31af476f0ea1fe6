"""Combination payment (seed 001 "组合支付"): one order, paid partly by a code and partly otherwise.

The till pays part of an order with a scanned code (points, the card, an
external wallet) and records the other parts on the same trade
(``other_tenders``: cash, bank card, or another code's trade named by its
``out_trade_no`` in ``reference``): with the ``pay``, or afterwards with
``/v1/tenders`` when the code took what its balance covered
(``allow_partial``). The order's value is the code's part plus the others.

Refunds are against the order and give the parts back in a stated order:
the reverse of the order they were taken in. The code was scanned first, so
the other tenders come back first, the last one listed first; the code's
part comes back last. The backend returns the code's part itself (points and
card at once, an external wallet through its channel); the other parts are
listed in the refund's ``parts`` for the till to pay out (cash from the
drawer, the bank terminal, a refund of the named trade).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Connection, Row

from backend_stub.context import Call
from backend_stub.errors import ApiError
from backend_stub.settings import Settings
from backend_stub.storage.schema import trades
from protocol.errors import ErrorCode
from protocol.models import OtherTendersRequest, Tender, TenderPart, TradeState, TradeView

from .trades import find_trade, trade_view

__all__ = ["order_value", "other_tenders", "record_other_tenders", "split_refund"]

_PAID = (TradeState.SUCCESS.value, TradeState.PARTIALLY_REFUNDED.value)


def other_tenders(row: Row[Any]) -> list[dict[str, Any]]:
    return list(json.loads(row.other_tenders or "[]"))


def order_value(row: Row[Any]) -> int:
    """What the order can be refunded in all: the code's part plus the other tenders."""
    return int(row.amount_fen) + sum(int(t["amount_fen"]) for t in other_tenders(row))


def split_refund(row: Row[Any], amount_fen: int) -> list[dict[str, Any]]:
    """The parts a refund of ``amount_fen`` gives back, in order (see the module's docstring).

    The code's own part is the one whose ``reference`` is the trade's ``out_trade_no``.
    """
    parts: list[dict[str, Any]] = []
    left = amount_fen
    already = int(row.other_refunded_fen)  # the other tenders are refunded last-first
    for tender in reversed(other_tenders(row)):
        used = min(already, int(tender["amount_fen"]))
        already -= used
        take = min(left, int(tender["amount_fen"]) - used)
        if take:
            parts.append(
                {"tender": tender["tender"], "amount_fen": take, "reference": tender["reference"]}
            )
            left -= take
    if left:
        parts.append(
            {"tender": Tender(row.issuer).value, "amount_fen": left, "reference": row.out_trade_no}
        )
    return parts


def record_other_tenders(
    conn: Connection, call: Call, request: OtherTendersRequest, settings: Settings
) -> TradeView:
    """``/v1/tenders``: the rest of a combination payment, recorded once on a paid trade."""
    row = find_trade(conn, call.terminal_id, request.out_trade_no, for_update=True)
    if row is None:
        raise ApiError(ErrorCode.TRADE_NOT_FOUND)
    given = [TenderPart.model_validate(t).model_dump(mode="json") for t in request.other_tenders]
    before = other_tenders(row)
    if before:
        if before != given:
            raise ApiError(
                ErrorCode.DUPLICATE_REQUEST_NUMBER,
                "the other tenders of this trade were already recorded differently",
            )
        return trade_view(conn, row, call.now_ms, settings, call.lang)
    if row.state not in _PAID or row.refunded_fen:
        raise ApiError(
            ErrorCode.BAD_REQUEST, "out_trade_no: tenders are recorded on a paid, unrefunded trade"
        )
    total = row.amount_fen + sum(t["amount_fen"] for t in given)
    if row.order_total_fen is not None and total != row.order_total_fen:
        raise ApiError(
            ErrorCode.BAD_REQUEST,
            f"other_tenders: they must add up to {row.order_total_fen - row.amount_fen} fen "
            "(order_total_fen less what the code paid)",
        )
    conn.execute(
        update(trades)
        .where(trades.c.id == row.id)
        .values(other_tenders=json.dumps(given), order_total_fen=total, updated_at_ms=call.now_ms)
    )
    found = find_trade(conn, call.terminal_id, request.out_trade_no)
    assert found is not None
    return trade_view(conn, found, call.now_ms, settings, call.lang)
