"""The terminal SDK trusts only answers signed with its own secret for its own request.

Between a real terminal SDK and the real backend sits a man in the middle
who turns a declined payment into a success and re-signs it: with another
terminal's key, with a made-up key, or not at all; or who hands back a
genuine answer meant for an earlier request. The SDK's client must call each
of these *unknown* (never paid, never failed), and a payment session must then
query and end with what really happened.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from protocol import signing
from protocol.errors import ErrorCode, OutcomeUnknown
from terminal_sdk.client import ScanPayClient, enrol
from terminal_sdk.session import Outcome
from terminal_sdk.terminal import Terminal
from tests.harness import unique
from tests.sdk.conftest import QUICK, terminal_config

Answer = dict[str, Any]


class ManInTheMiddle(httpx.AsyncBaseTransport):
    """Forwards to the real server; rewrites the first answer to ``endpoint``."""

    def __init__(self, endpoint: str, rewrite: Callable[[Answer], Answer]) -> None:
        self.endpoint = endpoint
        self.rewrite = rewrite
        self.inner = httpx.AsyncHTTPTransport()
        self.done = False
        self.earlier: Answer | None = None  # the last genuine answer seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        answer = json.loads(await response.aread())
        await response.aclose()
        if request.url.path.endswith("/" + self.endpoint) and not self.done:
            self.done = True
            answer = self.rewrite(answer)
        else:
            self.earlier = answer
        return httpx.Response(response.status_code, json=answer, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def declined_made_paid(key: str | None) -> Callable[[Answer], Answer]:
    def rewrite(answer: Answer) -> Answer:
        assert answer["data"]["state"] == "FAILED"  # the truth: not enough points
        forged = {**answer, "data": {**answer["data"], "state": "SUCCESS", "reason": None}}
        forged["sign"] = (
            signing.sign({k: v for k, v in forged.items() if k != "sign"}, key) if key else ""
        )
        return forged

    return rewrite


@pytest.fixture
def other_terminals_secret(backend_sqlite) -> str:
    return str(backend_sqlite.terminal().secret)


@pytest.mark.parametrize("signer", ["another terminal", "made-up key", "unsigned"])
async def test_a_forged_success_is_unknown_and_the_session_finds_the_truth(
    backend_sqlite, tmp_path, other_terminals_secret, signer
):
    key = {"another terminal": other_terminals_secret, "made-up key": "F" * 64}.get(signer)
    live = backend_sqlite
    creds = await enrol(live.url, live.operator.activation_code("pos"))
    member = live.member(points=50, pin=None)  # CNY 0.50: a CNY 100.00 payment is declined
    middle = ManInTheMiddle("pay", declined_made_paid(key))
    async with ScanPayClient(live.url, creds, transport=middle) as client:
        with pytest.raises(OutcomeUnknown) as unknown:
            await client.pay(out_trade_no=unique(), payment_code=member.code(), amount_fen=10_000)
        assert unknown.value.code is ErrorCode.BAD_RESPONSE
    middle = ManInTheMiddle("pay", declined_made_paid(key))
    config = terminal_config(live.url, tmp_path / "terminal")
    async with Terminal(config, creds, transport=middle, profile=QUICK) as terminal:
        result = await terminal.session().pay(member.code(), 10_000)
    assert result.outcome is Outcome.NOT_CHARGED and result.reason is ErrorCode.INSUFFICIENT_BALANCE
    assert member.account()["balance_points"] == 50


async def test_a_genuine_answer_to_an_earlier_request_is_not_trusted(backend_sqlite):
    live = backend_sqlite
    creds = await enrol(live.url, live.operator.activation_code("pos"))
    member = live.member(points=50, pin=None)
    middle = ManInTheMiddle("pay", lambda answer: middle.earlier or answer)
    async with ScanPayClient(live.url, creds, transport=middle) as client:
        await client.echo()  # a genuine, signed OK answer for that request
        with pytest.raises(OutcomeUnknown):
            await client.pay(out_trade_no=unique(), payment_code=member.code(), amount_fen=10_000)
