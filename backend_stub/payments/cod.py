"""Cash-on-delivery orders: couriers, the PDAs enrolled for them, their orders and sign-offs.

A courier's PDA is enrolled with an activation code made for that courier
(:func:`courier_activation_code`), so the backend knows, from the terminal's
identity alone, whose orders it may list and sign off.

An order is paid through the ordinary ``pay`` with the order's amount and
:func:`~protocol.models.cod_trade_description` as the trade's description,
so the ledger logic stays in one place; this module only *reads* trades.
An order is ``PAID`` once one of its courier's PDAs has a paid trade with
that description, and ``SIGNED_OFF`` once the courier recorded who took the
parcel and how it was paid (that trade, or cash). A sign-off is idempotent
on the order: the same one again gets the same answer, a different one is
``ORDER_ALREADY_SIGNED_OFF``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Row

from backend_stub.clock import ms_to_s
from backend_stub.context import Call
from backend_stub.errors import ApiError
from backend_stub.storage.hashing import secret_hash
from backend_stub.storage.schema import (
    activation_codes,
    cod_orders,
    courier_devices,
    couriers,
    stores,
    trades,
)
from protocol.errors import ErrorCode
from protocol.models import (
    MAX_AMOUNT_FEN,
    CodOrderList,
    CodOrderListRequest,
    CodOrderView,
    CodSignOffRequest,
    CodStatus,
    TerminalKind,
    TradeState,
    cod_trade_description,
)

from .terminals import create_activation_code

__all__ = [
    "Courier",
    "bind_activation_code",
    "courier_activation_code",
    "courier_of_terminal",
    "create_order",
    "list_orders",
    "local_day",
    "orders_for_terminal",
    "save_courier",
    "sign_off",
]

_PAID_STATES = (TradeState.SUCCESS.value, TradeState.PARTIALLY_REFUNDED.value)


@dataclass(frozen=True)
class Courier:
    id: str
    store_id: str
    name: str


def local_day(now_ms: int) -> str:
    """The backend's own date (its local time zone), as ``YYYY-MM-DD``."""
    return datetime.fromtimestamp(now_ms / 1000).date().isoformat()


def check_day(day: str) -> str:
    try:
        return datetime.strptime(day, "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise ApiError(
            ErrorCode.BAD_REQUEST, f"day: {day!r} is not a date like 2026-11-24"
        ) from None


# -- couriers and their devices ----------------------------------------------------------


def find_courier(conn: Connection, courier_id: str) -> Courier | None:
    row = conn.execute(
        select(couriers.c.id, couriers.c.store_id, couriers.c.name).where(
            couriers.c.id == courier_id
        )
    ).first()
    return None if row is None else Courier(*row)


def save_courier(
    conn: Connection, *, courier_id: str, name: str, store_id: str, now_ms: int
) -> Courier:
    """Create the courier, or rename one that exists (a courier never changes store)."""
    if conn.execute(select(stores.c.id).where(stores.c.id == store_id)).first() is None:
        raise ApiError(ErrorCode.BAD_REQUEST, f"store_id: no store {store_id!r}")
    found = find_courier(conn, courier_id)
    if found is None:
        conn.execute(
            insert(couriers).values(
                id=courier_id, store_id=store_id, name=name, created_at_ms=now_ms
            )
        )
    elif found.name != name:
        conn.execute(update(couriers).where(couriers.c.id == courier_id).values(name=name))
    return Courier(courier_id, found.store_id if found else store_id, name)


def courier_activation_code(
    conn: Connection, courier_id: str, now_ms: int, ttl_ms: int
) -> tuple[str, int, Courier]:
    """A one-time code that enrols a PDA for ``courier_id``: (code, expiry ms, courier)."""
    courier = find_courier(conn, courier_id)
    if courier is None:
        raise ApiError(ErrorCode.BAD_REQUEST, f"courier_id: no courier {courier_id!r}")
    code, expires = create_activation_code(conn, courier.store_id, TerminalKind.PDA, now_ms, ttl_ms)
    bind_activation_code(conn, code, courier.id)
    return code, expires, courier


def bind_activation_code(conn: Connection, code: str, courier_id: str) -> None:
    """The PDA enrolled with ``code`` (not used yet) will be ``courier_id``'s."""
    device = {"activation_code_hash": secret_hash(code), "courier_id": courier_id}
    conn.execute(insert(courier_devices).values(**device))


