"""Rate limits per terminal and per merchant, counted in the database so every instance shares them.

Fixed windows of ``rate_window_s``: each request adds one to its terminal's
and its merchant's counter for the current window with one
``INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count``,
an atomic step on SQLite and PostgreSQL alike, so N instances count as one.
A request that takes a counter past its limit is refused with
``SERVICE_BUSY`` (HTTP 429) and the seconds until the window ends, which the
answer carries as ``Retry-After`` and as ``data.retry_after_s``.

Where the counting happens:

- SQLite: inside the request's own write transaction, before the nonce. The
  transaction holds the database anyway, so this adds one statement and no
  commit.
- PostgreSQL: just before the request's transaction, as one statement that
  commits by itself (autocommit: no BEGIN or COMMIT to wait for) with
  ``synchronous_commit=off`` (a counter is not money; a crash may forget a
  fraction of a second of counts), on a pool of its own as large as the
  database's (a smaller one made and dropped connections under load). The
  counter row is locked only for that one statement, so a merchant's tills
  do not queue behind each other's payments.

Counted requests are the signed ones of known terminals (a forged request
cannot spend a terminal's allowance). Refused requests count too, so a
terminal that keeps hammering stays refused until it slows down. The
sweeper's housekeeping deletes windows that have ended.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import Connection, Engine

from backend_stub.clock import s_to_ms
from backend_stub.errors import ApiError
from backend_stub.payments.terminals import Terminal
from backend_stub.settings import Settings
from backend_stub.storage.db import Database
from backend_stub.storage.prepared import Prepared
from backend_stub.storage.schema import rate_counters
from protocol.errors import ErrorCode

__all__ = ["RateLimited", "RateLimiter", "count_one_more", "purge_rate_counters"]


class RateLimited(ApiError):
    """``SERVICE_BUSY``: a rate limit is used up; ``retry_after_s``: when to come back."""

    def __init__(self, scope: str, retry_after_s: int) -> None:
        detail = f"{scope} rate limit; retry after {retry_after_s} s"
        super().__init__(ErrorCode.SERVICE_BUSY, detail)
        self.scope = scope
        self.retry_after_s = retry_after_s


# Plain SQL, the same on SQLite and PostgreSQL, so it is compiled once (SQLAlchemy does
# not cache a multi-row ``insert().values([...])``). One statement counts every key.
_COUNT_ONE = text(
    'INSERT INTO rate_counters ("key", until_ms, count) VALUES (:key_0, :until_ms, 1) '
    'ON CONFLICT ("key", until_ms) DO UPDATE SET count = rate_counters.count + 1 '
    'RETURNING "key", count'
)
_COUNT_TWO = text(
    'INSERT INTO rate_counters ("key", until_ms, count) '
    "VALUES (:key_0, :until_ms, 1), (:key_1, :until_ms, 1) "
    'ON CONFLICT ("key", until_ms) DO UPDATE SET count = rate_counters.count + 1 '
    'RETURNING "key", count'
)
# every terminal request runs one: on the driver (storage.prepared)
_UPSERT = {1: Prepared(_COUNT_ONE), 2: Prepared(_COUNT_TWO)}


def count_one_more(conn: Connection, key: str, window_ms: int, now_ms: int) -> tuple[int, int]:
    """Count a request under ``key`` in the window ``now_ms`` falls in (shared by instances).

    Returns the count, this one included, and the seconds until the window ends.
    """
    until = (now_ms // window_ms + 1) * window_ms
    count = conn.execute(_COUNT_ONE, {"key_0": key, "until_ms": until}).one()[1]
    return int(count), max(1, math.ceil((until - now_ms) / 1000))


class RateLimiter:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._window_ms = max(1, s_to_ms(settings.rate_window_s))
        self._limits = (("terminal", settings.rate_terminal), ("merchant", settings.rate_merchant))
        self._is_sqlite = db.is_sqlite
        self._engine: Engine | None = None
        if not db.is_sqlite and any(limit for _, limit in self._limits):
            self._engine = create_engine(
                db.engine.url,
                hide_parameters=True,
                isolation_level="AUTOCOMMIT",
                pool_size=db.engine.pool.size(),  # type: ignore[attr-defined]
                max_overflow=0,
                pool_timeout=db.busy_timeout_ms / 1000,
                pool_pre_ping=True,
                connect_args={
                    "options": f"-c synchronous_commit=off -c lock_timeout={db.busy_timeout_ms}"
                },
            )

    def before_transaction(self, terminal: Terminal, now_ms: int) -> RateLimited | None:
        """PostgreSQL: count in a statement of its own (committed either way)."""
        if self._engine is None:
            return None
        with self._engine.begin() as conn:
            return self._count(conn, terminal, now_ms)

    def in_transaction(
        self, conn: Connection, terminal: Terminal, now_ms: int
    ) -> RateLimited | None:
        """SQLite: count inside the request's transaction, which must commit either way."""
        return self._count(conn, terminal, now_ms) if self._is_sqlite else None

    def _count(self, conn: Connection, terminal: Terminal, now_ms: int) -> RateLimited | None:
        until = (now_ms // self._window_ms + 1) * self._window_ms
        wanted = {
            (f"t:{terminal.id}" if scope == "terminal" else f"m:{terminal.merchant_id}"): (
                scope,
                limit,
            )
            for scope, limit in self._limits
            if limit
        }
        if not wanted:
            return None
        params: dict[str, Any] = {f"key_{i}": key for i, key in enumerate(wanted)}
        params["until_ms"] = until
        counted = _UPSERT[len(wanted)].execute(conn, params)
        for key, count in sorted(counted):
            scope, limit = wanted[key]
            if count > limit:
                return RateLimited(scope, max(1, math.ceil((until - now_ms) / 1000)))
        return None

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def purge_rate_counters(conn: Connection, now_ms: int) -> int:
    """Forget windows that have ended."""
    return conn.execute(delete(rate_counters).where(rate_counters.c.until_ms <= now_ms)).rowcount
