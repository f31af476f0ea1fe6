"""The demo's cash-on-delivery round: courier C0001 and today's orders for the demo PDA.

``seed-demo`` gives its PDA activation code to this courier, so the PDA
enrolled with it lists these orders. Each run on a new day adds that day's
round; a second run on the same day adds nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from backend_stub.payments import cod
from backend_stub.storage.schema import cod_orders
from protocol.models import CodOrderView

__all__ = ["DEMO_COURIER_ID", "DEMO_ROUND", "seed_demo_round"]

DEMO_COURIER_ID = "C0001"
DEMO_COURIER_NAME = "Chen Jie"

# (recipient, address, amount in fen); the third is above the system's no-PIN limit (CNY 200).
DEMO_ROUND = (
    ("Li Wei", "8 Park Road, flat 3", 6_800),
    ("Wang Fang", "21 River Street", 1_550),
    ("Li Wei", "8 Park Road, flat 3", 26_800),
    ("Zhao Lei", "5 Hill Lane", 4_200),
)


def seed_demo_round(conn: Connection, now_ms: int, store_id: str) -> list[CodOrderView]:
    """The demo courier (made once) and today's orders (made once a day)."""
    cod.save_courier(
        conn, courier_id=DEMO_COURIER_ID, name=DEMO_COURIER_NAME, store_id=store_id, now_ms=now_ms
    )
    day = cod.local_day(now_ms)
    made = conn.execute(
        select(cod_orders.c.id).where(
            cod_orders.c.courier_id == DEMO_COURIER_ID, cod_orders.c.delivery_day == day
        )
    ).first()
    if made is None:
        for n, (recipient, address, amount_fen) in enumerate(DEMO_ROUND, start=1):
            cod.create_order(
                conn,
                courier_id=DEMO_COURIER_ID,
                recipient=recipient,
                address=address,
                amount_fen=amount_fen,
                now_ms=now_ms,
                day=day,
                order_no=f"COD{day.replace('-', '')}-{n}",
            )
    return cod.list_orders(conn, DEMO_COURIER_ID, day=day)
