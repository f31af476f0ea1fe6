"""Prometheus metrics (prometheus-client), served at ``GET /metrics``.

Counters and histograms are updated where things happen; the pools' state is
read when Prometheus scrapes (:class:`PoolCollector`). Each ``serve`` process
is one instance with its own figures (Prometheus adds instances up); the
server runs one process per instance, so no multi-process mode is needed.

======================================  =============================================
``scanpay_requests_total``              requests by ``route``, HTTP ``status`` and our ``code``
``scanpay_request_seconds``             latency histogram by ``route`` and ``code``
``scanpay_trade_outcomes_total``        trade states written, by ``state`` and ``reason``
``scanpay_sweeper_actions_total``       sweeper and housekeeping work, by ``action``
``scanpay_rate_limited_total``          requests refused by a rate limit, by ``scope``
``scanpay_pool_in_use``                 slots in use now, by ``pool``
``scanpay_pool_size``                   slots, by ``pool``
``scanpay_pool_waiting``                requests waiting for a slot, by ``pool``
``scanpay_pool_rejected_total``         requests refused because a pool was full, by ``pool``
``scanpay_heartbeats_total``            terminal heartbeats received, by terminal ``kind``
``scanpay_terminals``                   enrolled terminals by ``kind`` and ``status``
                                        (online, offline, disabled)
``scanpay_devices_in_error``            devices reported not working, by terminal ``kind``
======================================  =============================================

Pools: ``terminal_requests`` (the bulkhead of terminal requests),
``database`` (connections checked out of the SQLAlchemy pool) and
``channel:<id>`` (calls in flight to each external channel).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from backend_stub.context import Backend

__all__ = [
    "HEARTBEATS",
    "RATE_LIMITED",
    "REGISTRY",
    "REQUESTS",
    "REQUEST_SECONDS",
    "SWEEPER_ACTIONS",
    "TRADE_OUTCOMES",
    "FleetCollector",
    "PoolCollector",
    "exposition",
]

REGISTRY = CollectorRegistry()

REQUESTS = Counter(
    "scanpay_requests",
    "Requests answered, by route, HTTP status and ScanPay code",
    ["route", "status", "code"],
    registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "scanpay_request_seconds",
    "Time from the request to its answer, by route and ScanPay code",
    ["route", "code"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
TRADE_OUTCOMES = Counter(
    "scanpay_trade_outcomes",
    "Trade states written (by pay, confirm, cancel, the sweeper...), by state and reason",
    ["state", "reason"],
    registry=REGISTRY,
)
SWEEPER_ACTIONS = Counter(
    "scanpay_sweeper_actions",
    "Rows the sweeper and its housekeeping acted on, by action",
    ["action"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "scanpay_rate_limited",
    "Requests refused by a rate limit, by scope (terminal, merchant)",
    ["scope"],
    registry=REGISTRY,
)

HEARTBEATS = Counter(
    "scanpay_heartbeats",
    "Terminal heartbeats received, by terminal kind",
    ["kind"],
    registry=REGISTRY,
)

# (kind, status) -> terminals, and kind -> devices in error: what FleetCollector reports.
FleetFigures = tuple[Mapping[tuple[str, str], int], Mapping[str, int]]


class FleetCollector(Collector):
    """Terminals by kind and status, and devices in error, read from the database at scrape."""

    def __init__(self, read: Callable[[], FleetFigures]) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        terminals = GaugeMetricFamily(
            "scanpay_terminals", "Enrolled terminals", labels=["kind", "status"]
        )
        devices = GaugeMetricFamily(
            "scanpay_devices_in_error", "Devices reported not working", labels=["kind"]
        )
        try:
            by_status, in_error = self.read()
        except Exception:  # a busy database: leave these out of this scrape
            return
        for (kind, status), count in sorted(by_status.items()):
            terminals.add_metric([kind, status], count)
        for kind, count in sorted(in_error.items()):
            devices.add_metric([kind], count)
        yield from (terminals, devices)


class PoolCollector(Collector):
    """The pools of one backend, read at scrape time."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def collect(self) -> Iterator[Metric]:
        in_use = GaugeMetricFamily("scanpay_pool_in_use", "Slots in use now", labels=["pool"])
        size = GaugeMetricFamily("scanpay_pool_size", "Slots in the pool", labels=["pool"])
        waiting = GaugeMetricFamily(
            "scanpay_pool_waiting", "Requests waiting for a slot", labels=["pool"]
        )
        rejected = CounterMetricFamily(
            "scanpay_pool_rejected", "Requests refused because the pool was full", labels=["pool"]
        )
        gate = self.backend.requests
        in_use.add_metric(["terminal_requests"], gate.in_use)
        size.add_metric(["terminal_requests"], gate.size)
        waiting.add_metric(["terminal_requests"], gate.waiting)
        rejected.add_metric(["terminal_requests"], gate.rejected)
        pool = self.backend.db.engine.pool
        checked_out = getattr(pool, "checkedout", None)
        pool_size = getattr(pool, "size", None)
        if callable(checked_out) and callable(pool_size):
            in_use.add_metric(["database"], checked_out())
            size.add_metric(["database"], pool_size())
        channels = self.backend.channels
        refused = channels.refused()
        for channel, busy in channels.in_flight().items():
            in_use.add_metric([f"channel:{channel}"], busy)
            size.add_metric([f"channel:{channel}"], self.backend.settings.channel_concurrency)
            rejected.add_metric([f"channel:{channel}"], refused.get(channel, 0))
        yield from (in_use, size, waiting, rejected)
        group = self.backend.db.group
        if group is not None:
            yield CounterMetricFamily(
                "scanpay_commit_batches", "SQLite commits made for shared batches", group.batches
            )
            yield CounterMetricFamily(
                "scanpay_commit_batched_transactions",
                "Request transactions committed in those batches (per batch: divide)",
                group.units,
            )


def exposition() -> bytes:
    """The text format Prometheus scrapes."""
    return generate_latest(REGISTRY)
