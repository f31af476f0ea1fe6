"""The ASGI application: routes, error handlers, limits, health, the sweeper's life, OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema
from starlette.types import Receive, Scope, Send

from backend_stub.api.admin import admin_router
from backend_stub.api.cod import cod_router
from backend_stub.api.fleet import fleet_router
from backend_stub.api.health import install_health
from backend_stub.api.lane import TerminalLane
from backend_stub.api.member import member_router
from backend_stub.api.routing import routing_router
from backend_stub.api.terminal import REQUEST_MODELS, terminal_router
from backend_stub.console.page import install_console
from backend_stub.gateway.body_limit import BodyLimit
from backend_stub.gateway.pages import NoStoreMiddleware
from backend_stub.gateway.plain import install_error_handlers
from backend_stub.gateway.text import StorableText
from backend_stub.jobs.leader import BackgroundJobs
from backend_stub.observability.instrument import Instrument
from backend_stub.observability.metrics import (
    REGISTRY,
    FleetCollector,
    FleetFigures,
    PoolCollector,
)
from backend_stub.payments import fleet
from backend_stub.wallet.page import install_wallet_page

from .context import Backend

__all__ = ["ScanPayApp", "create_app"]


class ScanPayApp(FastAPI):
    """FastAPI, with the signed terminal routes answered first by the lane (:mod:`.api.lane`)."""

    lane: TerminalLane | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.lane is None or not await self.lane.answer(scope, receive, send):
            await super().__call__(scope, receive, send)


def fleet_figures(backend: Backend) -> FleetFigures:
    with backend.db.read() as conn:
        return fleet.figures(conn, backend.now_ms(), backend.settings)


def create_app(
    backend: Backend,
    *,
    sweeper: bool = True,
    access_log: bool = False,
    jobs_lock: Path | None = None,
    lane: bool = True,
) -> ScanPayApp:
    """``jobs_lock``: a worker of ``serve --workers N`` runs the background jobs only while it
    holds this lock (:mod:`backend_stub.jobs.leader`); ``lane``: the terminal routes are
    answered ahead of FastAPI (:mod:`backend_stub.api.lane`)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        jobs = BackgroundJobs(backend, sweeper=sweeper, lock=jobs_lock)
        pools = PoolCollector(backend)
        REGISTRY.register(pools)
        terminals = FleetCollector(lambda: fleet_figures(backend))
        REGISTRY.register(terminals)
        jobs.start()
        try:
            yield
        finally:
            jobs.stop()
            REGISTRY.unregister(pools)
            REGISTRY.unregister(terminals)
            backend.channels.close()
            backend.limits.close()
            backend.requests.close()

    app = ScanPayApp(
        title="ScanPay backend",
        version="1",
        summary="Scan-to-pay with loyalty points and stored value",
        lifespan=lifespan,
    )
    app.state.backend = backend
    install_error_handlers(app)
    terminal = terminal_router(backend)
    app.include_router(terminal)
    app.include_router(member_router(backend))
    app.include_router(admin_router(backend))
    app.include_router(fleet_router(backend))
    app.include_router(routing_router(backend))
    cod = cod_router(backend)
    app.include_router(cod)
    install_wallet_page(app, backend)
    install_console(app)

    install_health(app, backend)
    # enrolment and rotation answers carry a terminal's secret: no terminal answer is cached
    app.add_middleware(NoStoreMiddleware, prefixes=("/v1/",))
    app.add_middleware(StorableText)  # inside the body limit: it reads whole bodies
    app.add_middleware(BodyLimit, max_bytes=backend.settings.max_body_bytes)
    app.add_middleware(Instrument, access_log=access_log)  # outermost: counts 413s too
    if lane:
        handles = {**terminal.handles, **cod.handles}
        app.lane = TerminalLane(backend, handles, access_log=access_log)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            _, defs = models_json_schema(
                [(model, "validation") for model in REQUEST_MODELS.values()],
                ref_template="#/components/schemas/{model}",
            )
            schema.setdefault("components", {}).setdefault("schemas", {}).update(
                defs.get("$defs", {})
            )
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
