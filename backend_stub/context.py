"""What every layer is handed: the running :class:`Backend`, and a signed request as :class:`Call`.

The gateway makes a :class:`Call` for each request it lets through and hands
it to the core's action; an action that must do slow work outside the
transaction returns :class:`Continue`, one whose answer needs no more of the
database :class:`After`. They live here, below the gateway and the core
alike, so the core never imports the gateway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.engine import Connection

from backend_stub.gateway.bulkhead import Bulkhead
from backend_stub.gateway.rate_limits import RateLimiter
from backend_stub.payments.terminals import Terminal, TerminalCache
from backend_stub.routing.channels.pool import ChannelPool
from backend_stub.storage.db import Database
from backend_stub.storage.keys import PinKey, load_pin_key

from .clock import Clock, SystemClock
from .settings import Settings

__all__ = ["After", "Backend", "Call", "Continue", "Result"]


class Backend:
    """One running backend instance. Holds no state that other instances need to see.

    ``channels`` are this instance's adapters and bulkheads (their state, like
    everything shared, is in the database); ``requests`` is the bulkhead of
    terminal requests; ``terminals`` caches enrolled terminals (immutable rows);
    ``limits`` counts requests in the database.
    """

    def __init__(self, db: Database, settings: Settings, clock: Clock | None = None) -> None:
        self.db = db
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.channels = ChannelPool(db, self.clock, settings)
        self.terminals = TerminalCache(db)
        self.limits = RateLimiter(db, settings)
        self.requests = Bulkhead(
            "terminal requests",
            settings.db_concurrency,
            settings.db_queue,
            settings.busy_timeout_ms / 1000,
        )
        self._pin_key: PinKey | None = None
        self._pin_key_lock = threading.Lock()

    def now_ms(self) -> int:
        return self.clock.now_ms()

    @property
    def pin_key(self) -> PinKey:
        """The shared PIN key pair, read from the database once (it never changes)."""
        with self._pin_key_lock:
            if self._pin_key is None:
                with self.db.read() as conn:
                    self._pin_key = load_pin_key(conn)
            return self._pin_key


@dataclass(frozen=True)
class Call:
    """An authenticated request: who sent it, when we received it, in which language to answer."""

    terminal: Terminal
    nonce: str
    now_ms: int
    lang: str
    secret: str = ""  # the one the request is signed with (and its answer will be)

    @property
    def terminal_id(self) -> str:
        return self.terminal.id


Result = BaseModel | dict[str, Any] | None


@dataclass(frozen=True)
class Continue:
    """Returned by an action that must do slow work (a PIN hash check) outside any lock.

    The first transaction (with the nonce) commits; ``outside()`` runs with no
    transaction open; ``then(conn, value)`` runs in a second transaction and
    gives the answer. ``then`` re-checks whatever ``outside`` relied on.
    """

    outside: Callable[[], Any]
    then: Callable[[Connection, Any], Result]


@dataclass(frozen=True)
class After:
    """Returned by an action whose answer needs nothing more from the database.

    ``make()`` runs once the transaction has committed, so that building the
    answer does not hold SQLite's one writer (on SQLite a pay's transaction
    runs in a batch's writer, where every microsecond is every terminal's).
    It must not fail: by then the transaction is on disk.
    """

    make: Callable[[], Result]
