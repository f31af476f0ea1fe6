"""Faults between a terminal and the real backend, at the SDK's network seam.

:class:`FaultyTransport` wraps the real HTTP transport. The request really
goes to the real server over TCP (or never leaves, for ``REFUSE``); what
comes back is then spoiled as the plan says:

- ``REFUSE``       the connection is refused: nothing reaches the server
- ``LOSE``         the server handles the request and commits; the answer
                   is thrown away and the terminal sees a read timeout
- ``CUT``          the answer is cut off mid-way (a protocol error)
- ``BAD_GATEWAY``  a proxy's 502 page instead of the answer (unsigned)
- ``TAMPER``       the answer's data is changed after it was signed
- ``DIE``          the terminal's process dies once the server has the request
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from enum import StrEnum

import httpx


class Fault(StrEnum):
    REFUSE = "refuse"
    LOSE = "lose"
    CUT = "cut"
    BAD_GATEWAY = "bad_gateway"
    TAMPER = "tamper"
    DIE = "die"


Plan = Callable[[str, dict[str, object]], Fault | None]  # (endpoint, body) -> fault or None


class FaultyTransport(httpx.AsyncBaseTransport):
    def __init__(self, plan: Plan, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.plan = plan
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.log: list[tuple[str, Fault | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        endpoint = request.url.path.rsplit("/", 1)[-1]
        body = json.loads(request.content or b"{}")
        fault = self.plan(endpoint, body)
        self.log.append((endpoint, fault))
        if fault is Fault.REFUSE:
            raise httpx.ConnectError("connection refused (injected)", request=request)
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        await response.aclose()
        if fault is Fault.DIE:
            os._exit(9)
        if fault is Fault.LOSE:
            raise httpx.ReadTimeout("answer lost (injected)", request=request)
        if fault is Fault.CUT:
            raise httpx.RemoteProtocolError("answer cut off (injected)", request=request)
        if fault is Fault.BAD_GATEWAY:
            return httpx.Response(502, text="<html>502 Bad Gateway</html>", request=request)
        if fault is Fault.TAMPER:
            answer = json.loads(content)
            if isinstance(answer.get("data"), dict):
                answer["data"]["state"] = "SUCCESS"
            answer["code"] = "OK"
            content = json.dumps(answer).encode()
        headers = [
            (k, v)
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
        ]
        return httpx.Response(
            response.status_code, headers=headers, content=content, request=request
        )

    async def aclose(self) -> None:
        await self.inner.aclose()
