"""The signed terminal routes, answered straight from ASGI ahead of FastAPI's routing.

Why it exists, on the evidence (2026-12-04, py-spy on a server paying at 32
terminals): the framework around a terminal request cost more of the
server's one core than the request's own work: ten middleware layers, each
wrapping ``send``, route matching over every router, a ``Request`` and a
``JSONResponse`` (about 40% of the time the GIL was held). A pay gives
nothing to any of them, so :class:`TerminalLane` takes ``POST /v1/<name>``
of a signed route and does what they would have done, once: the body limit
(413), the bulkhead (``SERVICE_BUSY`` with ``Retry-After``), the answer as
JSON with ``Cache-Control: no-store``, the request counted and timed for
``/metrics`` and written to the access log. Anything else goes on to
FastAPI, whose routes for the same paths stay for the OpenAPI schema and
answer the same way through :func:`respond`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from fastapi import APIRouter
from starlette.types import Receive, Scope, Send

from backend_stub.context import Backend
from backend_stub.gateway.body_limit import BodyTooLarge, read_body, refuse_too_large
from backend_stub.gateway.bulkhead import BulkheadFull
from backend_stub.gateway.envelope import language_of
from backend_stub.gateway.signed import Answer, busy_answer
from backend_stub.observability.instrument import observe
from protocol.errors import ErrorCode

__all__ = ["Handle", "TerminalLane", "TerminalRouter", "respond"]

Handle = Callable[[bytes, str], Answer]


class TerminalRouter(APIRouter):
    """An ``APIRouter`` that also keeps each terminal route's handler by path, for the lane."""

    def __init__(self) -> None:
        super().__init__()
        self.handles: dict[str, Handle] = {}


async def respond(
    backend: Backend, handle: Handle, raw: bytes, lang: str
) -> tuple[int, str, bytes, dict[str, str]]:
    """``handle`` in the terminal requests' bulkhead: status, code, JSON body, extra headers."""
    try:
        status, body = await backend.requests.run(handle, raw, lang)
    except BulkheadFull as full:  # answered at once, signed if this instance knows the terminal
        status, body = busy_answer(backend, raw, lang, full)
    code = str(body.get("code", "-"))
    headers = {"cache-control": "no-store"}  # enrolment and rotation answers carry a secret
    if code == ErrorCode.SERVICE_BUSY:
        headers["retry-after"] = str((body.get("data") or {}).get("retry_after_s", 1))
    payload = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return status, code, payload.encode("utf-8"), headers


class TerminalLane:
    """Answers the terminal routes in ``handles``; :meth:`answer` says whether it took the call."""

    def __init__(self, backend: Backend, handles: dict[str, Handle], *, access_log: bool) -> None:
        self.backend = backend
        self.handles = handles
        self.access_log = access_log

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST":
            return False
        route = scope["path"]
        handle = self.handles.get(route)
        if handle is None:
            return False
        started = time.perf_counter()
        lang = language_of(scope)
        limit = self.backend.settings.max_body_bytes
        try:
            raw = await read_body(scope, receive, limit)
        except BodyTooLarge:
            await refuse_too_large(send, lang, limit)
            observe(scope, route, 413, ErrorCode.REQUEST_TOO_LARGE.value, started,
                    access_log=self.access_log)  # fmt: skip
            return True
        if raw is None:  # the client went away before its body came: nothing was done
            return True
        status, code, payload, extra = await respond(self.backend, handle, raw, lang)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode("ascii")),
            *((name.encode("ascii"), value.encode("ascii")) for name, value in extra.items()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
        observe(scope, route, status, code, started, access_log=self.access_log)
        return True
