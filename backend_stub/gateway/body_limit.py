"""Request size limit: a body over ``max_body_bytes`` is answered 413 ``REQUEST_TOO_LARGE``.

A pure ASGI middleware in front of every route. A ``Content-Length`` over the
limit is refused at once, without reading a byte of the body; a body sent in
chunks is counted as it arrives and refused as soon as it passes the limit.
Either way the handler never runs, nothing is done, and the answer is our
envelope (unsigned: the terminal is not known yet) in the caller's language.
:func:`read_body` does the same for a route that reads the body itself (the
terminal lane, :mod:`backend_stub.api.lane`).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from protocol.errors import ErrorCode

from .envelope import language_of, send_refusal

__all__ = ["BodyLimit", "BodyTooLarge", "read_body", "refuse_too_large"]


class BodyTooLarge(Exception):
    """The body passed the limit (or said it would): answer with :func:`refuse_too_large`."""


def _declared_over(scope: Scope, max_bytes: int) -> bool:
    headers = dict(scope.get("headers") or [])
    declared = headers.get(b"content-length", b"").decode("latin-1").strip()
    return declared.isdigit() and int(declared) > max_bytes


async def refuse_too_large(send: Send, lang: str, max_bytes: int) -> None:
    await send_refusal(
        send,
        413,
        ErrorCode.REQUEST_TOO_LARGE,
        f"at most {max_bytes} bytes",
        lang,
        {"max_body_bytes": max_bytes},
        ((b"connection", b"close"),),
    )


async def read_body(scope: Scope, receive: Receive, max_bytes: int) -> bytes | None:
    """The whole body, or None if the client went away; :class:`BodyTooLarge` past the limit."""
    if _declared_over(scope, max_bytes):
        raise BodyTooLarge
    chunks: list[bytes] = []
    received = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect: nobody to answer
            return None
        chunk = message.get("body", b"")
        received += len(chunk)
        if received > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang = language_of(scope)
        if _declared_over(scope, self.max_bytes):
            await refuse_too_large(send, lang, self.max_bytes)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await refuse_too_large(send, lang, self.max_bytes)
