"""The terminal's local journal: what it asked the backend, written before asking.

A payment's ``out_trade_no`` is committed (and fsync'd) before the pay
request leaves, and every state change after it, so a till that dies at
any moment knows at its next start which payments are in doubt and settles
them (query, then reverse) before it takes a new one. Refunds are journalled
the same way. Tender lines (what each sale took in, per tender) feed the
shift's X and Z reports.

SQLite in WAL mode with ``synchronous=FULL``: a commit is on disk when the
call returns.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from dataclasses import dataclass
from enum import StrEnum

from .durable import DurableFile

__all__ = ["Journal", "PaymentEntry", "RefundEntry", "SessionState", "TenderLine"]


class SessionState(StrEnum):
    """Where a payment session stands; the journal stores exactly these."""

    NEW = "NEW"
    PAYING = "PAYING"
    WAITING_FOR_PIN = "WAITING_FOR_PIN"
    CONFIRMING = "CONFIRMING"
    QUERYING = "QUERYING"
    REVERSING = "REVERSING"
    PAID = "PAID"
    NOT_CHARGED = "NOT_CHARGED"

    @property
    def is_final(self) -> bool:
        return self in (SessionState.PAID, SessionState.NOT_CHARGED)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS payments (
    out_trade_no TEXT PRIMARY KEY,
    order_no TEXT NOT NULL DEFAULT '',
    issuer TEXT,
    code_masked TEXT NOT NULL DEFAULT '',
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    state TEXT NOT NULL,
    reason TEXT,
    points INTEGER NOT NULL DEFAULT 0,
    trade_no TEXT,
    reversal_pending INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS payments_state ON payments (state);
CREATE TABLE IF NOT EXISTS refunds (
    out_refund_no TEXT PRIMARY KEY,
    out_trade_no TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    tender TEXT NOT NULL,
    state TEXT NOT NULL,          -- SENT, DONE, REFUSED
    reason TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS shifts (
    id INTEGER PRIMARY KEY,
    cashier TEXT NOT NULL DEFAULT '',
    opened_at REAL NOT NULL,
    closed_at REAL,
    report TEXT
);
CREATE TABLE IF NOT EXISTS no_sales (
    id INTEGER PRIMARY KEY,
    shift_id INTEGER,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tender_lines (
    id INTEGER PRIMARY KEY,
    shift_id INTEGER,
    order_no TEXT NOT NULL DEFAULT '',
    tender TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('sale', 'refund')),
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    reference TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    UNIQUE (kind, reference)
);
"""


@dataclass(frozen=True)
class PaymentEntry:
    out_trade_no: str
    order_no: str
    issuer: str | None
    code_masked: str
    amount_fen: int
    state: SessionState
    reason: str | None
    points: int
    trade_no: str | None
    reversal_pending: bool
    created_at: float
    updated_at: float

    @property
    def in_doubt(self) -> bool:
        return not self.state.is_final or self.reversal_pending


@dataclass(frozen=True)
class RefundEntry:
    out_refund_no: str
    out_trade_no: str
    amount_fen: int
    tender: str
    state: str
    reason: str | None


@dataclass(frozen=True)
class TenderLine:
    shift_id: int | None
    order_no: str
    tender: str
    kind: str
    amount_fen: int
    reference: str
    created_at: float