def courier_of_terminal(conn: Connection, terminal_id: str) -> Courier | None:
    row = conn.execute(
        select(couriers.c.id, couriers.c.store_id, couriers.c.name)
        .join(courier_devices, courier_devices.c.courier_id == couriers.c.id)
        .join(
            activation_codes,
            activation_codes.c.code_hash == courier_devices.c.activation_code_hash,
        )
        .where(activation_codes.c.terminal_id == terminal_id)
    ).first()
    return None if row is None else Courier(*row)


def _courier_terminals(courier_id: str) -> Any:
    """The terminal ids enrolled for the courier (a subquery)."""
    return (
        select(activation_codes.c.terminal_id)
        .join(
            courier_devices,
            courier_devices.c.activation_code_hash == activation_codes.c.code_hash,
        )
        .where(
            courier_devices.c.courier_id == courier_id, activation_codes.c.terminal_id.is_not(None)
        )
        .scalar_subquery()
    )


# -- orders --------------------------------------------------------------------------------


def create_order(
    conn: Connection,
    *,
    courier_id: str,
    recipient: str,
    amount_fen: int,
    now_ms: int,
    day: str | None = None,
    address: str = "",
    order_no: str | None = None,
) -> CodOrderView:
    if find_courier(conn, courier_id) is None:
        raise ApiError(ErrorCode.BAD_REQUEST, f"courier_id: no courier {courier_id!r}")
    if not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise ApiError(ErrorCode.BAD_REQUEST, "amount_fen: must be a positive amount in fen")
    order_no = order_no or "COD" + secrets.token_hex(5).upper()
    if conn.execute(select(cod_orders.c.id).where(cod_orders.c.order_no == order_no)).first():
        raise ApiError(ErrorCode.DUPLICATE_REQUEST_NUMBER, f"order_no: {order_no!r} exists")
    conn.execute(
        insert(cod_orders).values(
            order_no=order_no,
            courier_id=courier_id,
            delivery_day=check_day(day) if day else local_day(now_ms),
            recipient=recipient,
            address=address,
            amount_fen=amount_fen,
            created_at_ms=now_ms,
        )
    )
    return list_orders(conn, courier_id, order_nos=[order_no])[0]


def _paid_trades(conn: Connection, courier_id: str, order_nos: Sequence[str]) -> dict[str, str]:
    """order_no -> out_trade_no of its first paid trade, among the courier's PDAs."""
    if not order_nos:
        return {}
    by_description = {cod_trade_description(no): no for no in order_nos}
    rows = conn.execute(
        select(trades.c.description, trades.c.out_trade_no)
        .where(
            trades.c.terminal_id.in_(_courier_terminals(courier_id)),
            trades.c.description.in_(list(by_description)),
            trades.c.state.in_(_PAID_STATES),
        )
        .order_by(trades.c.id)
    ).all()
    paid: dict[str, str] = {}
    for description, out_trade_no in rows:
        paid.setdefault(by_description[description], out_trade_no)
    return paid


def _order_rows(conn: Connection, *where: Any, for_update: bool = False) -> list[Row[Any]]:
    stmt = (
        select(cod_orders, trades.c.out_trade_no.label("signed_trade"))
        .select_from(cod_orders.outerjoin(trades, trades.c.id == cod_orders.c.trade_id))
        .where(*where)
        .order_by(cod_orders.c.id)
    )
    if for_update:
        stmt = stmt.with_for_update(of=cod_orders)
    return list(conn.execute(stmt).all())


def _view(row: Row[Any], paid_by: str | None) -> CodOrderView:
    signed = row.signed_off_at_ms is not None
    if signed:
        status, out_trade_no = CodStatus.SIGNED_OFF, row.signed_trade
    elif paid_by is not None:
        status, out_trade_no = CodStatus.PAID, paid_by
    else:
        status, out_trade_no = CodStatus.TO_COLLECT, None
    return CodOrderView(
        order_no=row.order_no,
        day=row.delivery_day,
        recipient=row.recipient,
        address=row.address,
        amount_fen=row.amount_fen,
        status=status,
        out_trade_no=out_trade_no,
        paid_cash=bool(row.paid_cash),
        signed_by=row.signed_by if signed else None,
        signed_off_at=ms_to_s(row.signed_off_at_ms) if signed else None,
    )


