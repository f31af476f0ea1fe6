"""The sweeper: closes trades left waiting for a PIN past their deadline, in every instance.

Each ``serve`` process runs one in a thread, every ``sweep_interval_s``. It
first looks with a cheap read; only when something is due does it open a
write transaction, where the rows are taken with ``FOR UPDATE SKIP LOCKED``
on PostgreSQL (another instance's sweeper, or a ``confirm`` holding a row,
is skipped, never waited for) and under SQLite's write lock otherwise; the
UPDATE is conditional on the state still being PIN_REQUIRED, so a trade a
late ``confirm`` settled first stays settled. Once a minute it also forgets
nonces that are out of the replay window, expired wallet sessions and
rate-limit windows that have ended. What it does is counted in
``scanpay_sweeper_actions_total``.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import exists, select

from backend_stub.clock import s_to_ms
from backend_stub.context import Backend
from backend_stub.gateway.rate_limits import purge_rate_counters
from backend_stub.gateway.signed import purge_nonces
from backend_stub.observability.metrics import SWEEPER_ACTIONS
from backend_stub.payments.fleet import purge_heartbeats
from backend_stub.payments.sessions import purge_sessions
from backend_stub.payments.trades import close_expired
from backend_stub.storage.schema import trades
from protocol.models import TradeState

__all__ = ["Sweeper", "sweep_once"]

log = logging.getLogger("scanpay.sweeper")
_HOUSEKEEPING_MS = 60_000


def sweep_once(backend: Backend) -> int:
    """Close what is due now; return how many trades were closed."""
    now = backend.now_ms()
    with backend.db.read() as conn:
        due = conn.execute(
            select(
                exists().where(
                    trades.c.state == TradeState.PIN_REQUIRED.value,
                    trades.c.pin_deadline_ms < now,
                )
            )
        ).scalar()
    if not due:
        return 0
    with backend.db.write() as conn:
        closed = close_expired(conn, now)
    SWEEPER_ACTIONS.labels("closed_past_pin_deadline").inc(closed)
    return closed


class Sweeper(threading.Thread):
    def __init__(self, backend: Backend) -> None:
        super().__init__(name="scanpay-sweeper", daemon=True)
        self.backend = backend
        self._stop_event = threading.Event()
        self._last_housekeeping = 0

    def stop(self, timeout: float = 5.0) -> None:
        self._stop_event.set()
        self.join(timeout)

    def run(self) -> None:
        interval = max(0.05, self.backend.settings.sweep_interval_s)
        while not self._stop_event.wait(interval):
            try:
                closed = sweep_once(self.backend)
                if closed:
                    log.info("closed %d trade(s) past their PIN deadline", closed)
                self._housekeeping()
            except Exception as exc:  # a busy database: try again next round
                log.warning("sweep failed (%s); retrying", type(exc).__name__)

    def _housekeeping(self) -> None:
        now = self.backend.now_ms()
        if now - self._last_housekeeping < _HOUSEKEEPING_MS:
            return
        keep_ms = s_to_ms(self.backend.settings.heartbeat_keep_s)
        with self.backend.db.write() as conn:
            done = {
                "purged_nonces": purge_nonces(conn, now),
                "purged_sessions": purge_sessions(conn, now),
                "purged_rate_counters": purge_rate_counters(conn, now),
                "purged_heartbeats": purge_heartbeats(conn, now, keep_ms),
            }
        for action, count in done.items():
            SWEEPER_ACTIONS.labels(action).inc(count)
        self._last_housekeeping = now
