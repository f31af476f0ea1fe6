"""A SQLite file on the device that must survive a crash at any moment.

WAL mode with ``synchronous=FULL``: a commit is on disk when the call returns.
Transactions start with ``BEGIN IMMEDIATE`` (the write lock up front) and roll
back on any exception. The journal and the apps' own local stores use this.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import ClassVar

__all__ = ["DurableFile", "open_durable", "transaction"]


def open_durable(path: Path, schema: str) -> sqlite3.Connection:
    """Open (or create) the file at ``path`` and make sure ``schema`` exists in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA busy_timeout=5000")
    db.executescript(schema)
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class DurableFile:
    """Base of a class kept in one such file: ``SCHEMA`` is created on open. One process at once."""

    SCHEMA: ClassVar[str] = ""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db = open_durable(self.path, self.SCHEMA)

    def close(self) -> None:
        self._db.close()

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self._db)