class Journal(DurableFile):
    """One SQLite file per terminal. Not shared between processes at once."""

    SCHEMA = _SCHEMA

    # -- numbers ---------------------------------------------------------------------------

    def next_number(self, prefix: str) -> str:
        """A request number unique for this terminal, across restarts and a lost journal.

        Date and time for people, a counter kept here, and 4 random hex digits
        so that even a terminal whose journal was wiped cannot repeat a number.
        """
        with self._tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
            seq = int(row["value"]) + 1 if row else 1
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('seq', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(seq),),
            )
        stamp = time.strftime("%y%m%d%H%M%S")
        return f"{prefix}{stamp}{seq % 1_000_000:06d}{secrets.token_hex(2)}"

    # -- payments --------------------------------------------------------------------------

    def begin_payment(
        self,
        out_trade_no: str,
        *,
        amount_fen: int,
        issuer: str | None,
        code_masked: str,
        order_no: str = "",
    ) -> None:
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT INTO payments (out_trade_no, order_no, issuer, code_masked, amount_fen,"
                " state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    out_trade_no,
                    order_no,
                    issuer,
                    code_masked,
                    amount_fen,
                    SessionState.PAYING.value,
                    now,
                    now,
                ),
            )

    def set_state(
        self,
        out_trade_no: str,
        state: SessionState,
        *,
        reason: str | None = None,
        trade_no: str | None = None,
        points: int | None = None,
        reversal_pending: bool = False,
        tender_line: tuple[str, int] | None = None,
    ) -> None:
        """Record a state change; on PAID, ``tender_line`` (tender, fen) joins the shift."""
        now = time.time()
        with self._tx() as db:
            db.execute(
                "UPDATE payments SET state = ?, reason = COALESCE(?, reason),"
                " trade_no = COALESCE(?, trade_no), points = COALESCE(?, points),"
                " reversal_pending = ?, updated_at = ? WHERE out_trade_no = ?",
                (state.value, reason, trade_no, points, int(reversal_pending), now, out_trade_no),
            )
            if tender_line is not None:
                order = db.execute(
                    "SELECT order_no FROM payments WHERE out_trade_no = ?", (out_trade_no,)
                ).fetchone()
                self._add_line(
                    db,
                    order["order_no"] if order else "",
                    tender_line[0],
                    "sale",
                    tender_line[1],
                    out_trade_no,
                    now,
                )

    def payment(self, out_trade_no: str) -> PaymentEntry | None:
        row = self._db.execute(
            "SELECT * FROM payments WHERE out_trade_no = ?", (out_trade_no,)
        ).fetchone()
        return _payment(row) if row else None

    def in_doubt(self) -> list[PaymentEntry]:
        """Payments whose outcome is not settled with the backend, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM payments WHERE state NOT IN ('PAID', 'NOT_CHARGED')"
            " OR reversal_pending = 1 ORDER BY created_at"
        ).fetchall()
        return [_payment(r) for r in rows]

    def paid_for_order(self, order_no: str) -> PaymentEntry | None:
        """The first payment of ``order_no`` that ended PAID, if any."""
        row = self._db.execute(
            "SELECT * FROM payments WHERE order_no = ? AND state = 'PAID'"
            " ORDER BY created_at LIMIT 1",
            (order_no,),
        ).fetchone()
        return _payment(row) if row else None

    def paid_payments(self, order_no: str) -> list[PaymentEntry]:
        """Every payment of ``order_no`` that ended PAID, first first (a sale's receipt)."""
        rows = self._db.execute(
            "SELECT * FROM payments WHERE order_no = ? AND state = 'PAID' ORDER BY created_at",
            (order_no,),
        ).fetchall()
        return [_payment(r) for r in rows]

    def till_tenders(self, order_no: str) -> list[tuple[str, int]]:
        """Cash and bank card the till took for ``order_no``: (tender, fen), in order."""
        rows = self._db.execute(
            "SELECT tender, amount_fen FROM tender_lines WHERE order_no = ? AND kind = 'sale'"
            " AND tender IN ('cash', 'bank_card') ORDER BY id",
            (order_no,),
        ).fetchall()
        return [(r["tender"], r["amount_fen"]) for r in rows]

    def recent_payments(self, limit: int = 50) -> list[PaymentEntry]:
        rows = self._db.execute(
            "SELECT * FROM payments ORDER BY created_at DESC LIMIT ?", (limit,)
        ).fetchall()
        return [_payment(r) for r in rows]

    # -- refunds ---------------------------------------------------------------------------

    def begin_refund(
        self, out_refund_no: str, out_trade_no: str, amount_fen: int, tender: str
    ) -> None:
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT INTO refunds (out_refund_no, out_trade_no, amount_fen, tender, state,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, 'SENT', ?, ?)",
                (out_refund_no, out_trade_no, amount_fen, tender, now, now),
            )

    def finish_refund(self, out_refund_no: str, *, done: bool, reason: str | None = None) -> None:
        now = time.time()
        with self._tx() as db:
            db.execute(
                "UPDATE refunds SET state = ?, reason = ?, updated_at = ? WHERE out_refund_no = ?",
                ("DONE" if done else "REFUSED", reason, now, out_refund_no),
            )
            if done:
                row = db.execute(
                    "SELECT r.amount_fen, r.tender, p.order_no FROM refunds r"
                    " LEFT JOIN payments p ON p.out_trade_no = r.out_trade_no"
                    " WHERE r.out_refund_no = ?",
                    (out_refund_no,),
                ).fetchone()
                self._add_line(
                    db,
                    row["order_no"] or "",
                    row["tender"],
                    "refund",
                    row["amount_fen"],
                    out_refund_no,
                    now,
                )

    def refunds_in_doubt(self) -> list[RefundEntry]:
        rows = self._db.execute(
            "SELECT * FROM refunds WHERE state = 'SENT' ORDER BY created_at"
        ).fetchall()
        return [_refund(r) for r in rows]

    def refund(self, out_refund_no: str) -> RefundEntry | None:
        row = self._db.execute(
            "SELECT * FROM refunds WHERE out_refund_no = ?", (out_refund_no,)
        ).fetchone()
        return _refund(row) if row else None

    # -- tenders and shifts ------------------------------------------------------------------

    def add_tender_line(
        self,
        order_no: str,
        tender: str,
        amount_fen: int,
        *,
        kind: str = "sale",
        reference: str = "",
    ) -> None:
        """Record money taken (or given back) by a tender the terminal handles itself."""
        with self._tx() as db:
            self._add_line(
                db,
                order_no,
                tender,
                kind,
                amount_fen,
                reference or f"{kind}-{secrets.token_hex(8)}",
                time.time(),
            )

    def _add_line(
        self,
        db: sqlite3.Connection,
        order_no: str,
        tender: str,
        kind: str,
        amount_fen: int,
        reference: str,
        now: float,
    ) -> None:
        shift = db.execute("SELECT id FROM shifts WHERE closed_at IS NULL").fetchone()
        db.execute(
            "INSERT OR IGNORE INTO tender_lines (shift_id, order_no, tender, kind, amount_fen,"
            " reference, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (shift["id"] if shift else None, order_no, tender, kind, amount_fen, reference, now),
        )

    def open_shift(self, cashier: str = "") -> int:
        with self._tx() as db:
            if db.execute("SELECT 1 FROM shifts WHERE closed_at IS NULL").fetchone():
                raise ValueError("A shift is already open; close it first.")
            cur = db.execute(
                "INSERT INTO shifts (cashier, opened_at) VALUES (?, ?)", (cashier, time.time())
            )
            return int(cur.lastrowid or 0)

    def current_shift(self) -> tuple[int, str, float] | None:
        row = self._db.execute(
            "SELECT id, cashier, opened_at FROM shifts WHERE closed_at IS NULL"
        ).fetchone()
        return (row["id"], row["cashier"], row["opened_at"]) if row else None

    def close_shift(self, shift_id: int, report: str) -> None:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE shifts SET closed_at = ?, report = ? WHERE id = ? AND closed_at IS NULL",
                (time.time(), report, shift_id),
            )
            if cur.rowcount != 1:
                raise ValueError("That shift is not open.")

    def add_no_sale(self) -> None:
        """The cashier opened the drawer without a sale ("no sale"): counted in the shift."""
        with self._tx() as db:
            shift = db.execute("SELECT id FROM shifts WHERE closed_at IS NULL").fetchone()
            db.execute(
                "INSERT INTO no_sales (shift_id, created_at) VALUES (?, ?)",
                (shift["id"] if shift else None, time.time()),
            )

    def no_sales(self, shift_id: int) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM no_sales WHERE shift_id = ?", (shift_id,)
        ).fetchone()
        return int(row[0])

    def tender_lines(self, shift_id: int) -> list[TenderLine]:
        rows = self._db.execute(
            "SELECT * FROM tender_lines WHERE shift_id = ? ORDER BY id", (shift_id,)
        ).fetchall()
        return [
            TenderLine(
                r["shift_id"],
                r["order_no"],
                r["tender"],
                r["kind"],
                r["amount_fen"],
                r["reference"],
                r["created_at"],
            )
            for r in rows
        ]


def _payment(row: sqlite3.Row) -> PaymentEntry:
    return PaymentEntry(
        out_trade_no=row["out_trade_no"],
        order_no=row["order_no"],
        issuer=row["issuer"],
        code_masked=row["code_masked"],
        amount_fen=row["amount_fen"],
        state=SessionState(row["state"]),
        reason=row["reason"],
        points=row["points"],
        trade_no=row["trade_no"],
        reversal_pending=bool(row["reversal_pending"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _refund(row: sqlite3.Row) -> RefundEntry:
    return RefundEntry(
        row["out_refund_no"],
        row["out_trade_no"],
        row["amount_fen"],
        row["tender"],
        row["state"],
        row["reason"],
    )
