"""What every request handler needs: the database, settings, clock, PIN key, channels, limits."""

from __future__ import annotations

import threading

from .bulkhead import Bulkhead
from .channels.pool import ChannelPool
from .clock import Clock, SystemClock
from .db import Database
from .keys import PinKey, load_pin_key
from .rate_limits import RateLimiter
from .settings import Settings
from .terminals import TerminalCache

__all__ = ["Backend"]


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
