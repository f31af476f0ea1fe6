"""Channel health and circuit breakers: taken out, probed, put back; never a hang."""

from __future__ import annotations

import re
import time
from functools import partial

from protocol.errors import ErrorCode
from tests.backend.routing.conftest import (
    ROUTING_SETTINGS,
    Routing,
    channel,
    fresh,
    rule,
    wait_for,
    wechat_code,
)


def test_a_failing_channel_is_taken_out_probed_and_put_back(routing_both):
    routing = routing_both
    bad, good = fresh("bad"), fresh("good")
    routing.publish(
        {
            "channels": [channel(bad, rate_ppm=1000), channel(good, rate_ppm=5000)],
            "rules": [rule(bad, bad), rule(good, good)],
        }
    )
    routing.script("decline:FREQUENCY_LIMITED", channel=bad, amount_min=1, amount_max=10**8)
    terminal = routing.live.terminal()
    for _ in range(4):  # health_min_samples is 4 here, the window 2 s
        trade = terminal.pay(wechat_code(), 1_000)
        assert trade["state"] == "SUCCESS" and trade["channel"] == good  # retried there
    routing.outage(bad, True)  # its probes will fail too: it stays out
    out = wait_for(lambda: routing.channels()[bad]["health"] == "out", timeout=3)
    assert out
    event = routing.events(bad)[0]
    assert event["kind"] == "health_out" and "success 0% of 4 calls" in event["detail"]
    tried_before = len(routing.sim_orders(bad))
    direct = terminal.pay(wechat_code(), 1_000)
    assert direct["channel"] == good and len(routing.sim_orders(bad)) == tried_before
    time.sleep(1.0)
    assert routing.channels()[bad]["health"] == "out"
    routing.outage(bad, False)
    routing.http.delete("/sim/scripts", params={"channel": bad})
    back = wait_for(lambda: routing.channels()[bad]["health"] == "in", timeout=6)
    assert back
    kinds = [e["kind"] for e in routing.events(bad)]
    assert kinds[0] == "health_in" and "health_out" in kinds
    assert re.fullmatch(r"probes \d+% of \d+ healthy", routing.events(bad)[0]["detail"])
    assert terminal.pay(wechat_code(), 1_000)["channel"] == bad  # the cheapest again


def test_an_open_breaker_answers_at_once_and_every_trade_still_ends(routing):
    flaky, spare = fresh("flaky"), fresh("spare")
    both = {
        "channels": [channel(flaky, rate_ppm=1000), channel(spare, rate_ppm=5000)],
        "rules": [rule(flaky, flaky), rule(spare, spare)],
    }
    routing.publish(both)
    routing.outage(flaky, True)
    terminal = routing.live.terminal()
    unknown = [terminal.pay(wechat_code(), 1_000) for _ in range(3)]  # breaker_failures: 3
    assert {t["state"] for t in unknown} == {"PROCESSING"}  # a system error may have charged
    assert {t["channel"] for t in unknown} == {flaky}  # ...so it is never retried elsewhere
    assert wait_for(lambda: routing.channels()[flaky]["breaker"] != "closed", timeout=2)
    assert terminal.pay(wechat_code(), 1_000)["channel"] == spare
    routing.publish({"channels": [channel(flaky)], "rules": [rule(flaky, flaky)]})

    def pays_sent() -> int:
        query = f"SELECT count(*) FROM channel_calls WHERE channel = '{flaky}' AND kind = 'pay'"
        return int(routing.live.sql(query)[0][0])

    sent_before = pays_sent()
    started = time.monotonic()
    refused = terminal.pay(wechat_code(), 1_000)
    assert time.monotonic() - started < 2  # no waiting for a channel that does not answer...
    assert pays_sent() == sent_before  # ...because it was not called at all
    assert refused["state"] == "FAILED" and refused["reason"] == ErrorCode.CHANNEL_UNAVAILABLE
    assert refused["message"] == "Payment failed, please try again later."
    routing.outage(flaky, False)

    # the backend itself brings each unknown trade to an end once the channel answers again
    def ended(number):
        view = terminal.ok("query", out_trade_no=number)
        return view if view["state"] in ("FAILED", "CLOSED") else None

    for trade in unknown:
        end = wait_for(partial(ended, trade["out_trade_no"]), timeout=8)
        assert end["reason"] in (ErrorCode.CHANNEL_UNAVAILABLE, ErrorCode.PAYMENT_TIMED_OUT)
    assert all(o["state"] == "CLOSED" for o in routing.sim_orders(flaky))  # nothing charged
    healthy = wait_for(
        lambda: (c := routing.channels()[flaky])["breaker"] == "closed" and c["health"] == "in",
        timeout=8,
    )
    assert healthy
    kinds = {e["kind"] for e in routing.events(flaky)}
    assert {"breaker_open", "breaker_closed"} <= kinds
    assert terminal.pay(wechat_code(), 1_000)["state"] == "SUCCESS"


def test_two_instances_on_one_postgresql_share_health_and_channel_work(
    routing_postgresql, tmp_path
):
    first = Routing(routing_postgresql)
    second_live = routing_postgresql.sibling(tmp_path, **ROUTING_SETTINGS)
    try:
        second = Routing(second_live)
        bad, good = fresh("bad"), fresh("good")
        first.publish(
            {
                "channels": [channel(bad, rate_ppm=1000), channel(good, rate_ppm=5000)],
                "rules": [rule(bad, bad), rule(good, good)],
            }
        )
        first.script("decline:FREQUENCY_LIMITED", channel=bad, amount_min=1, amount_max=10**8)
        till_a = first.live.terminal()
        for _ in range(4):
            assert till_a.pay(wechat_code(), 1_000)["channel"] == good
        first.outage(bad, True)  # and its probes fail, from either instance: it stays out
        assert wait_for(lambda: second.channels()[bad]["health"] == "out", timeout=3)
        till_b = second.live.terminal()
        tried_before = len(second.sim_orders(bad))
        assert till_b.pay(wechat_code(), 1_000)["channel"] == good  # B routes around it too
        assert len(second.sim_orders(bad)) == tried_before
        first.outage(bad, False)
        first.http.delete("/sim/scripts", params={"channel": bad})
        # a trade paid through A and left PROCESSING is finished by whichever instance gets to it
        first.publish({"channels": [channel(good)], "rules": [rule(good, good)]})
        first.script("paying:0.5", channel=good, amount_fen=1_234)
        waiting = till_a.pay(wechat_code(), 1_234)
        assert waiting["state"] == "PROCESSING"
        assert wait_for(
            lambda: (
                first.live.sql(
                    f"SELECT state FROM trades WHERE trade_no = '{waiting['trade_no']}'"
                )[0][0]
                == "SUCCESS"
            ),
            timeout=5,
        )
        first.http.delete("/sim/scripts", params={"channel": good})
    finally:
        second_live.close()
