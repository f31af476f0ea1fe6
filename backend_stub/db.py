"""The database handle: one engine, and transactions that mean the same on SQLite and PostgreSQL.

- ``write()``: a read-write transaction. On SQLite it starts with
  ``BEGIN IMMEDIATE``, so the write lock is taken up front and two writers
  never deadlock upgrading a read lock; within one process writers also queue
  on a lock first, so they wait in line instead of polling the file lock.
  On PostgreSQL it is READ COMMITTED; the domain takes row locks
  (``SELECT ... FOR UPDATE``) where it needs them, and SQLite ignores those
  because its transaction already holds the whole database.
- ``read()``: a read-only snapshot (``BEGIN`` on SQLite, which WAL lets run
  beside a writer).
- :class:`Prepared`: a Core statement compiled once and run on the driver's
  cursor inside either of them, for the pay path, where SQLAlchemy's work at
  each execution cost more than the database's own.

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit is on disk when it
returns) and foreign keys on. Checkpoints (copying the WAL back into the
database file) are the job of a background thread (:meth:`Database.start_checkpointer`,
started by ``serve``), not of whichever request's commit happens to cross
SQLite's threshold; the threshold is kept, raised, as a safety net.

How long a request waits for a lock is ``busy_timeout_ms`` (SQLite's busy
timeout, PostgreSQL's ``lock_timeout``, the pool's checkout timeout); past it
the request fails with SERVICE_BUSY and nothing is done. Statement parameters
never appear in errors or logs.
"""

from __future__ import annotations

import logging
import threading
from collections import namedtuple
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, create_engine, event, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = [
    "Database",
    "DatabaseBusy",
    "Prepared",
    "Record",
    "Rows",
    "insert_ignoring_conflict",
    "savepoint",
]

_READ_ONLY = "scanpay_read_only"
# A commit checkpoints by itself only if the checkpointer thread falls this far behind.
_SAFETY_NET_PAGES = 20_000
log = logging.getLogger("scanpay.db")


class DatabaseBusy(Exception):
    """A lock could not be had in time; nothing was done."""


class Database:
    def __init__(self, url: str, *, busy_timeout_ms: int = 5000, pool_size: int = 10) -> None:
        self.url = url
        self.busy_timeout_ms = busy_timeout_ms
        self.engine: Engine = _make_engine(url, busy_timeout_ms, pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._writer = threading.Lock() if self.is_sqlite else None
        self._checkpointer: _Checkpointer | None = None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that commits on leaving the block and rolls back on an exception."""
        if self._writer is not None:
            if not self._writer.acquire(timeout=self.busy_timeout_ms / 1000):
                raise DatabaseBusy("another request held the database too long")
            try:
                with self.engine.begin() as conn:
                    yield conn
            finally:
                self._writer.release()
        else:
            with self.engine.begin() as conn:
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(**{_READ_ONLY: True})
            with conn.begin():
                yield conn

    def start_checkpointer(self, every_s: float = 0.25) -> None:
        """SQLite: checkpoint the WAL in a thread of its own, off the requests' path."""
        if not self.is_sqlite or self._checkpointer is not None:
            return
        self._checkpointer = _Checkpointer(self.engine, every_s)
        self._checkpointer.start()

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self.engine.dispose()


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
    is for the hot path (every terminal request passes one).
    """
    conn.exec_driver_sql(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
        conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
        raise
    conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")


# A row read by column name or position: SQLAlchemy's ``Row``, or the named tuple of a
# :class:`Prepared` statement.
Record = Any


class Prepared:
    """A Core statement compiled once per database and set of parameter names, run on the driver.

    For the pay path, whose statements SQLite runs in less time than
    SQLAlchemy takes to execute them (cache key, parameters, result
    processing: 15-50 us a statement here). A ``Prepared`` is written, and
    checked, as Core; the first execution compiles it, and each one hands
    the SQL and values to the driver's cursor on the connection's own
    transaction. Driver errors are wrapped as SQLAlchemy's (parameters
    hidden), so callers handle them as any other. Rows are named tuples
    with the statement's column names.

    What it gives up is type conversion, so it is for statements of integers
    and strings (a boolean column reads as 0 or 1 on SQLite), without
    expanding ``IN`` lists or Python-side column defaults; those are refused
    when compiled. As with Core, an INSERT or UPDATE without ``values()``
    sets the columns named in the parameters.
    """

    def __init__(self, statement: Any) -> None:
        self.statement = statement  # a Core statement (Select, Insert, Update...)
        self._forms: dict[tuple[str, frozenset[str]], _Form] = {}

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> Rows:
        if not conn.in_transaction():  # the driver would run it on its own, committed at once
            raise RuntimeError("run a Prepared statement in a transaction: Database.write or read")
        key = (conn.dialect.name, frozenset(params))
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = _Form.of(self.statement, conn.dialect, key[1])
        driver = conn.connection.driver_connection
        assert driver is not None
        dbapi_error = conn.dialect.loaded_dbapi.Error
        try:
            cursor = driver.execute(form.sql, form.arguments(params))
            row_type = form.row_type(cursor)
            rows = [] if row_type is None else cursor.fetchall()
        except dbapi_error as exc:
            raise DBAPIError.instance(
                form.sql, None, exc, dbapi_error, hide_parameters=True, dialect=conn.dialect
            ) from exc
        return Rows(map(row_type._make, rows)) if rows else Rows()


class Rows(list[Any]):
    """A :class:`Prepared` statement's rows, read like a Core result's."""

    def first(self) -> Any:
        return self[0] if self else None

    def one(self) -> Any:
        if len(self) != 1:
            raise LookupError(f"expected one row, got {len(self)}")
        return self[0]

    def scalar(self) -> Any:
        return self[0][0] if self else None


@dataclass
class _Form:
    sql: str
    names: tuple[str, ...]  # in the driver's order when ``positional``
    positional: bool
    fixed: dict[str, Any]  # values the statement itself carries (literals)
    _row_type: Any = None

    @classmethod
    def of(cls, statement: Any, dialect: Dialect, names: frozenset[str]) -> _Form:
        compiled = statement.compile(dialect=dialect, column_keys=sorted(names))
        assert isinstance(compiled, SQLCompiler)
        unfit = (
            compiled.post_compile_params
            or compiled.insert_prefetch
            or compiled.update_prefetch
            or compiled._bind_processors
        )
        if unfit:
            raise TypeError("this statement needs SQLAlchemy at each execution: use conn.execute")
        fixed = {n: b.effective_value for b, n in compiled.bind_names.items() if not b.required}
        if compiled.positional:
            return cls(compiled.string, tuple(compiled.positiontup or ()), True, fixed)
        return cls(compiled.string, tuple(set(compiled.bind_names.values())), False, fixed)

    def arguments(self, params: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = {**self.fixed, **params}
        if self.positional:
            return tuple(values[name] for name in self.names)
        return {name: values[name] for name in self.names}

    def row_type(self, cursor: Any) -> Any:
        """The named tuple of the rows, from the first cursor; None for a statement without rows.

        (Read once: psycopg builds a cursor's ``description`` anew at each look.)
        """
        if self._row_type is None:
            description = cursor.description
            if description is None:
                return None
            self._row_type = namedtuple("Row", [column[0] for column in description])  # type: ignore[misc]
        return self._row_type
