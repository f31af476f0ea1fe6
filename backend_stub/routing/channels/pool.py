"""How the backend calls a channel: an adapter per physical channel, bulkheads, time limits.

Seed 001's resource isolation: each physical channel has its own small
thread pool and at most ``channel_concurrency`` calls in flight per instance.
A call that finds them all busy is not sent at all (``BULKHEAD_FULL``, safe
to route elsewhere), so a channel that hangs ties up its own threads, never
the server's. Nobody waits longer than ``channel_timeout_s`` for an answer:
after that the answer is ``ERROR``/``TIMEOUT`` (the outcome is unknown: the
trade is queried), while the call itself runs on in its thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from backend_stub.clock import Clock
from backend_stub.routing.config import PhysicalChannel
from backend_stub.settings import Settings
from backend_stub.storage.db import Database

from .base import Channel, ChannelAnswer, ChannelStatus
from .simulated import SimulatedChannel

__all__ = ["CallResult", "ChannelPool"]

log = logging.getLogger("scanpay.channels")


@dataclass(frozen=True)
class CallResult:
    channel: str
    kind: str  # pay | query | reverse | refund | probe
    answer: ChannelAnswer
    elapsed_ms: int


class _Lane:
    """One physical channel's adapter, threads and slots."""

    def __init__(self, adapter: Channel, size: int) -> None:
        self.adapter = adapter
        self.slots = threading.BoundedSemaphore(size)
        self.busy = 0
        self.rejected = 0  # calls refused because every slot was taken
        self.busy_lock = threading.Lock()
        self.executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"ch-{adapter.id}")


class ChannelPool:
    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._lock = threading.Lock()
        self._lanes: dict[str, tuple[PhysicalChannel, _Lane]] = {}
        self.stop = threading.Event()  # wakes simulated channels that hang

    def _make(self, spec: PhysicalChannel) -> Channel:
        if spec.adapter == "sim":
            return SimulatedChannel(
                spec.id,
                spec.fee,
                self._db,
                self._clock,
                hang_s=self._settings.sim_hang_s,
                stop=self.stop,
            )
        raise ValueError(f"no adapter {spec.adapter!r}")  # pragma: no cover - config refuses it

    def _lane(self, spec: PhysicalChannel) -> _Lane:
        with self._lock:
            found = self._lanes.get(spec.id)
            if found is not None and found[0] == spec:
                return found[1]
            lane = _Lane(self._make(spec), self._settings.channel_concurrency)
            if found is not None:  # the configuration changed: new adapter, old calls finish
                found[1].executor.shutdown(wait=False)
            self._lanes[spec.id] = (spec, lane)
            return lane

    def adapter(self, spec: PhysicalChannel) -> Channel:
        return self._lane(spec).adapter

    def call(
        self, spec: PhysicalChannel, kind: str, action: Callable[[Channel], ChannelAnswer]
    ) -> CallResult:
        """Run ``action`` on the channel's adapter within the bulkhead and the time limit."""
        lane = self._lane(spec)
        started = time.monotonic()

        def result(answer: ChannelAnswer) -> CallResult:
            elapsed = int((time.monotonic() - started) * 1000)
            return CallResult(spec.id, kind, answer, elapsed)

        if self.stop.is_set() or not lane.slots.acquire(blocking=False):
            with lane.busy_lock:
                lane.rejected += 1
            return result(ChannelAnswer(ChannelStatus.DECLINED, "BULKHEAD_FULL", sent=False))

        def run() -> ChannelAnswer:
            with lane.busy_lock:
                lane.busy += 1
            try:
                return action(lane.adapter)
            finally:
                with lane.busy_lock:
                    lane.busy -= 1
                lane.slots.release()

        try:
            future = lane.executor.submit(run)
        except RuntimeError:  # shutting down
            lane.slots.release()
            return result(ChannelAnswer(ChannelStatus.DECLINED, "BULKHEAD_FULL", sent=False))
        try:
            return result(future.result(timeout=self._settings.channel_timeout_s))
        except FutureTimeout:
            log.warning("channel %s: no answer to %s in time", spec.id, kind)
            return result(ChannelAnswer(ChannelStatus.ERROR, "TIMEOUT"))
        except Exception as exc:
            log.error("channel %s: %s failed: %s", spec.id, kind, type(exc).__name__, exc_info=exc)
            return result(ChannelAnswer(ChannelStatus.ERROR, "ADAPTER_ERROR"))

    def in_flight(self) -> dict[str, int]:
        """Calls running now, per channel, in this instance."""
        return {cid: lane.busy for cid, lane in self._lanes_now()}

    def refused(self) -> dict[str, int]:
        """Calls refused so far because the channel's slots were all taken, per channel."""
        return {cid: lane.rejected for cid, lane in self._lanes_now()}

    def _lanes_now(self) -> list[tuple[str, _Lane]]:
        with self._lock:
            return [(cid, lane) for cid, (_, lane) in self._lanes.items()]

    def close(self) -> None:
        self.stop.set()
        with self._lock:
            for _, lane in self._lanes.values():
                lane.executor.shutdown(wait=False, cancel_futures=True)
