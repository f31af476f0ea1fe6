"""A scripted stand-in for the backend behind httpx.MockTransport.

For unit tests of the session's retry and fault handling only: it signs its
answers like the real backend and echoes the nonce, and each endpoint plays a
list of scripted actions. Behaviour tests use the real server instead.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from typing import Any

import httpx

from protocol.errors import ERRORS, ErrorCode
from protocol.signing import sign, verify

SECRET = "test-secret-0123456789"


def view(state: str, **fields: Any) -> dict[str, Any]:
    base = {"out_trade_no": "", "trade_no": "T1", "state": state, "amount_fen": 100}
    return base | fields


class ScriptedBackend:
    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.script: dict[str, deque[Any]] = defaultdict(deque)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def on(self, endpoint: str, *actions: Any) -> ScriptedBackend:
        self.script[endpoint].extend(actions)
        return self

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        body = json.loads(request.content)
        assert verify(body, self.secret), "the terminal must sign every request"
        self.calls.append((name, body))
        queue = self.script[name]
        action = (
            queue.popleft() if len(queue) > 1 else (queue[0] if queue else ErrorCode.SYSTEM_ERROR)
        )
        if isinstance(action, Exception):
            raise action
        if callable(action):
            action = action(body)
        if isinstance(action, httpx.Response):
            return action
        if isinstance(action, ErrorCode):
            return self.answer(body, action.value, None, ERRORS[action].http_status)
        data = dict(action)
        if "out_trade_no" in data and not data["out_trade_no"]:
            data["out_trade_no"] = body.get("out_trade_no", "")
        return self.answer(body, "OK", data, 200)

    def answer(self, body: dict[str, Any], code: str, data: Any, status: int) -> httpx.Response:
        payload = {
            "code": code,
            "message": "",
            "nonce": body["nonce"],
            "timestamp": 1,
            "data": data,
        }
        payload["sign"] = sign(payload, self.secret)
        return httpx.Response(status, json=payload)
