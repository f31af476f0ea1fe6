"""The channel monitor: every instance finishes channel work, judges health and sends probes.

Each ``serve`` process runs one, in a thread, next to the sweeper:

- Trades and refunds whose channel work is due (``poll_at_ms`` passed) are
  taken a few at a time, leased (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
  so two instances never take the same row at once) and worked on outside
  any transaction: query a PROCESSING trade, reverse it at its deadline,
  retry an unconfirmed reverse or refund, watch a reversed order for a late
  charge (:func:`backend_stub.routing.external.settle`).
- Every ``health_check_s``: channels are taken out or put back by their
  window (:func:`backend_stub.routing.health.evaluate_health`), and each
  channel that is out is probed with a query of an order it already
  settled (or of a number it never saw: any answer proves it is up).
- Once an hour, call rows older than a day are forgotten.
"""

from __future__ import annotations

import logging
import threading
from functools import partial

from sqlalchemy import select, update

from backend_stub.context import Backend
from backend_stub.routing.channels.base import Channel, ChannelAnswer
from backend_stub.storage.schema import refunds, trades

from . import external
from . import health as channel_state
from .versions import active

__all__ = ["ChannelMonitor", "probe_once", "work_once"]

log = logging.getLogger("scanpay.channels")
_BATCH = 20
_PURGE_MS = 3_600_000
_SETTLED = ("PAID", "CLOSED", "REFUNDED", "FAILED")


def _take_due(backend: Backend, now: int) -> tuple[list[int], list[int]]:
    lease = now + external.lease_ms(backend.settings)
    with backend.db.write() as conn:
        trade_ids = list(
            conn.execute(
                select(trades.c.id)
                .where(trades.c.poll_at_ms <= now, trades.c.channel_todo.is_not(None))
                .order_by(trades.c.poll_at_ms)
                .limit(_BATCH)
                .with_for_update(skip_locked=True)
            )
            .scalars()
            .all()
        )
        if trade_ids:
            conn.execute(update(trades).where(trades.c.id.in_(trade_ids)).values(poll_at_ms=lease))
        refund_ids = list(
            conn.execute(
                select(refunds.c.id)
                .where(refunds.c.poll_at_ms <= now, refunds.c.state == "PENDING")
                .limit(_BATCH)
                .with_for_update(skip_locked=True)
            )
            .scalars()
            .all()
        )
        if refund_ids:
            conn.execute(
                update(refunds).where(refunds.c.id.in_(refund_ids)).values(poll_at_ms=lease)
            )
    return trade_ids, refund_ids


def work_once(backend: Backend) -> int:
    """Do the channel work that is due now; returns how many trades and refunds were worked on."""
    trade_ids, refund_ids = _take_due(backend, backend.now_ms())
    for trade_id in trade_ids:
        external.settle(backend, trade_id)
    for refund_id in refund_ids:
        external.refund_at_channel(backend, refund_id)
    return len(trade_ids) + len(refund_ids)


def probe_once(backend: Backend) -> list[str]:
    """Judge health, then probe every channel that is out; returns the switches made."""
    settings = backend.settings
    now = backend.now_ms()
    with backend.db.write() as conn:
        config = active(conn, settings.utc_offset_min).config
        channels = {c.id: c for c in config.channels}
        changed = channel_state.evaluate_health(conn, channels, now, settings)
        out = [channels[c] for c in channel_state.out_channels(conn) if c in channels]
        numbers = {
            spec.id: conn.execute(
                select(trades.c.channel_trade_no)
                .where(trades.c.channel == spec.id, trades.c.channel_state.in_(_SETTLED))
                .order_by(trades.c.id.desc())
                .limit(1)
            ).scalar()
            or "PROBE-0"
            for spec in out
        }
    results = [
        backend.channels.call(spec, "probe", partial(_query, number=numbers[spec.id]))
        for spec in out
    ]
    if results:
        with backend.db.write() as conn:
            channel_state.record_calls(conn, results, backend.now_ms(), settings)
    return changed


def _query(channel: Channel, number: str) -> ChannelAnswer:
    return channel.query(number)


class ChannelMonitor(threading.Thread):
    def __init__(self, backend: Backend) -> None:
        super().__init__(name="scanpay-channel-monitor", daemon=True)
        self.backend = backend
        self._stop_event = threading.Event()
        self._last_health = 0
        self._last_purge = 0

    def stop(self, timeout: float = 5.0) -> None:
        self._stop_event.set()
        self.join(timeout)

    def run(self) -> None:
        settings = self.backend.settings
        interval = max(0.05, min(settings.channel_poll_s, settings.health_check_s) / 2)
        while not self._stop_event.wait(interval):
            try:
                work_once(self.backend)
                now = self.backend.now_ms()
                if now - self._last_health >= settings.health_check_s * 1000:
                    self._last_health = now
                    for change in probe_once(self.backend):
                        log.warning("channel %s", change)
                if now - self._last_purge >= _PURGE_MS:
                    self._last_purge = now
                    with self.backend.db.write() as conn:
                        channel_state.purge_calls(conn, now)
            except Exception as exc:  # a busy database: try again next round
                log.warning("channel monitor round failed (%s); retrying", type(exc).__name__)
