"""Text no database can store is refused at the edge, naming the field, on every API alike.

PostgreSQL cannot store NUL in a text column, and a lone UTF-16 surrogate
(which JSON's ``\\ud800`` escapes can make) is no UTF-8 at all: neither
database takes them. Left to the database they end as a system error, and
SQLite would store the NUL that PostgreSQL refuses. So they never get that
far: :func:`unstorable` finds the first such string (keys too), the signed
gateway refuses it as ``BAD_REQUEST`` (signed, the nonce spent), and
:class:`StorableText` does the same for the other APIs' JSON bodies and
query strings.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from protocol.errors import ErrorCode

from .envelope import language_of, send_refusal

__all__ = ["StorableText", "refusal", "unstorable"]

_BAD = re.compile("[\x00\ud800-\udfff]")


def unstorable(value: Any, where: str = "body") -> str | None:
    """The path of the first string in ``value`` that no database can store, or None."""
    if isinstance(value, str):
        return where if _BAD.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where != "body" else str(key)
            if isinstance(key, str) and _BAD.search(key):
                return where
            found = unstorable(item, name)
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = unstorable(item, f"{where}.{i}")
            if found is not None:
                return found
    return None


def refusal(field: str) -> str:
    return f"{field}: contains a character that cannot be stored (NUL or a broken one)"


class StorableText:
    """ASGI middleware for the plain APIs (not ``/v1/``: the signed gateway checks its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("utf-8", "surrogateescape")
        found = unstorable(dict(parse_qsl(query, keep_blank_values=True)), "query")
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if found is None and body:
            try:
                found = unstorable(json.loads(body))
            except (ValueError, RecursionError):
                found = None  # not JSON: the route says so in its own words
        if found is not None:
            no_store = ((b"cache-control", b"no-store"),)
            lang = language_of(scope)
            await send_refusal(
                send, 400, ErrorCode.BAD_REQUEST, refusal(found), lang, None, no_store
            )
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
