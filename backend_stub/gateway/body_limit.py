"""Request size limit: a body over ``max_body_bytes`` is answered 413 ``REQUEST_TOO_LARGE``.

A pure ASGI middleware in front of every route. A ``Content-Length`` over the
limit is refused at once, without reading a byte of the body; a body sent in
chunks is counted as it arrives and refused as soon as it passes the limit.
Either way the handler never runs, nothing is done, and the answer is our
envelope (unsigned: the terminal is not known yet) in the caller's language.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from protocol.errors import ErrorCode

from .envelope import language_of, send_refusal

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
        lang = language_of(scope)
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
        await send_refusal(
            send,
            413,
            ErrorCode.REQUEST_TOO_LARGE,
            f"at most {self.max_bytes} bytes",
            lang,
            {"max_body_bytes": self.max_bytes},
            ((b"connection", b"close"),),
        )
