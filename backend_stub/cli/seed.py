"""``seed-demo``: a store, terminals to enrol, and members with balances and known PINs.

Running it again adds no second copy: the store and members are made once,
and each run prints fresh one-time activation codes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from backend_stub.clock import ms_to_s
from backend_stub.payments import cod, terminals
from backend_stub.payments import members as m
from backend_stub.settings import Settings
from backend_stub.storage.schema import merchants
from protocol.models import CodOrderView, TerminalKind
from protocol.money import format_fen, format_points
from protocol.pin import ClearPin

from .seed_cod import DEMO_COURIER_ID, seed_demo_round

__all__ = ["DEMO_MEMBERS", "DemoMember", "SeedReport", "seed_demo"]

MERCHANT_ID = "M0001"
STORE_ID = "S0001"


@dataclass(frozen=True)
class DemoMember:
    member_no: str
    name: str
    phone: str
    points: int
    card_fen: int
    pin: str
    frozen: bool = False


DEMO_MEMBERS = (
    DemoMember("M10001", "Li Wei", "13800000001", 50_000, 30_000, "123456"),
    DemoMember("M10002", "Wang Fang", "13800000002", 1_200, 2_000, "246810"),
    DemoMember("M10003", "Zhang Min (frozen)", "13800000003", 10_000, 10_000, "135790", True),
)


@dataclass(frozen=True)
class SeedReport:
    created: bool
    merchant_id: str
    store_id: str
    activation_codes: list[dict[str, object]]
    members: list[DemoMember]
    deliveries: list[CodOrderView] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "created": self.created,
            "merchant_id": self.merchant_id,
            "store_id": self.store_id,
            "activation_codes": self.activation_codes,
            "members": [asdict(member) for member in self.members],
            "courier_id": DEMO_COURIER_ID,
            "deliveries": [order.model_dump(mode="json") for order in self.deliveries],
        }

    def text(self) -> str:
        lines = [
            "Demo data " + ("created." if self.created else "was already there; nothing added."),
            f"Merchant {self.merchant_id} (Demo Mart), store {self.store_id} (Demo Mart Central)",
            "",
            "Activation codes (one-time; enrol a terminal with one):",
        ]
        for code in self.activation_codes:
            expires = datetime.fromtimestamp(int(str(code["expires_at"])), UTC)
            lines.append(
                f"  {code['kind']:4}  {code['activation_code']}  "
                f"(expires {expires:%Y-%m-%d %H:%M} UTC)"
            )
        lines += ["", "Members (sign in to the wallet with the member number and an SMS code):"]
        for member in self.members:
            lines.append(
                f"  {member.member_no}  {member.name:20} phone {member.phone}  "
                f"{format_points(member.points)}, card {format_fen(member.card_fen)}, "
                f"PIN {member.pin}"
            )
        lines += ["", f"Cash-on-delivery orders today for courier {DEMO_COURIER_ID} (the PDA):"]
        for order in self.deliveries:
            lines.append(
                f"  {order.order_no}  {order.recipient:10} {format_fen(order.amount_fen):>12}  "
                f"{order.status.value}"
            )
        return "\n".join(lines)


def seed_demo(conn: Connection, now_ms: int, settings: Settings) -> SeedReport:
    exists = conn.execute(select(merchants.c.id).where(merchants.c.id == MERCHANT_ID)).first()
    if exists is None:
        terminals.create_merchant(conn, MERCHANT_ID, "Demo Mart", now_ms)
        terminals.create_store(conn, STORE_ID, MERCHANT_ID, "Demo Mart Central", now_ms)
        for demo in DEMO_MEMBERS:
            m.create_member(
                conn,
                member_no=demo.member_no,
                phone=demo.phone,
                name=demo.name,
                now_ms=now_ms,
                points=demo.points,
                card_fen=demo.card_fen,
                pin=ClearPin(demo.pin),
            )
            if demo.frozen:
                m.set_frozen(conn, demo.member_no, True)
    deliveries = seed_demo_round(conn, now_ms, STORE_ID)
    codes: list[dict[str, object]] = []
    ttl_ms = int(settings.activation_ttl_s * 1000)
    for kind in (TerminalKind.POS, TerminalKind.PDA):
        code, expires = terminals.create_activation_code(conn, STORE_ID, kind, now_ms, ttl_ms)
        codes.append({"kind": kind.value, "activation_code": code, "expires_at": ms_to_s(expires)})
        if kind is TerminalKind.PDA:
            cod.bind_activation_code(conn, code, DEMO_COURIER_ID)
    return SeedReport(exists is None, MERCHANT_ID, STORE_ID, codes, list(DEMO_MEMBERS), deliveries)
