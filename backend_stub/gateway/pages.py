"""What the pages the backend serves share: their security headers, ``no-store``, their files.

A page (the customer's wallet, the operator console) is plain HTML, CSS and
JavaScript shipped in its package: no build step, nothing from elsewhere.
The Content-Security-Policy allows only this server's own script, style and
data-URI images, and no framing; every answer under the page's paths is
``no-store``, so no secret it shows stays in a cache.
"""

from __future__ import annotations

from importlib import resources

from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["PAGE_HEADERS", "NoStoreMiddleware", "packaged_file"]

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


def packaged_file(package: str, name: str, allowed: frozenset[str]) -> Response:
    """One of ``allowed`` files of ``package``, with the page headers; 404 for anything else."""
    if name not in allowed:
        return Response(b"not found", status_code=404, media_type="text/plain")
    body = (resources.files(package) / name).read_bytes()
    media = _TYPES.get(name[name.rfind(".") :], "application/octet-stream")
    return Response(body, media_type=media, headers=PAGE_HEADERS)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer under the given path prefixes."""

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(self.prefixes):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message["headers"] if k.lower() != b"cache-control"]
                headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_no_store)
