"""Sessions paid through an external channel (the bundled simulator), with the wallets' timings.

"User is paying" is queried with the issuer's real profile (WeChat Pay: every
3-5 s, reverse by 45 s) until the customer confirms; a late success that lands
after the terminal reversed is refunded by the backend, and the terminal's
"not charged" stays true.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator

import pytest

from protocol.errors import ErrorCode
from protocol.paycode import Issuer
from terminal_sdk.client import enrol
from terminal_sdk.profiles import PROFILES, QueryProfile
from terminal_sdk.session import EventKind, Outcome
from terminal_sdk.terminal import Terminal
from tests.backend.routing.conftest import Routing, channel, fresh, rule, wait_for
from tests.conftest import LiveBackend, _start

from .conftest import terminal_config

WECHAT = PROFILES[Issuer.WECHAT]


@pytest.fixture(scope="module")
def channel_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBackend]:
    """A backend whose channel deadline is the wallets' (60 s), polling every half second."""
    live = _start(
        tmp_path_factory.mktemp("channels"),
        None,
        "sqlite",
        {"channel_deadline_s": 60, "channel_poll_s": 0.5, "late_watch_s": 60},
    )
    try:
        yield live
    finally:
        live.close()


@pytest.fixture
def wechat(channel_backend: LiveBackend) -> tuple[Routing, str]:
    routing = Routing(channel_backend)
    cid = fresh("wx")
    routing.publish({"channels": [channel(cid)], "rules": [rule(fresh("R"), cid)]})
    return routing, cid


def wechat_code() -> str:
    return "13" + "".join(random.choice("0123456789") for _ in range(16))


async def terminal_for(live: LiveBackend, tmp_path, profile: QueryProfile | None) -> Terminal:
    creds = await enrol(live.url, live.operator.activation_code("pos"))
    return Terminal(terminal_config(live.url, tmp_path), creds, profile=profile)


async def test_user_paying_for_20_s_then_paid_with_wechat_timings(wechat, tmp_path):
    routing, cid = wechat
    code = wechat_code()
    routing.script("paying:20", code=code)
    events: list = []
    async with await terminal_for(routing.live, tmp_path, None) as terminal:  # real profile
        started = time.monotonic()
        result = await terminal.session(on_event=events.append).pay(code, 4_200)
        took = time.monotonic() - started
    assert result.outcome is Outcome.PAID
    assert result.trade is not None and result.trade.channel == cid
    assert 20 <= took < WECHAT.deadline_s
    queries = [e for e in events if e.kind is EventKind.QUERYING]
    assert 4 <= len(queries) <= 8  # first at 3 s, then every 3-5 s
    [order] = [o for o in routing.sim_orders(cid) if o["amount_fen"] == 4_200]
    assert order["state"] == "PAID"


async def test_user_gives_up_in_the_wallet(wechat, tmp_path):
    routing, _ = wechat
    code = wechat_code()
    routing.script("paying:2:fail", code=code)
    async with await terminal_for(routing.live, tmp_path, WECHAT.scaled(0.2)) as terminal:
        result = await terminal.session().pay(code, 1_800)
    assert result.outcome is Outcome.NOT_CHARGED and result.reason is ErrorCode.CHANNEL_DECLINED


async def test_late_success_after_the_reverse_is_refunded(wechat, tmp_path):
    routing, cid = wechat
    code = wechat_code()
    routing.script("late:6", code=code)  # the charge lands after the terminal gave up
    async with await terminal_for(routing.live, tmp_path, WECHAT.scaled(0.05)) as terminal:
        result = await terminal.session().pay(code, 3_300)
        assert result.outcome is Outcome.NOT_CHARGED
        assert result.reason is ErrorCode.PAYMENT_TIMED_OUT and not result.reversal_pending

        def refunded():
            order = next(o for o in routing.sim_orders(cid) if o["amount_fen"] == 3_300)
            return order["state"] == "REFUNDED" and order

        order = await asyncio.to_thread(wait_for, refunded, 15.0, 0.3)
        assert order["refunded_fen"] == 3_300  # charged late, given back in full
        assert result.out_trade_no is not None
        truth = await terminal.client.query(result.out_trade_no)
        assert truth.state == "CLOSED" and truth.channel_state == "REFUNDED"


async def test_cashier_stops_while_the_user_is_paying(wechat, tmp_path):
    routing, cid = wechat
    code = wechat_code()
    routing.script("paying:30", code=code)
    async with await terminal_for(routing.live, tmp_path, WECHAT.scaled(0.2)) as terminal:
        session = terminal.session()
        task = asyncio.create_task(session.pay(code, 2_600))
        await asyncio.sleep(1.0)
        session.stop()
        result = await task
    assert result.outcome is Outcome.NOT_CHARGED and result.reason is ErrorCode.CANCELLED
    [order] = [o for o in routing.sim_orders(cid) if o["amount_fen"] == 2_600]
    assert order["state"] in ("CLOSED", "REVERSED")
