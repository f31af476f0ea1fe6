"""The unsigned answer an ASGI middleware gives when it refuses a request before any route.

Our envelope (``code``, ``message`` in the caller's language, ``data``), so a
terminal, the wallet page and the console read a body-limit or a bad-text
refusal like any other.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Scope, Send

from backend_stub.clock import ms_to_s
from protocol.errors import ErrorCode, message_for

__all__ = ["language_of", "send_refusal"]


def language_of(scope: Scope) -> str:
    headers = dict(scope.get("headers") or [])
    return "zh" if headers.get(b"accept-language", b"").lower().startswith(b"zh") else "en"


async def send_refusal(
    send: Send,
    status: int,
    code: ErrorCode,
    detail: str,
    lang: str,
    data: dict[str, Any] | None = None,
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    body = {
        "code": code.value,
        "message": f"{message_for(code, lang)} ({detail})",
        "nonce": "",
        "timestamp": ms_to_s(0),
        "sign": "",
        "data": data,
    }
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode("ascii")),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
