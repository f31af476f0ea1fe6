"""Combination payment, its refund order, and "max points" (allow_partial)."""

from __future__ import annotations

from protocol.errors import ErrorCode
from tests.harness import unique


def test_the_trade_records_every_part_and_a_refund_returns_them_last_first(routing):
    routing.publish({})
    terminal = routing.live.terminal()
    member = routing.live.member(points=10_000, pin=None)
    number = unique()
    paid = terminal.pay(
        member.code(),
        3_000,
        number,
        order_total_fen=10_000,
        other_tenders=[
            {"tender": "cash", "amount_fen": 5_000},
            {"tender": "bank_card", "amount_fen": 2_000, "reference": "POS-SLIP-77"},
        ],
    )
    assert paid["state"] == "SUCCESS" and paid["order_total_fen"] == 10_000
    assert [t["tender"] for t in paid["other_tenders"]] == ["cash", "bank_card"]
    assert paid["balance_points"] == 7_000

    def refund(amount):
        return terminal.ok(
            "refund", out_trade_no=number, out_refund_no=unique("R"), amount_fen=amount
        )

    first = refund(6_000)
    assert first["parts"] == [
        {"tender": "bank_card", "amount_fen": 2_000, "reference": "POS-SLIP-77"},
        {"tender": "cash", "amount_fen": 4_000, "reference": ""},
    ]
    assert first["trade"]["state"] == "PARTIALLY_REFUNDED"
    assert first["trade"]["other_refunded_fen"] == 6_000 and first["trade"]["refunded_fen"] == 0
    assert member.account()["balance_points"] == 7_000  # the points come back last
    second = refund(3_000)
    assert second["parts"] == [
        {"tender": "cash", "amount_fen": 1_000, "reference": ""},
        {"tender": "points", "amount_fen": 2_000, "reference": number},
    ]
    assert member.account()["balance_points"] == 9_000
    too_much = terminal.call(
        "refund", out_trade_no=number, out_refund_no=unique("R"), amount_fen=1_001
    )
    assert too_much.code == ErrorCode.REFUND_TOO_LARGE and "at most 1000" in too_much.body.message
    last = refund(1_000)
    assert last["trade"]["state"] == "REFUNDED" and member.account()["balance_points"] == 10_000
    assert routing.live.operator.verify()["ok"]


def test_parts_that_do_not_add_up_are_refused(routing):
    terminal = routing.live.terminal()
    member = routing.live.member(points=10_000, pin=None)
    reply = terminal.call(
        "pay",
        out_trade_no=unique(),
        payment_code=member.code(),
        amount_fen=3_000,
        order_total_fen=9_000,
        other_tenders=[{"tender": "cash", "amount_fen": 5_000}],
    )
    assert reply.code == ErrorCode.BAD_REQUEST and "order_total_fen" in reply.body.message
    both = terminal.call(
        "pay",
        out_trade_no=unique(),
        payment_code=member.code(),
        amount_fen=3_000,
        allow_partial=True,
        other_tenders=[{"tender": "cash", "amount_fen": 5_000}],
    )
    assert both.code == ErrorCode.BAD_REQUEST and "allow_partial" in both.body.message
    assert member.account()["balance_points"] == 10_000


def test_max_points_takes_what_the_balance_covers_and_the_till_records_the_rest(routing):
    routing.publish({})
    terminal = routing.live.terminal()
    member = routing.live.member(points=1_234, card_fen=800, pin=None)
    number = unique()
    paid = terminal.pay(member.code(), 5_000, number, allow_partial=True, order_total_fen=5_000)
    assert paid["state"] == "SUCCESS" and paid["amount_fen"] == 1_234
    assert paid["points"] == 1_234 and paid["balance_points"] == 0
    wrong = terminal.call(
        "tenders", out_trade_no=number, other_tenders=[{"tender": "cash", "amount_fen": 3_000}]
    )
    assert wrong.code == ErrorCode.BAD_REQUEST and "3766" in wrong.body.message
    rest = [{"tender": "cash", "amount_fen": 3_766, "reference": ""}]
    recorded = terminal.ok("tenders", out_trade_no=number, other_tenders=rest)
    assert recorded["other_tenders"] == rest and recorded["order_total_fen"] == 5_000
    again = terminal.ok("tenders", out_trade_no=number, other_tenders=rest)  # a retry
    assert again["other_tenders"] == rest and again["trade_no"] == recorded["trade_no"]
    other = [{"tender": "bank_card", "amount_fen": 3_766, "reference": ""}]
    clash = terminal.call("tenders", out_trade_no=number, other_tenders=other)
    assert clash.code == ErrorCode.DUPLICATE_REQUEST_NUMBER
    back = terminal.ok("refund", out_trade_no=number, out_refund_no=unique("R"), amount_fen=5_000)
    assert [p["tender"] for p in back["parts"]] == ["cash", "points"]
    assert back["trade"]["state"] == "REFUNDED" and member.account()["balance_points"] == 1_234
    card = terminal.pay(member.code("card"), 2_000, allow_partial=True)
    assert (card["state"], card["amount_fen"], card["balance_card_fen"]) == ("SUCCESS", 800, 0)
    empty = terminal.pay(member.code("card"), 2_000, allow_partial=True)
    assert empty["state"] == "FAILED" and empty["reason"] == ErrorCode.INSUFFICIENT_BALANCE
    assert empty["amount_fen"] == 2_000


def test_max_points_applies_the_no_pin_limit_to_what_is_taken(routing):
    routing.publish({})
    terminal = routing.live.terminal()
    rich = routing.live.member(points=30_000, pin="864213")
    over = terminal.pay(rich.code(), 50_000, allow_partial=True)  # takes 300.00 > 200.00
    assert over["state"] == "PIN_REQUIRED" and over["amount_fen"] == 30_000
    done = terminal.confirm_pin(over["out_trade_no"], "864213")
    assert done["state"] == "SUCCESS" and done["points"] == 30_000
    modest = routing.live.member(points=15_000, pin="864213")
    under = terminal.pay(modest.code(), 50_000, allow_partial=True)  # takes 150.00
    assert under["state"] == "SUCCESS" and under["amount_fen"] == 15_000
    assert routing.live.operator.verify()["ok"]