def list_orders(
    conn: Connection,
    courier_id: str | None = None,
    *,
    day: str | None = None,
    order_nos: Sequence[str] | None = None,
) -> list[CodOrderView]:
    """Orders with their status, in the order they were made (the round's order)."""
    where = []
    if courier_id is not None:
        where.append(cod_orders.c.courier_id == courier_id)
    if day is not None:
        where.append(cod_orders.c.delivery_day == check_day(day))
    if order_nos is not None:
        where.append(cod_orders.c.order_no.in_(list(order_nos)))
    rows = _order_rows(conn, *where)
    paid: dict[str, str] = {}
    for courier in {r.courier_id for r in rows}:
        open_orders = [
            r.order_no for r in rows if r.courier_id == courier and r.signed_off_at_ms is None
        ]
        paid |= _paid_trades(conn, courier, open_orders)
    return [_view(r, paid.get(r.order_no)) for r in rows]


def orders_for_terminal(conn: Connection, call: Call, request: CodOrderListRequest) -> CodOrderList:
    """The courier's orders for the day, found by the PDA's own identity."""
    day = check_day(request.day) if request.day else local_day(call.now_ms)
    courier = courier_of_terminal(conn, call.terminal_id)
    if courier is None:
        return CodOrderList(courier_id=None, day=day, orders=[])
    orders = list_orders(conn, courier.id, day=day)
    return CodOrderList(courier_id=courier.id, courier_name=courier.name, day=day, orders=orders)


# -- sign-off ------------------------------------------------------------------------------


def sign_off(conn: Connection, call: Call, request: CodSignOffRequest) -> CodOrderView:
    courier = courier_of_terminal(conn, call.terminal_id)
    if courier is None:
        raise ApiError(ErrorCode.ORDER_NOT_FOUND, "this device is not enrolled for a courier")
    rows = _order_rows(
        conn,
        cod_orders.c.order_no == request.order_no,
        cod_orders.c.courier_id == courier.id,
        for_update=True,
    )
    if not rows:
        raise ApiError(ErrorCode.ORDER_NOT_FOUND)
    row = rows[0]
    if row.signed_off_at_ms is not None:
        done = _view(row, None)
        if (done.signed_by, done.paid_cash, done.out_trade_no) == (
            request.recipient_name,
            request.paid_cash,
            request.out_trade_no,
        ):
            return done  # the same sign-off again (a retry from the PDA's queue)
        raise ApiError(ErrorCode.ORDER_ALREADY_SIGNED_OFF)
    trade_id = None
    if request.paid_cash:
        paid_by = _paid_trades(conn, courier.id, [row.order_no]).get(row.order_no)
        if paid_by is not None:
            raise ApiError(
                ErrorCode.ORDER_PAYMENT_MISMATCH,
                f"it was paid from the customer's wallet ({paid_by}); sign off with that payment",
            )
    else:
        trade_id = _paying_trade(conn, courier.id, row, request.out_trade_no or "")
    conn.execute(
        update(cod_orders)
        .where(cod_orders.c.id == row.id)
        .values(
            signed_off_at_ms=call.now_ms,
            signed_by=request.recipient_name,
            paid_cash=request.paid_cash,
            trade_id=trade_id,
            signed_off_terminal_id=call.terminal_id,
        )
    )
    return list_orders(conn, courier.id, order_nos=[row.order_no])[0]


def _paying_trade(conn: Connection, courier_id: str, order: Row[Any], out_trade_no: str) -> int:
    """The id of the courier's paid trade ``out_trade_no`` for this order, or a refusal."""
    trade = conn.execute(
        select(trades.c.id, trades.c.state, trades.c.amount_fen, trades.c.description).where(
            trades.c.terminal_id.in_(_courier_terminals(courier_id)),
            trades.c.out_trade_no == out_trade_no,
        )
    ).first()
    if trade is None:
        raise ApiError(
            ErrorCode.ORDER_PAYMENT_MISMATCH, f"no payment {out_trade_no} by this courier"
        )
    if trade.description != cod_trade_description(order.order_no):
        raise ApiError(ErrorCode.ORDER_PAYMENT_MISMATCH, "that payment was for another order")
    if trade.state not in _PAID_STATES:
        raise ApiError(ErrorCode.ORDER_PAYMENT_MISMATCH, f"that payment is {trade.state}")
    if trade.amount_fen != order.amount_fen:
        raise ApiError(ErrorCode.ORDER_PAYMENT_MISMATCH, "that payment's amount differs")
    return int(trade.id)
