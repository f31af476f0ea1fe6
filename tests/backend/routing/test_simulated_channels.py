"""Each simulated channel behaviour, end to end: pay, query, cancel and refund through a channel."""

from __future__ import annotations

import time
from typing import Any

import pytest

from protocol.errors import ErrorCode
from tests.backend.routing.conftest import Routing, channel, fresh, rule, wait_for, wechat_code
from tests.harness import unique


def one_channel(routing: Routing, behaviour: str | None = None) -> str:
    """Publish a single WeChat Pay channel; script every pay on it, if asked."""
    cid = fresh("sim")
    routing.publish({"channels": [channel(cid)], "rules": [rule(cid, cid)]})
    if behaviour:
        routing.script(behaviour, channel=cid, amount_min=1, amount_max=10**8)
    return cid


def settles(terminal: Any, number: str, state: str, timeout: float = 6.0) -> dict[str, Any]:
    """Query as a terminal does until the trade is in ``state``."""

    def seen() -> dict[str, Any] | None:
        view = terminal.ok("query", out_trade_no=number)
        return view if view["state"] == state else None

    return dict(wait_for(seen, timeout=timeout, every=0.2))


def test_user_paying_then_paid_converges_through_query(routing):
    cid = one_channel(routing, "paying:1")
    terminal = routing.live.terminal()
    trade = terminal.pay(wechat_code(), 2_000)
    assert trade["state"] == "PROCESSING" and trade["channel_state"] == "PAYING"
    paid = settles(terminal, trade["out_trade_no"], "SUCCESS")
    assert paid["channel_state"] == "PAID" and paid["reason"] is None
    assert routing.sim_orders(cid)[0]["state"] == "PAID"


def test_user_paying_then_giving_up_is_declined(routing):
    one_channel(routing, "paying:0.5:fail")
    terminal = routing.live.terminal()
    trade = terminal.pay(wechat_code(), 2_000)
    failed = settles(terminal, trade["out_trade_no"], "FAILED")
    assert failed["reason"] == ErrorCode.CHANNEL_DECLINED


def test_a_system_error_where_nothing_was_taken_fails_and_is_reversed(routing):
    cid = one_channel(routing, "error")
    terminal = routing.live.terminal()
    trade = terminal.pay(wechat_code(), 2_000)
    assert trade["state"] == "PROCESSING" and trade["channel_state"] == "SENT"
    failed = settles(terminal, trade["out_trade_no"], "FAILED")
    assert failed["reason"] == ErrorCode.CHANNEL_UNAVAILABLE
    assert "try again later" in failed["message"]
    # the reverse closed the number at the channel: a pay arriving late cannot charge
    order = wait_for(lambda: [o for o in routing.sim_orders(cid) if o["state"] == "CLOSED"])
    assert order[0]["channel_trade_no"] == trade["trade_no"] + "-1"


def test_a_system_error_that_did_charge_is_found_by_query(routing):
    one_channel(routing, "error:success")
    terminal = routing.live.terminal()
    trade = terminal.pay(wechat_code(), 2_000)
    assert trade["state"] == "PROCESSING"
    assert settles(terminal, trade["out_trade_no"], "SUCCESS")["channel_state"] == "PAID"


def test_a_channel_that_hangs_never_holds_the_till(routing):
    one_channel(routing, "timeout")
    terminal = routing.live.terminal()
    started = time.monotonic()
    trade = terminal.pay(wechat_code(), 2_000)
    waited = time.monotonic() - started
    assert trade["state"] == "PROCESSING"
    assert waited < 3  # channel_timeout_s is 0.6 here; the channel keeps silent 4 s
    assert settles(terminal, trade["out_trade_no"], "SUCCESS")["channel_state"] == "PAID"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("NOTENOUGH", ErrorCode.INSUFFICIENT_BALANCE),
        ("AUTHCODEEXPIRE", ErrorCode.CODE_EXPIRED),
        ("AUTH_CODE_INVALID", ErrorCode.CODE_INVALID),
        ("USERCANCELLED", ErrorCode.CHANNEL_DECLINED),
        ("SOMETHING_NEW", ErrorCode.CHANNEL_DECLINED),
    ],
)
def test_a_decline_is_told_in_our_words(routing, code, reason):
    one_channel(routing, f"decline:{code}")
    trade = routing.live.terminal().pay(wechat_code(), 2_000)
    assert trade["state"] == "FAILED" and trade["reason"] == reason
    assert trade["channel_state"] == "FAILED"


def test_scripts_by_code_win_over_amounts_and_can_run_out(routing):
    cid = one_channel(routing, "decline:NOTENOUGH")
    code = wechat_code()
    routing.script("success", code=code, times=1)
    terminal = routing.live.terminal()
    assert terminal.pay(code, 2_000)["state"] == "SUCCESS"
    assert terminal.pay(code, 2_000)["reason"] == ErrorCode.INSUFFICIENT_BALANCE  # used up
    scripts = routing.http.get("/sim/scripts").json()["data"]
    mine = [s for s in scripts if s["code"] and s["code"].endswith(code[-4:])]
    assert mine[0]["uses_left"] == 0 and "*" in mine[0]["code"]  # stored masked
    routing.http.delete("/sim/scripts", params={"channel": cid})


