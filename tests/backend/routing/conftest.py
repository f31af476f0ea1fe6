"""Fixtures for the routing tests: a backend of their own, with short windows and timeouts.

Routing configuration is global to a backend, so these tests get their own
servers (``routing_sqlite``, ``routing_postgresql``, and ``routing_backend``
over both), started like the shared ones (see ``tests/conftest.py``) but
with times short enough to watch health windows, breakers, deadlines and
late charges happen in a second or two. Every test publishes the
configuration it needs and names its channels and rules afresh
(:func:`fresh`), so health, breakers and daily usage never leak between tests.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import LiveBackend, _start
from tests.harness import PostgresServer

ROUTING_SETTINGS: dict[str, Any] = {
    "channel_timeout_s": 0.6,
    "channel_poll_s": 0.25,
    "channel_deadline_s": 3,
    "late_watch_s": 8,
    "health_window_s": 2,
    "health_min_samples": 4,
    "health_probe_samples": 3,
    "health_check_s": 0.25,
    "breaker_failures": 3,
    "breaker_open_s": 1.5,
    "sim_hang_s": 4,
    "sweep_interval_s": 0.2,
}


def fresh(prefix: str) -> str:
    """A channel id or rule number no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def wechat_code() -> str:
    return "13" + "".join(random.choice("0123456789") for _ in range(16))


def alipay_code() -> str:
    return "28" + "".join(random.choice("0123456789") for _ in range(16))


def unionpay_code() -> str:
    return "62" + "".join(random.choice("0123456789") for _ in range(17))


def wait_for(check: Callable[[], Any], timeout: float = 8.0, every: float = 0.1) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {got!r}")
        time.sleep(every)


class Routing:
    """The operator's routing and simulator endpoints, for one live backend."""

    def __init__(self, live: LiveBackend) -> None:
        self.live = live
        self.http = live.operator.http

    def _ok(self, response: Any) -> Any:
        body = response.json()
        assert body["code"] == "OK", body
        return body["data"]

    def publish(self, config: dict[str, Any], note: str = "") -> int:
        self._ok(self.http.put("/routing/draft", json=config))
        version = int(self._ok(self.http.post("/routing/snapshot", json={"note": note}))["version"])
        self._ok(self.http.post("/routing/publish", json={"version": version}))
        return version

    def script(self, behaviour: str, **where: Any) -> None:
        self._ok(self.http.post("/sim/scripts", json={"behaviour": behaviour, **where}))

    def outage(self, channel: str, down: bool) -> None:
        self._ok(self.http.put(f"/sim/outages/{channel}", json={"down": down}))

    def channels(self) -> dict[str, dict[str, Any]]:
        return {c["channel"]: c for c in self._ok(self.http.get("/channels"))}

    def events(self, channel: str) -> list[dict[str, Any]]:
        found = self._ok(self.http.get("/channels/events", params={"limit": 500}))
        return [e for e in found if e["channel"] == channel]

    def sim_orders(self, channel: str) -> list[dict[str, Any]]:
        return list(self._ok(self.http.get("/sim/orders", params={"channel": channel})))


def channel(cid: str, issuer: str = "wechat", rate_ppm: int = 3800, **extra: Any) -> dict:
    return {"id": cid, "issuers": [issuer], "fee": {"rate_ppm": rate_ppm, "min_fen": 1}, **extra}


def rule(no: str, cid: str, issuer: str = "wechat", **extra: Any) -> dict:
    return {"no": no, "channel": cid, "issuer": issuer, **extra}


@pytest.fixture(scope="session")
def routing_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBackend]:
    live = _start(tmp_path_factory.mktemp("routing-sqlite"), None, "sqlite", ROUTING_SETTINGS)
    try:
        yield live
    finally:
        live.close()


@pytest.fixture(scope="session")
def routing_postgresql(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveBackend]:
    url = postgres.create_database("scanpay_routing")
    live = _start(tmp_path_factory.mktemp("routing-pg"), url, "postgresql", ROUTING_SETTINGS)
    try:
        yield live
    finally:
        live.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def routing_backend(request: pytest.FixtureRequest) -> LiveBackend:
    live: LiveBackend = request.getfixturevalue(f"routing_{request.param}")
    return live


@pytest.fixture
def routing(routing_sqlite: LiveBackend) -> Routing:
    return Routing(routing_sqlite)


@pytest.fixture
def routing_both(routing_backend: LiveBackend) -> Routing:
    return Routing(routing_backend)
