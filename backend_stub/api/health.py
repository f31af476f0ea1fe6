"""``/healthz`` (liveness), ``/readyz`` (readiness) and ``/metrics`` (Prometheus).

- ``GET /healthz``: the process answers HTTP. No database, no thread: a load
  balancer or systemd's watchdog may call it as often as it likes, and it
  keeps answering while the database is down or the request pools are full.
- ``GET /readyz``: this instance can take traffic: the database answers within
  ``busy_timeout_ms`` and its schema is at exactly the revisions this code
  was built for (after a rolling upgrade, an old instance reports not ready).
  200 when ready, 503 with what is wrong otherwise.
- ``GET /metrics``: :mod:`backend_stub.observability.metrics` in Prometheus' text format.

All three answer in the API's envelope (``code``, ``message``, ``data``),
unsigned, except ``/metrics`` (Prometheus' format).
"""

from __future__ import annotations

import asyncio
from functools import cache

import anyio.to_thread
from alembic.script import ScriptDirectory
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from backend_stub.context import Backend
from backend_stub.gateway.plain import plain_answer
from backend_stub.observability.metrics import exposition
from backend_stub.storage.migrate import alembic_config
from protocol.errors import ErrorCode

__all__ = ["code_revisions", "database_revisions", "install_health"]


@cache
def code_revisions() -> frozenset[str]:
    """The migration heads this code expects the database to be at."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def database_revisions(backend: Backend) -> frozenset[str]:
    with backend.db.read() as conn:
        conn.execute(text("SELECT 1"))
        return frozenset(
            str(r) for r in conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
        )


def install_health(app: FastAPI, backend: Backend) -> None:
    @app.get("/healthz", tags=["health"], summary="Liveness: the process answers")
    async def healthz() -> JSONResponse:
        return plain_answer({"status": "alive"}, now_ms=backend.now_ms())

    @app.get(
        "/readyz", tags=["health"], summary="Readiness: the database answers, migrations current"
    )
    async def readyz() -> JSONResponse:
        now = backend.now_ms()
        wanted = code_revisions()
        try:
            async with asyncio.timeout(backend.settings.busy_timeout_ms / 1000):
                found = await anyio.to_thread.run_sync(
                    database_revisions, backend, abandon_on_cancel=True
                )
        except Exception as exc:
            return _not_ready(f"database unreachable ({type(exc).__name__})", now)
        if found != wanted:
            return _not_ready(
                f"migrations not current: database at {sorted(found)}, code wants {sorted(wanted)}",
                now,
            )
        data = {"status": "ready", "database": "ok", "migrations": sorted(found)}
        return plain_answer(data, now_ms=now)

    @app.get("/metrics", tags=["health"], summary="Prometheus metrics")
    async def metrics() -> Response:
        body = await anyio.to_thread.run_sync(exposition)
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


def _not_ready(reason: str, now_ms: int) -> JSONResponse:
    answer = plain_answer(
        {"status": "not ready", "reason": reason},
        code=ErrorCode.SERVICE_BUSY.value,
        message=f"Not ready: {reason}.",
        now_ms=now_ms,
    )
    answer.status_code = 503
    return answer
