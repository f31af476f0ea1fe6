"""The operator console, ``/console``: store IT's page over the operator API.

Built like the customer's wallet page (:mod:`backend_stub.gateway.pages`): plain
HTML, CSS and JavaScript in this package, nothing from elsewhere, a strict
Content-Security-Policy, no framing, ``no-store``. The operator token lives
only in the page's memory and travels as ``Authorization: Bearer``; every
operator answer is ``no-store`` too, so nothing it shows stays in a cache.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse, Response

from backend_stub.gateway.pages import NoStoreMiddleware, packaged_file

__all__ = ["install_console"]

_PACKAGE = "backend_stub.console"
_FILES = frozenset({"console.js", "console-text.js", "console.css"})


def console_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/console")
    def page() -> Response:
        return packaged_file(_PACKAGE, "index.html", frozenset({"index.html"}))

    @router.get("/console/")
    def page_slash() -> RedirectResponse:
        return RedirectResponse("/console", status_code=308)

    @router.get("/console/static/{name}")
    def asset(name: str) -> Response:
        return packaged_file(_PACKAGE, name, _FILES)

    return router


def install_console(app: FastAPI) -> None:
    """Add the page, and ``no-store`` on it and on every operator answer."""
    app.include_router(console_router())
    app.add_middleware(NoStoreMiddleware, prefixes=("/console", "/admin/"))
