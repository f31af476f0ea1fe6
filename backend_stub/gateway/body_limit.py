"""Request size limit: a body over ``max_body_bytes`` is answered 413 ``REQUEST_TOO_LARGE``.

A pure ASGI middleware in front of every route. A ``Content-Length`` over the
limit is refused at once, without reading a byte of the body; a body sent in
chunks is counted as it arrives and refused as soon as it passes the limit.
Either way the handler never runs, nothing is done, and the answer is our
envelope (unsigned: the terminal is not known yet) in the caller's language.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend_stub.clock import ms_to_s
from protocol.errors import ErrorCode, message_for

__all__ = ["BodyLimit"]


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1").strip()
        lang = "zh" if headers.get(b"accept-language", b"").lower().startswith(b"zh") else "en"
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, lang)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, lang)

    async def _refuse(self, send: Send, lang: str) -> None:
        code = ErrorCode.REQUEST_TOO_LARGE
        body: dict[str, Any] = {
            "code": code.value,
            "message": f"{message_for(code, lang)} (at most {self.max_bytes} bytes)",
            "nonce": "",
            "timestamp": ms_to_s(0),
            "sign": "",
            "data": {"max_body_bytes": self.max_bytes},
        }
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode("ascii")),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
