"""The database handle: one engine, and transactions that mean the same on SQLite and PostgreSQL.

- ``write()``: a read-write transaction. On SQLite it starts with
  ``BEGIN IMMEDIATE``, so the write lock is taken up front and two writers
  never deadlock upgrading a read lock; within one process writers also queue
  on a lock first, so they wait in line instead of polling the file lock.
  On PostgreSQL it is READ COMMITTED; the domain takes row locks
  (``SELECT ... FOR UPDATE``) where it needs them, and SQLite ignores those
  because its transaction already holds the whole database.
- ``transaction(work)``: ``work(conn)`` in a write transaction, for the
  terminal requests; on SQLite many of them may share one commit
  (:mod:`.group_commit`, ``batch``).
- ``read()``: a read-only snapshot (``BEGIN`` on SQLite, which WAL lets run
  beside a writer).
- :mod:`.prepared`: the pay path's statements, compiled once and run on the
  driver's cursor inside either of them.

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit is on disk when it
returns; a batch's, when :mod:`.wal_sync` says so) and foreign keys on, and
keeps its statement journals in memory (``temp_store=MEMORY``): a pay's
savepoints spilled them to a temporary file, about 0.1 ms a request (measured
2026-12-03). Checkpoints (copying the WAL back into the database file) are the
job of a background thread (:meth:`Database.start_checkpointer`, started by
``serve``), not of whichever request's commit happens to cross SQLite's
threshold; the threshold is kept, raised, as a safety net.

How long a request waits for a lock is ``busy_timeout_ms`` (SQLite's busy
timeout, PostgreSQL's ``lock_timeout``, the pool's checkout timeout); past it
the request fails with SERVICE_BUSY and nothing is done. Statement parameters
never appear in errors or logs.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Table, create_engine, event, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry

from .group_commit import CommitDrill, GroupCommit, Instead
from .wal_sync import WalSync

__all__ = [
    "Database",
    "DatabaseBusy",
    "Instead",
    "insert_ignoring_conflict",
    "savepoint",
]

T = TypeVar("T")
_READ_ONLY = "scanpay_read_only"
# A commit checkpoints by itself only if the checkpointer thread falls this far behind.
_SAFETY_NET_PAGES = 20_000
log = logging.getLogger("scanpay.db")


class DatabaseBusy(Exception):
    """A lock could not be had in time; nothing was done."""


class Database:
    """``batch``: on SQLite, how many :meth:`transaction` calls may share a commit (1: none)."""

    def __init__(
        self,
        url: str,
        *,
        busy_timeout_ms: int = 5000,
        pool_size: int = 10,
        batch: int = 1,
        batch_s: float = 0.005,
        drill: CommitDrill | None = None,
    ) -> None:
        self.url = url
        self.busy_timeout_ms = busy_timeout_ms
        self.engine: Engine = _make_engine(url, busy_timeout_ms, pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._writer = threading.Lock() if self.is_sqlite else None
        file = self.engine.url.database if self.is_sqlite else None
        if file == ":memory:":
            file = None
        self._writer_file = _WriterFile(file) if file else None
        self._checkpointer: _Checkpointer | None = None
        self.group: GroupCommit | None = None
        self._wal: WalSync | None = None
        if self.is_sqlite and batch > 1:
            self._wal = WalSync(file) if file else None
            self.group = GroupCommit(
                self.engine,
                self._holding_writer,
                max_units=batch,
                max_s=batch_s,
                wal=self._wal,
                drill=drill,
            )

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that commits on leaving the block and rolls back on an exception."""
        with self._holding_writer(), self.engine.begin() as conn:
            yield conn
        self._make_durable()

    def _make_durable(self) -> None:
        """With batches: what a transaction saw is on disk before its caller answers
        (:mod:`.wal_sync`; a commit of its own may not have synced anything)."""
        if self._wal is not None:
            self._wal.make_durable()

    def transaction(self, work: Callable[[Connection], T]) -> T:
        """``work(conn)`` in a write transaction; its result once the commit is on disk.

        An exception undoes what ``work`` wrote and propagates, as from
        :meth:`write`; :class:`Instead` undoes it and runs the work it names.
        With ``batch`` > 1 (SQLite), the transaction may share its commit
        with others' (:mod:`.group_commit`); a commit that fails raises
        :class:`~.group_commit.CommitFailed`.
        """
        if self.group is not None:
            return self.group.run(work)
        try:
            with self.write() as conn:
                return work(conn)
        except Instead as instead:
            with self.write() as conn:
                return instead.work(conn)  # type: ignore[no-any-return]

    @contextmanager
    def _holding_writer(self) -> Iterator[None]:
        """SQLite: this process's writers queue here first. PostgreSQL: nothing to hold."""
        if self._writer is None:
            yield
            return
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        if not self._writer.acquire(timeout=self.busy_timeout_ms / 1000):
            raise DatabaseBusy("another request held the database too long")
        try:
            if self._writer_file is not None and not self._writer_file.acquire(deadline):
                raise DatabaseBusy("another process held the database too long")
            try:
                yield
            finally:
                if self._writer_file is not None:
                    self._writer_file.release()
        finally:
            self._writer.release()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(**{_READ_ONLY: True})
            with conn.begin():
                yield conn
        self._make_durable()

    def start_checkpointer(self, every_s: float = 0.25) -> None:
        """SQLite: checkpoint the WAL in a thread of its own, off the requests' path."""
        if not self.is_sqlite or self._checkpointer is not None:
            return
        self._checkpointer = _Checkpointer(self.engine, every_s)
        self._checkpointer.start()

    def stop_checkpointer(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None

    def dispose(self) -> None:
        self.stop_checkpointer()
        if self.group is not None:
            self.group.release_connection()
        self.engine.dispose()
        if self._writer_file is not None:
            self._writer_file.close()
        if self._wal is not None:
            self._wal.close()


class _WriterFile:
    """SQLite: the writers of every process on one file queue on a lock file beside it.

    SQLite's own busy handler sleeps 1, 2, 5, 10, ... 100 ms between tries, so
    a writer of another process (``serve --workers``) waited far longer than
    the lock was held (a p99 of 1.9 s at 32 terminals on two workers,
    measured 2026-12-04). Trying ``flock`` every 0.1-1 ms was better, but two
    workers still idled a third of each core between tries (about 650 pays/s
    against about 930/s with a ``flock`` that waits in the kernel, which
    hands the lock over the moment it is let go; measured 2026-12-04). So a
    writer that finds it taken waits in the kernel, in a thread of its own
    on a descriptor of its own, so that the wait can end at the deadline: a
    waiter given up on lets the lock go the moment it gets it. Writers that
    do not take the file (another program) are still kept apart by SQLite's
    lock. Only one thread of a process is here at a time (the process's
    writer lock is taken first).
    """

    def __init__(self, database: str) -> None:
        self._path = f"{database}-writer"
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        self._held = self._fd  # the descriptor that holds the lock while it is held
        self._closed = False

    def acquire(self, deadline: float) -> bool:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return self._wait(deadline)
        self._held = self._fd
        return True

    def _wait(self, deadline: float) -> bool:
        fd = os.open(self._path, os.O_RDWR)
        got = threading.Event()
        given_up = False
        guard = threading.Lock()

        def wait() -> None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with guard:
                if given_up:
                    os.close(fd)  # lets it go
                else:
                    got.set()

        threading.Thread(target=wait, name="scanpay-writer-file", daemon=True).start()
        if got.wait(max(0.0, deadline - time.monotonic())):
            self._held = fd
            return True
        with guard:
            if got.is_set():
                self._held = fd
                return True
            given_up = True
        return False

    def release(self) -> None:
        held, self._held = self._held, self._fd
        if held == self._fd:
            fcntl.flock(held, fcntl.LOCK_UN)
        else:
            os.close(held)  # a waiter's own descriptor: closing it lets the lock go

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            os.close(self._fd)


class _Checkpointer(threading.Thread):
    """``PRAGMA wal_checkpoint(PASSIVE)`` every ``every_s``: never waits for a writer or reader."""

    def __init__(self, engine: Engine, every_s: float) -> None:
        super().__init__(name="scanpay-checkpointer", daemon=True)
        self._engine = engine
        self._every_s = every_s
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)

    def run(self) -> None:
        while not self._stop_event.wait(self._every_s):
            try:
                with self._engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception as exc:  # a busy or closing database: next round
                log.debug("checkpoint skipped: %s", type(exc).__name__)


