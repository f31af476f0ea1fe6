"""Shared fixtures: a real backend on loopback, on SQLite and on PostgreSQL (see tests/harness.py).

- ``backend``: parametrised over ``sqlite`` and ``postgresql``, so a test that
  asks for it runs once against each. ``backend_sqlite`` / ``backend_postgresql``
  pick one (tests of other parts that need *a* backend should use
  ``backend_sqlite``: the backend's own suite covers PostgreSQL).
- ``fast_backend``: a second ``serve`` on the same database with short times
  (codes valid 1.5 s, PIN deadline 2 s, sweeper every 0.2 s), for tests about
  time; it also makes every such test a two-instance test.
- Each :class:`LiveBackend` gives a fresh enrolled terminal (``.terminal()``),
  a fresh member with balances and a PIN, signed in (``.member(...)``), and
  the operator API (``.operator``).

``SCANPAY_SKIP_PG=1`` skips the PostgreSQL half only. The servers are shared
by the whole session; tests never rely on data they did not make.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text

from tests.harness import (
    BackendServer,
    Member,
    Operator,
    PostgresServer,
    SignedClient,
    seed_and_token,
)

# Property tests check behaviour, not speed (bench/ shows speed): no deadline per example,
# and no health check of slow data generation. Both fail a test on a busy 2-core machine
# (servers run beside the suite) for reasons of the machine's, not of the code's.
settings.register_profile("scanpay", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("scanpay")

FAST_SETTINGS = {"code_ttl_s": 1.5, "pin_deadline_s": 2, "sweep_interval_s": 0.2}
# Tests fire requests far faster than a till: the rate limits are raised out of their way
# (tests/backend/test_limits.py starts instances with low ones).
TEST_SETTINGS = {"rate_terminal": 100_000, "rate_merchant": 1_000_000, "sms_per_source": 100_000}


@dataclass
class LiveBackend:
    kind: str  # "sqlite" | "postgresql"
    server: BackendServer
    operator: Operator
    seeded: dict[str, Any]
    _clients: list[Any] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def terminal(self, kind: str = "pos") -> SignedClient:
        client = SignedClient.enrol(self.url, self.operator.activation_code(kind), kind)
        self._clients.append(client)
        return client

    def member(self, *, points: int = 0, card_fen: int = 0, pin: str | None = "123456") -> Member:
        made = self.operator.create_member(points=points, card_fen=card_fen)
        member = Member(self.url, self.operator, made["member_no"]).login()
        if pin is not None:
            member.set_pin(pin)
        self._clients.append(member)
        return member

    def sibling(self, data_dir: Path, **settings: Any) -> LiveBackend:
        """Another ``serve`` on the same database (different settings allowed)."""
        server = BackendServer(
            data_dir, self.server.database_url, {**TEST_SETTINGS, **settings}
        ).start()
        return LiveBackend(self.kind, server, Operator(server.url, self.token), self.seeded)

    @property
    def database_url(self) -> str:
        """The database as an SQLAlchemy URL, for tests that reach into it."""
        if self.server.database_url:
            return self.server.database_url
        return f"sqlite:///{self.server.data_dir / 'scanpay.db'}"

    def sql(self, *statements: str) -> list[Any]:
        """Run statements in one transaction on the live database; the last one's rows."""
        engine = create_engine(self.database_url)
        try:
            with engine.begin() as conn:
                rows: list[Any] = []
                for statement in statements:
                    result = conn.execute(text(statement))
                    rows = list(result.all()) if result.returns_rows else []
                return rows
        finally:
            engine.dispose()

    @property
    def token(self) -> str:
        auth = self.operator.http.headers["authorization"]
        return str(auth).removeprefix("Bearer ")

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self.operator.close()
        self.server.stop()


def _start(
    data_dir: Path, database_url: str | None, kind: str, settings: dict[str, Any] | None = None
) -> LiveBackend:
    """Seed a database, start ``serve`` on it (with ``settings`` as flags), and wrap it."""
    server = BackendServer(data_dir, database_url, {**TEST_SETTINGS, **(settings or {})})
    seeded, token = seed_and_token(server)
    server.start()
    return LiveBackend(kind, server, Operator(server.url, token), seeded)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    if os.environ.get("SCANPAY_SKIP_PG") == "1":
        pytest.skip("SCANPAY_SKIP_PG=1: the PostgreSQL half is skipped")
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def backend_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBackend]:
    live = _start(tmp_path_factory.mktemp("sqlite-data"), None, "sqlite")
    try:
        yield live
    finally:
        live.close()


@pytest.fixture(scope="session")
def backend_postgresql(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveBackend]:
    url = postgres.create_database("scanpay_test")
    live = _start(tmp_path_factory.mktemp("pg-data"), url, "postgresql")
    try:
        yield live
    finally:
        live.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> LiveBackend:
    live: LiveBackend = request.getfixturevalue(f"backend_{request.param}")
    return live


@pytest.fixture(scope="session")
def fast_backend(
    backend: LiveBackend, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveBackend]:
    data_dir = backend.server.data_dir if backend.kind == "sqlite" else tmp_path_factory.mktemp("f")
    live = backend.sibling(data_dir, **FAST_SETTINGS)
    try:
        yield live
    finally:
        live.close()
