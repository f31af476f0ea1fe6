"""A channel that hangs fills its own bulkhead, never the server's.

A server of its own with two slots per channel: two payments to a channel
that keeps silent hold both slots (each till is told PROCESSING after the
channel time limit; the calls hang on in their threads). While they hang, a
third payment finds the slow channel full: it is not sent there at all
(``BULKHEAD_FULL``, safe to route elsewhere), goes to the next channel and
succeeds at once; a payment from our own points wallet is not touched; and
``/metrics`` shows the slow channel's pool full and the refused call.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import httpx
import pytest

from tests.backend.routing.conftest import (
    ROUTING_SETTINGS,
    Routing,
    channel,
    fresh,
    rule,
    wait_for,
    wechat_code,
)
from tests.conftest import LiveBackend, _start
from tests.harness import SignedClient

SLOTS = 2


@pytest.fixture
def narrow(tmp_path) -> Iterator[Routing]:
    settings = {**ROUTING_SETTINGS, "channel_concurrency": SLOTS, "sim_hang_s": 6}
    live = _start(tmp_path, None, "sqlite", settings)
    try:
        yield Routing(live)
    finally:
        live.close()


def pool_figure(live: LiveBackend, name: str, pool: str) -> float:
    text = httpx.get(live.url + "/metrics", timeout=5).text
    found = re.search(rf'{name}\{{pool="{re.escape(pool)}"\}} (\S+)', text)
    return float(found.group(1)) if found else -1.0


def test_a_hanging_channel_fills_its_own_pool_and_the_next_channel_takes_the_payment(narrow):
    slow, spare = fresh("slow"), fresh("spare")
    narrow.publish(
        {
            "channels": [channel(slow, rate_ppm=1000), channel(spare, rate_ppm=5000)],
            "rules": [rule("SLOW", slow), rule("SPARE", spare)],
        }
    )
    narrow.script("timeout", channel=slow, amount_fen=2_000)  # silent for 6 s
    live = narrow.live
    terminal = live.terminal()
    with ThreadPoolExecutor(max_workers=SLOTS) as pool:
        hanging = [pool.submit(terminal.pay, wechat_code(), 2_000) for _ in range(SLOTS)]
        told = [f.result() for f in hanging]
    assert [t["state"] for t in told] == ["PROCESSING"] * SLOTS
    assert {t["channel"] for t in told} == {slow}
    assert pool_figure(live, "scanpay_pool_in_use", f"channel:{slow}") == SLOTS

    started = time.monotonic()
    routed = terminal.pay(wechat_code(), 1_500)  # the slow channel would be first: cheaper
    waited = time.monotonic() - started
    assert routed["state"] == "SUCCESS" and routed["channel"] == spare
    assert waited < 3  # not the slow channel's 6 s, nor its 0.6 s time limit then a query
    trace = live.sql(f"SELECT route_trace FROM trades WHERE trade_no='{routed['trade_no']}'")
    assert "BULKHEAD_FULL" in trace[0][0]
    assert all(o["amount_fen"] != 1_500 for o in narrow.sim_orders(slow))  # never sent there
    # the pay refused there, and the worker's queries of the two hanging trades too
    assert pool_figure(live, "scanpay_pool_rejected_total", f"channel:{slow}") >= 1

    member = live.member(points=10_000, pin=None)  # our own wallet does not wait for channels
    assert terminal.pay(member.code(), 100)["state"] == "SUCCESS"

    # the hanging calls end; the slots come back and the two trades settle by query
    wait_for(lambda: pool_figure(live, "scanpay_pool_in_use", f"channel:{slow}") == 0, timeout=10)
    for trade in told:
        wait_for(partial(settled, terminal, trade["out_trade_no"]), timeout=10, every=0.3)


def settled(terminal: SignedClient, number: str) -> bool:
    return bool(terminal.ok("query", out_trade_no=number)["state"] != "PROCESSING")