def _make_engine(url: str, busy_timeout_ms: int, pool_size: int) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            hide_parameters=True,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=busy_timeout_ms / 1000,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if url.startswith("postgresql") and "+" not in url.split("://", 1)[0]:
        url = url.replace("postgresql", "postgresql+psycopg", 1)
    return create_engine(
        url,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=busy_timeout_ms / 1000,
        pool_pre_ping=True,
        connect_args={"options": f"-c lock_timeout={busy_timeout_ms}"},
    )


def _sqlite_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred only).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={_SAFETY_NET_PAGES}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA temp_store=MEMORY")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = "DEFERRED" if conn.get_execution_options().get(_READ_ONLY) else "IMMEDIATE"
    conn.exec_driver_sql(f"BEGIN {mode}")


def insert_ignoring_conflict(conn: Connection, table: Table, values: Mapping[str, Any]) -> bool:
    """``INSERT ... ON CONFLICT DO NOTHING``: True if the row was new, False if it was there."""
    if conn.dialect.name == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    return conn.execute(stmt.returning(literal_column("1"))).first() is not None


@contextmanager
def savepoint(conn: Connection, name: str = "scanpay_step") -> Iterator[None]:
    """A plain SQL savepoint: an exception undoes what the block wrote, and propagates.

    ``Connection.begin_nested`` does the same with more bookkeeping; this one
    goes straight to the driver, as :mod:`.prepared` does.
    """
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        driver.execute(f"ROLLBACK TO SAVEPOINT {name}")
        driver.execute(f"RELEASE SAVEPOINT {name}")
        raise
    driver.execute(f"RELEASE SAVEPOINT {name}")
