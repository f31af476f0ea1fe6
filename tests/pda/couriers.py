"""Couriers and their orders on the live backend, through the operator API (tests only)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from protocol.models import TerminalKind
from terminal_sdk.client import enrol
from terminal_sdk.credentials import Credentials


def today() -> str:
    return datetime.date.today().isoformat()


def _ok(response: Any) -> Any:
    body = response.json()
    assert body["code"] == "OK", body
    return body["data"]


@dataclass
class Courier:
    """A courier made for one test, with a fresh PDA activation code."""

    live: Any  # tests.conftest.LiveBackend
    courier_id: str
    name: str

    @classmethod
    def make(cls, live: Any, name: str = "Chen Jie") -> Courier:
        courier_id = "C" + uuid.uuid4().hex[:10].upper()
        _ok(live.operator.http.post("/couriers", json={"courier_id": courier_id, "name": name}))
        return cls(live, courier_id, name)

    def activation_code(self) -> str:
        answer = _ok(self.live.operator.http.post(f"/couriers/{self.courier_id}/activation-codes"))
        return str(answer["activation_code"])

    async def enrol_pda(self) -> Credentials:
        return await enrol(self.live.url, self.activation_code(), kind=TerminalKind.PDA)

    def order(
        self, recipient: str, amount_fen: int, *, day: str | None = None, address: str = ""
    ) -> dict[str, Any]:
        body = {
            "courier_id": self.courier_id,
            "recipient": recipient,
            "amount_fen": amount_fen,
            "address": address,
            "day": day or today(),
        }
        return dict(_ok(self.live.operator.http.post("/cod-orders", json=body)))

    def orders(self) -> dict[str, dict[str, Any]]:
        """The courier's orders as the operator sees them, by order number."""
        found = _ok(
            self.live.operator.http.get("/cod-orders", params={"courier_id": self.courier_id})
        )
        return {order["order_no"]: order for order in found}
