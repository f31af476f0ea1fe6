"""Signing every request and checking every answer: the only place the secret is used.

:class:`SignedAuth` is an ``httpx.Auth``: it adds ``terminal_id``,
``timestamp``, ``nonce`` and ``sign`` to the JSON body before the request
leaves. :func:`check_response` is the other half: an answer counts only when
its signature is right *and* it echoes the nonce of the request it answers;
anything else is "unknown" (the session then queries), never a success and
never a failure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from typing import Any

import httpx

from protocol.errors import ErrorCode, OutcomeUnknown
from protocol.models import ApiResponse
from protocol.replay import new_nonce, now_s
from protocol.signing import sign, verify

__all__ = ["SignedAuth", "check_response", "request_nonce"]


class SignedAuth(httpx.Auth):
    def __init__(self, terminal_id: str, secret: str, clock: Callable[[], int] = now_s) -> None:
        self._terminal_id = terminal_id
        self._secret = secret
        self._clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        body: dict[str, Any] = json.loads(request.content or b"{}")
        body.update(terminal_id=self._terminal_id, timestamp=self._clock(), nonce=new_nonce())
        body["sign"] = sign(body, self._secret)
        signed = httpx.Request(
            request.method,
            request.url,
            headers={k: v for k, v in request.headers.items() if k.lower() != "content-length"},
            json=body,
            extensions=request.extensions,
        )
        yield signed


def request_nonce(response: httpx.Response) -> str:
    """The nonce the request behind ``response`` carried."""
    try:
        body = json.loads(response.request.content)
    except ValueError:
        return ""
    nonce = body.get("nonce") if isinstance(body, dict) else None
    return nonce if isinstance(nonce, str) else ""


def check_response(response: httpx.Response, secret: str) -> ApiResponse:
    """The verified answer, or :class:`OutcomeUnknown` with ``BAD_RESPONSE``."""
    try:
        body = response.json()
    except ValueError:
        raise OutcomeUnknown(
            ErrorCode.BAD_RESPONSE, f"HTTP {response.status_code}, not JSON"
        ) from None
    if not isinstance(body, dict):
        raise OutcomeUnknown(ErrorCode.BAD_RESPONSE, "answer is not an object")
    nonce = request_nonce(response)
    if not verify(body, secret):
        code = body.get("code")
        raise OutcomeUnknown(
            ErrorCode.BAD_RESPONSE,
            f"HTTP {response.status_code}, unsigned or badly signed answer (code {code!r})",
        )
    if not nonce or body.get("nonce") != nonce:
        raise OutcomeUnknown(ErrorCode.BAD_RESPONSE, "answer is not for this request")
    try:
        return ApiResponse.model_validate(body)
    except ValueError:
        raise OutcomeUnknown(ErrorCode.BAD_RESPONSE, "answer has the wrong shape") from None
