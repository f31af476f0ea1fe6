"""``scanpay-backend`` commands for cash on delivery: couriers, their PDA codes, orders."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from backend_stub.clock import ms_to_s, s_to_ms
from backend_stub.context import Backend
from backend_stub.errors import ApiError
from backend_stub.payments import cod, terminals
from protocol.models import CodOrderView
from protocol.money import format_fen, parse_fen

__all__ = ["add_cod_commands"]

Command = Callable[[Backend, argparse.Namespace], int]
AddCommand = Callable[[str, Command, str], argparse.ArgumentParser]


def _refused(exc: ApiError) -> int:
    print(f"scanpay-backend: {exc.message()}", file=sys.stderr)
    return 2


def _courier(backend: Backend, args: argparse.Namespace) -> int:
    ttl = args.ttl_s if args.ttl_s is not None else backend.settings.activation_ttl_s
    try:
        with backend.db.write() as conn:
            store_id = args.store or terminals.first_store_id(conn)
            if store_id is None:
                print(
                    "There is no store yet: run `scanpay-backend seed-demo` first.", file=sys.stderr
                )
                return 2
            now = backend.now_ms()
            cod.save_courier(
                conn, courier_id=args.courier_id, name=args.name, store_id=store_id, now_ms=now
            )
            code, expires, courier = cod.courier_activation_code(
                conn, args.courier_id, now, s_to_ms(ttl)
            )
    except ApiError as exc:
        return _refused(exc)
    if args.json:
        print(
            json.dumps(
                {
                    "courier_id": courier.id,
                    "name": courier.name,
                    "store_id": courier.store_id,
                    "activation_code": code,
                    "expires_at": ms_to_s(expires),
                }
            )
        )
    else:
        print(f"Courier {courier.id} ({courier.name}), store {courier.store_id}.")
        print(f"PDA activation code: {code}  (one use; enrol the courier's PDA with it)")
    return 0


def _order_line(order: CodOrderView) -> str:
    signed = f"  by {order.signed_by}" if order.signed_by else ""
    paid = (
        "  cash" if order.paid_cash else (f"  {order.out_trade_no}" if order.out_trade_no else "")
    )
    return (
        f"{order.day}  {order.order_no:16} {order.recipient:16} "
        f"{format_fen(order.amount_fen):>14}  {order.status.value}{paid}{signed}"
    )


def _cod_order(backend: Backend, args: argparse.Namespace) -> int:
    try:
        amount_fen = parse_fen(args.amount)
    except ValueError as exc:
        print(f"scanpay-backend: --amount: {exc}", file=sys.stderr)
        return 2
    try:
        with backend.db.write() as conn:
            order = cod.create_order(
                conn,
                courier_id=args.courier,
                recipient=args.recipient,
                amount_fen=amount_fen,
                now_ms=backend.now_ms(),
                day=args.day,
                address=args.address,
                order_no=args.order_no,
            )
    except ApiError as exc:
        return _refused(exc)
    print(json.dumps(order.model_dump(mode="json")) if args.json else _order_line(order))
    return 0


def _cod_orders(backend: Backend, args: argparse.Namespace) -> int:
    try:
        with backend.db.read() as conn:
            orders = cod.list_orders(conn, args.courier, day=args.day)
    except ApiError as exc:
        return _refused(exc)
    if args.json:
        print(json.dumps([order.model_dump(mode="json") for order in orders], indent=2))
    elif not orders:
        print("No cash-on-delivery orders.")
    for order in orders if not args.json else []:
        print(_order_line(order))
    return 0


def add_cod_commands(command: AddCommand) -> None:
    courier = command(
        "courier",
        _courier,
        "create (or rename) a courier and print a one-time code that enrols a PDA for them",
    )
    courier.add_argument("courier_id", help="the courier's id, e.g. C0002")
    courier.add_argument("--name", required=True, help="the courier's name")
    courier.add_argument("--store", default=None, help="store id (default: the first store)")
    courier.add_argument(
        "--ttl-s", type=int, default=None, help="seconds the code stays valid (default 1 day)"
    )
    courier.add_argument("--json", action="store_true", help="print as JSON")

    order = command("cod-order", _cod_order, "create a cash-on-delivery order for a courier")
    order.add_argument("--courier", required=True, help="courier id")
    order.add_argument("--recipient", required=True, help="the recipient's name")
    order.add_argument("--amount", required=True, help="amount to collect, e.g. 68.00 (CNY)")
    order.add_argument("--address", default="", help="delivery address")
    order.add_argument("--day", default=None, help="delivery day YYYY-MM-DD (default today)")
    order.add_argument("--order-no", default=None, help="order number (default: a new one)")
    order.add_argument("--json", action="store_true", help="print as JSON")

    orders = command("cod-orders", _cod_orders, "list cash-on-delivery orders with their status")
    orders.add_argument("--courier", default=None, help="only this courier")
    orders.add_argument("--day", default=None, help="only this day YYYY-MM-DD")
    orders.add_argument("--json", action="store_true", help="print as JSON")
