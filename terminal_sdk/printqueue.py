"""The till's print queue: every receipt on disk before it is printed, printed once.

A sale never waits for paper: the receipt is written here (fsync'd, in the
till's data directory) and the till moves on; a printer worker prints what
waits whenever the printer can. States::

    WAITING --> SENDING --> PRINTED
       ^            |
       +------------+  the printer could not take it, or ran out mid-receipt: printed
                       whole again when it can
    SENDING at start-up --> DOUBT  (the till stopped while printing: it may be on paper;
                                    never printed again unless the cashier asks)

The same receipt added twice is kept once (``kind``, ``reference``); a
reprint is a new copy only when the cashier asks for it.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .durable import DurableFile
from .receipts import Receipt

__all__ = ["JobState", "PrintJob", "PrintQueue"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    copy INTEGER NOT NULL DEFAULT 0,      -- 0: the receipt itself; 1, 2...: reprints asked for
    receipt TEXT NOT NULL,                -- the receipt as JSON
    state TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    problem TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    printed_at REAL,
    UNIQUE (kind, reference, copy)
);
"""


class JobState(StrEnum):
    WAITING = "WAITING"
    SENDING = "SENDING"
    PRINTED = "PRINTED"
    DOUBT = "DOUBT"


@dataclass(frozen=True)
class PrintJob:
    id: int
    receipt: Receipt
    copy: int
    state: JobState
    tries: int
    problem: str


class PrintQueue(DurableFile):
    """One SQLite file; one process at a time (the app that owns the printer)."""

    SCHEMA = _SCHEMA

    def __init__(self, path: Path | str) -> None:
        super().__init__(path)
        with self._tx() as db:
            db.execute("UPDATE jobs SET state = 'DOUBT' WHERE state = 'SENDING'")

    def add(self, receipt: Receipt) -> PrintJob | None:
        """Queue ``receipt``; None if it was queued before (it is never printed twice)."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO jobs (kind, reference, copy, receipt, state, created_at)"
                " VALUES (?, ?, 0, ?, 'WAITING', ?)",
                (receipt.kind.value, receipt.reference, receipt.model_dump_json(), time.time()),
            )
        return self.job(int(cur.lastrowid or 0)) if cur.rowcount == 1 else None

    def reprint(self, job_id: int) -> PrintJob | None:
        """The cashier asks for ``job_id`` again: a new copy, queued."""
        original = self.job(job_id)
        if original is None:
            return None
        receipt = original.receipt
        with self._tx() as db:
            row = db.execute(
                "SELECT MAX(copy) FROM jobs WHERE kind = ? AND reference = ?",
                (receipt.kind.value, receipt.reference),
            ).fetchone()
            cur = db.execute(
                "INSERT INTO jobs (kind, reference, copy, receipt, state, created_at)"
                " VALUES (?, ?, ?, ?, 'WAITING', ?)",
                (receipt.kind.value, receipt.reference, row[0] + 1, receipt.model_dump_json(),
                 time.time()),
            )  # fmt: skip
        return self.job(int(cur.lastrowid or 0))

    def job(self, job_id: int) -> PrintJob | None:
        row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def last(self) -> PrintJob | None:
        """The latest receipt itself (not a reprint), whatever became of it."""
        row = self._db.execute("SELECT * FROM jobs WHERE copy = 0 ORDER BY id DESC").fetchone()
        return _job(row) if row else None

    def waiting(self) -> list[PrintJob]:
        rows = self._db.execute("SELECT * FROM jobs WHERE state = 'WAITING' ORDER BY id")
        return [_job(r) for r in rows.fetchall()]

    def jobs(self) -> list[PrintJob]:
        return [_job(r) for r in self._db.execute("SELECT * FROM jobs ORDER BY id").fetchall()]

    def _set(self, job_id: int, sql: str, *args: object) -> None:
        with self._tx() as db:
            db.execute(f"UPDATE jobs SET {sql} WHERE id = ?", (*args, job_id))  # noqa: S608

    def sending(self, job_id: int) -> None:
        self._set(job_id, "state = 'SENDING', tries = tries + 1")

    def printed(self, job_id: int) -> None:
        self._set(job_id, "state = 'PRINTED', problem = '', printed_at = ?", time.time())

    def again(self, job_id: int, problem: str) -> None:
        """Not (wholly) printed: it waits to be printed whole."""
        self._set(job_id, "state = 'WAITING', problem = ?", problem)


def _job(row: sqlite3.Row) -> PrintJob:
    return PrintJob(
        id=row["id"],
        receipt=Receipt.model_validate_json(row["receipt"]),
        copy=row["copy"],
        state=JobState(row["state"]),
        tries=row["tries"],
        problem=row["problem"],
    )
