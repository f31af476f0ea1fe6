"""Online backup of the SQLite database, while ``serve`` keeps running (``scanpay-backend backup``).

SQLite's backup API copies a consistent snapshot page by page inside a read
transaction; in WAL mode writers carry on meanwhile (each step copies a few
hundred pages, so a busy server is never held up for long). The copy is
written beside the destination, checked with ``PRAGMA integrity_check``,
flushed to disk and only then renamed into place, so ``DEST`` is either the
old file or a complete, checked copy, never half of one.

To restore: stop the server, remove ``scanpay.db-wal`` and ``scanpay.db-shm``
from the data directory, copy the backup to ``DATA/scanpay.db``, start the
server (and run ``scanpay-backend verify``). PostgreSQL is backed up with its
own tools (``pg_dump``), see the README.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BackupReport", "backup_sqlite"]

_PAGES_PER_STEP = 256


@dataclass(frozen=True)
class BackupReport:
    path: Path
    pages: int
    size_bytes: int


def backup_sqlite(source: Path, dest: Path) -> BackupReport:
    """Copy the live database at ``source`` to ``dest``; raises ``ValueError`` on a bad copy."""
    if dest.resolve() == source.resolve():
        raise ValueError("the backup must go to another file than the database itself")
    if dest.is_dir():
        dest = dest / "scanpay.db"
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source)
    try:
        copy = sqlite3.connect(partial)
        try:
            src.backup(copy, pages=_PAGES_PER_STEP, sleep=0.005)
            checked = copy.execute("PRAGMA integrity_check").fetchone()
            if checked is None or checked[0] != "ok":
                raise ValueError(f"the copy failed its integrity check: {checked}")
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
        finally:
            copy.close()
    finally:
        src.close()
    with partial.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(partial, dest)
    directory = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return BackupReport(dest, pages, dest.stat().st_size)
