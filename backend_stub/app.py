"""The ASGI application: routes, error handlers, limits, health, the sweeper's life, OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from .api_admin import admin_router
from .api_cod import cod_router
from .api_member import member_router
from .api_plain import install_error_handlers
from .api_routing import routing_router
from .api_terminal import REQUEST_MODELS, terminal_router
from .body_limit import BodyLimit
from .channel_monitor import ChannelMonitor
from .context import Backend
from .health import install_health
from .instrument import Instrument
from .metrics import REGISTRY, PoolCollector
from .sweeper import Sweeper
from .wallet_page import install_wallet_page

__all__ = ["create_app"]


def create_app(backend: Backend, *, sweeper: bool = True, access_log: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker = Sweeper(backend) if sweeper else None
        monitor = ChannelMonitor(backend) if sweeper else None
        pools = PoolCollector(backend)
        REGISTRY.register(pools)
        backend.db.start_checkpointer()
        for thread in (worker, monitor):
            if thread is not None:
                thread.start()
        try:
            yield
        finally:
            for thread in (worker, monitor):
                if thread is not None:
                    thread.stop()
            REGISTRY.unregister(pools)
            backend.channels.close()
            backend.limits.close()

    app = FastAPI(
        title="ScanPay backend",
        version="1",
        summary="Scan-to-pay with loyalty points and stored value",
        lifespan=lifespan,
    )
    app.state.backend = backend
    install_error_handlers(app)
    app.include_router(terminal_router(backend))
    app.include_router(member_router(backend))
    app.include_router(admin_router(backend))
    app.include_router(routing_router(backend))
    app.include_router(cod_router(backend))
    install_wallet_page(app, backend)

    install_health(app, backend)
    app.add_middleware(BodyLimit, max_bytes=backend.settings.max_body_bytes)
    app.add_middleware(Instrument, access_log=access_log)  # outermost: counts 413s too

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