def test_late_success_after_a_reverse_is_refunded_and_query_tells_the_truth(routing_both):
    routing = routing_both
    cid = one_channel(routing, "late:1.2")
    terminal = routing.live.terminal()
    trade = terminal.pay(wechat_code(), 3_000)
    number = trade["out_trade_no"]
    assert trade["state"] == "PROCESSING" and trade["channel_state"] == "PAYING"
    closed = terminal.ok("cancel", out_trade_no=number)  # the cashier gives up
    assert closed["state"] == "CLOSED" and closed["reason"] == ErrorCode.CANCELLED
    assert closed["channel_state"] == "CLOSED"  # the channel said: closed
    # ...and then took the money anyway. Watching, the backend finds it and refunds it.
    refunded = wait_for(
        lambda: (
            (v := terminal.ok("query", out_trade_no=number))["channel_state"] == "REFUNDED" and v
        ),
        timeout=6,
        every=0.2,
    )
    assert refunded["state"] == "CLOSED" and refunded["reason"] == ErrorCode.CANCELLED
    order = routing.sim_orders(cid)[0]
    assert (order["state"], order["refunded_fen"]) == ("REFUNDED", 3_000)
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    compared = routing.http.get(f"/reconcile/channels/{cid}", params={"date": today}).json()
    assert compared["data"]["lines"] == 2  # the late charge and its refund
    assert compared["data"]["differences"] == []


def test_the_backend_reverses_what_stays_processing_past_its_deadline(routing):
    cid = one_channel(routing, "paying:30")
    terminal = routing.live.terminal()
    trade = terminal.pay(wechat_code(), 2_000)
    number = trade["out_trade_no"]
    time.sleep(3.2)  # channel_deadline_s is 3 here; nobody queries meanwhile
    closed = wait_for(
        lambda: (
            routing.live.sql(
                f"SELECT state, reason, channel_state FROM trades WHERE out_trade_no='{number}'"
            )[0]
            == ("CLOSED", "PAYMENT_TIMED_OUT", "CLOSED")
        )
    )
    assert closed
    assert routing.sim_orders(cid)[0]["state"] == "CLOSED"
    assert terminal.ok("query", out_trade_no=number)["state"] == "CLOSED"


def test_cancel_of_a_paid_trade_refunds_it_at_the_channel(routing):
    cid = one_channel(routing)
    terminal = routing.live.terminal()
    trade = terminal.pay(wechat_code(), 2_500)
    assert trade["state"] == "SUCCESS"
    closed = terminal.ok("cancel", out_trade_no=trade["out_trade_no"])
    assert closed["state"] == "CLOSED" and closed["channel_state"] == "REFUNDED"
    order = routing.sim_orders(cid)[0]
    assert (order["state"], order["refunded_fen"]) == ("REFUNDED", 2_500)


def test_refunds_go_back_through_the_channel_and_wait_for_it(routing):
    cid = one_channel(routing)
    terminal = routing.live.terminal()
    number = unique()
    terminal.pay(wechat_code(), 5_000, number)
    first = terminal.ok("refund", out_trade_no=number, out_refund_no=unique("R"), amount_fen=2_000)
    assert first["trade"]["state"] == "PARTIALLY_REFUNDED"
    assert first["parts"] == [{"tender": "wechat", "amount_fen": 2_000, "reference": number}]
    assert routing.sim_orders(cid)[0]["refunded_fen"] == 2_000
    routing.outage(cid, True)
    refund_no = unique("R")
    pending = terminal.call(
        "refund", out_trade_no=number, out_refund_no=refund_no, amount_fen=3_000
    )
    assert pending.code == ErrorCode.SYSTEM_ERROR and "same out_refund_no" in pending.body.message
    routing.outage(cid, False)
    done = wait_for(
        lambda: (
            (
                r := terminal.call(
                    "refund", out_trade_no=number, out_refund_no=refund_no, amount_fen=3_000
                )
            ).code
            == "OK"
            and r.data
        )
    )
    assert done["trade"]["state"] == "REFUNDED" and done["trade"]["refunded_fen"] == 5_000
    assert routing.sim_orders(cid)[0]["state"] == "REFUNDED"
    refused = terminal.call("refund", out_trade_no=number, out_refund_no=unique("R"), amount_fen=1)
    assert refused.code == ErrorCode.REFUND_NOT_ALLOWED


def test_the_same_pay_again_is_the_same_trade(routing):
    one_channel(routing, "paying:5")
    terminal = routing.live.terminal()
    code, number = wechat_code(), unique()
    first = terminal.pay(code, 2_000, number)
    again = terminal.pay(code, 2_000, number)
    assert again["trade_no"] == first["trade_no"] and again["state"] == "PROCESSING"
    terminal.ok("cancel", out_trade_no=number)
