"""Every HTTP request counted and timed for ``/metrics``, and logged as one line when asked.

A pure ASGI middleware around the whole application. The route label is the
route's template (``/v1/pay``, ``/admin/v1/members/{member_no}``), or
``unmatched`` for paths the application does not have, so a scan of random
paths cannot make new series. The ScanPay ``code`` is read from the start of
the answer (every JSON answer of ours begins with it); ``-`` for answers
without one (``/metrics``, the wallet page). With ``access_log`` each request
is logged on ``scanpay.access`` as structured fields: method, route, status,
code, milliseconds, client address; never a header, a query string or a body.
"""

from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .metrics import REQUEST_SECONDS, REQUESTS

__all__ = ["Instrument", "observe"]

log = logging.getLogger("scanpay.access")
_CODE = re.compile(rb'^\{"code":\s*"([A-Z_]{2,40})"')


class Instrument:
    def __init__(self, app: ASGIApp, *, access_log: bool = False) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        code = "-"
        first_body = True

        async def watching_send(message: Message) -> None:
            nonlocal status, code, first_body
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and first_body:
                first_body = False
                found = _CODE.match(message.get("body", b"")[:80])
                if found:
                    code = found.group(1).decode("ascii")
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            route = scope.get("route")
            path = str(getattr(route, "path", "unmatched"))
            observe(scope, path, status, code, started, access_log=self.access_log)


def observe(
    scope: Scope, route: str, status: int, code: str, started: float, *, access_log: bool
) -> None:
    """One answered request: counted and timed under its route, and logged if asked."""
    elapsed = time.perf_counter() - started
    REQUESTS.labels(route, str(status), code).inc()
    REQUEST_SECONDS.labels(route, code).observe(elapsed)
    if access_log:
        client = scope.get("client") or ("-", 0)
        log.info(
            "%s %s %d %s %.1f ms",
            scope["method"],
            route,
            status,
            code,
            elapsed * 1000,
            extra={
                "method": scope["method"],
                "route": route,
                "status": status,
                "code": code,
                "ms": round(elapsed * 1000, 2),
                "client": client[0],
            },
        )
