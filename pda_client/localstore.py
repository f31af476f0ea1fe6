"""What the handheld keeps on disk besides the SDK's journal: the round and the sign-off queue.

- The last order list fetched for a day, so the courier still sees the
  round (and can sign off cash deliveries) where there is no signal.
- Sign-offs, queued before they are sent: a sign-off is on disk before the
  request leaves and stays ``QUEUED`` until the backend has it (``SENT``)
  or refuses it (``REFUSED``, with the reason). The queue survives a restart.

Payments are never queued: only the SDK's payment session takes them, and
only online.

One SQLite file (``pda.db`` in the data directory), WAL, ``synchronous=FULL``:
a write is on disk when the call returns.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from enum import StrEnum

from protocol.models import CodOrderList
from terminal_sdk.durable import DurableFile

__all__ = ["CachedRound", "LocalStore", "SignOff", "SignOffConflict", "SignOffState"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rounds (
    day TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    fetched_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sign_offs (
    order_no TEXT PRIMARY KEY,
    recipient_name TEXT NOT NULL CHECK (length(recipient_name) > 0),
    out_trade_no TEXT,
    paid_cash INTEGER NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    state TEXT NOT NULL CHECK (state IN ('QUEUED', 'SENT', 'REFUSED')),
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    CHECK ((out_trade_no IS NULL) = (paid_cash = 1))
);
CREATE INDEX IF NOT EXISTS sign_offs_state ON sign_offs (state, created_at);
"""


class SignOffState(StrEnum):
    QUEUED = "QUEUED"  # on disk, not yet acknowledged by the backend
    SENT = "SENT"  # the backend has it
    REFUSED = "REFUSED"  # the backend said no; the courier must look at it


@dataclass(frozen=True)
class SignOff:
    """Who took the parcel and how it was paid: a wallet payment, or cash."""

    order_no: str
    recipient_name: str
    amount_fen: int
    out_trade_no: str | None = None
    paid_cash: bool = False
    state: SignOffState = SignOffState.QUEUED
    reason: str | None = None
    attempts: int = 0

    def same_content(self, other: SignOff) -> bool:
        return (self.recipient_name, self.out_trade_no, self.paid_cash) == (
            other.recipient_name,
            other.out_trade_no,
            other.paid_cash,
        )


@dataclass(frozen=True)
class CachedRound:
    orders: CodOrderList
    fetched_at: float


class SignOffConflict(Exception):
    """The order was already signed off here, and the backend has that sign-off."""


class LocalStore(DurableFile):
    """One SQLite file per handheld. Not shared between processes at once."""

    SCHEMA = _SCHEMA

    # -- the round ------------------------------------------------------------------------

    def save_round(self, orders: CodOrderList, fetched_at: float | None = None) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO rounds (day, body, fetched_at) VALUES (?, ?, ?) "
                "ON CONFLICT (day) DO UPDATE SET body = excluded.body, "
                "fetched_at = excluded.fetched_at",
                (orders.day, orders.model_dump_json(), fetched_at or time.time()),
            )
            db.execute("DELETE FROM rounds WHERE day < date(?, '-7 days')", (orders.day,))

    def cached_round(self, day: str) -> CachedRound | None:
        row = self._db.execute(
            "SELECT body, fetched_at FROM rounds WHERE day = ?", (day,)
        ).fetchone()
        if row is None:
            return None
        return CachedRound(CodOrderList.model_validate_json(row["body"]), row["fetched_at"])

    # -- sign-offs --------------------------------------------------------------------------

    def queue_sign_off(self, sign_off: SignOff) -> SignOff:
        """Put a sign-off on disk, to be sent. The same one again changes nothing.

        A queued or refused sign-off may be replaced by a corrected one; one the
        backend already has may not (:class:`SignOffConflict`).
        """
        now = time.time()
        with self._tx() as db:
            row = db.execute(
                "SELECT * FROM sign_offs WHERE order_no = ?", (sign_off.order_no,)
            ).fetchone()
            if row is not None:
                stored = _sign_off(row)
                if stored.state is SignOffState.SENT:
                    if stored.same_content(sign_off):
                        return stored
                    raise SignOffConflict(sign_off.order_no)
                if stored.state is SignOffState.QUEUED and stored.same_content(sign_off):
                    return stored
                db.execute("DELETE FROM sign_offs WHERE order_no = ?", (sign_off.order_no,))
            db.execute(
                "INSERT INTO sign_offs (order_no, recipient_name, out_trade_no, paid_cash,"
                " amount_fen, state, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, 'QUEUED', ?, ?)",
                (
                    sign_off.order_no,
                    sign_off.recipient_name,
                    sign_off.out_trade_no,
                    int(sign_off.paid_cash),
                    sign_off.amount_fen,
                    now,
                    now,
                ),
            )
        found = self.sign_off(sign_off.order_no)
        assert found is not None
        return found

    def sign_off(self, order_no: str) -> SignOff | None:
        row = self._db.execute("SELECT * FROM sign_offs WHERE order_no = ?", (order_no,)).fetchone()
        return _sign_off(row) if row else None

    def queued(self) -> list[SignOff]:
        """Sign-offs still to send, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM sign_offs WHERE state = 'QUEUED' ORDER BY created_at"
        ).fetchall()
        return [_sign_off(r) for r in rows]

    def count(self, state: SignOffState) -> int:
        row = self._db.execute(
            "SELECT count(*) AS n FROM sign_offs WHERE state = ?", (state.value,)
        ).fetchone()
        return int(row["n"])

    def mark_tried(self, order_no: str) -> None:
        self._set(order_no, "attempts = attempts + 1")

    def mark_sent(self, order_no: str) -> None:
        self._set(order_no, "state = 'SENT', reason = NULL")

    def mark_refused(self, order_no: str, reason: str) -> None:
        self._set(order_no, "state = 'REFUSED', reason = ?", reason)

    def _set(self, order_no: str, assignments: str, *values: object) -> None:
        with self._tx() as db:
            db.execute(
                f"UPDATE sign_offs SET {assignments}, updated_at = ? WHERE order_no = ?",  # noqa: S608
                (*values, time.time(), order_no),
            )


def _sign_off(row: sqlite3.Row) -> SignOff:
    return SignOff(
        order_no=row["order_no"],
        recipient_name=row["recipient_name"],
        amount_fen=row["amount_fen"],
        out_trade_no=row["out_trade_no"],
        paid_cash=bool(row["paid_cash"]),
        state=SignOffState(row["state"]),
        reason=row["reason"],
        attempts=row["attempts"],
    )
