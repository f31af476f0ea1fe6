"""``cancel`` (reverse) and ``refund``: money back, definitely, once."""

from __future__ import annotations

from protocol.errors import ErrorCode
from tests.harness import unique


def test_cancel_of_a_paid_trade_gives_everything_back(backend):
    terminal = backend.terminal()
    member = backend.member(points=5_000, pin=None)
    number = unique()
    terminal.pay(member.code(), 1_500, number)
    closed = terminal.ok("cancel", out_trade_no=number, reason="till stopped")
    assert closed["state"] == "CLOSED" and closed["reason"] == ErrorCode.CANCELLED
    assert closed["balance_points"] == 5_000
    again = terminal.ok("cancel", out_trade_no=number)
    assert again["state"] == "CLOSED" and member.account()["balance_points"] == 5_000
    assert backend.operator.verify()["ok"]


def test_cancel_of_a_trade_waiting_for_its_pin_closes_it(backend):
    terminal = backend.terminal()
    member = backend.member(points=100_000, pin="111111")
    number = unique()
    terminal.pay(member.code(), 30_000, number)
    assert terminal.ok("cancel", out_trade_no=number)["state"] == "CLOSED"
    late = terminal.confirm_pin(number, "111111")
    assert late["state"] == "CLOSED" and member.account()["balance_points"] == 100_000


def test_cancel_of_an_unknown_number_leaves_a_tombstone_a_late_pay_cannot_pass(backend):
    terminal = backend.terminal()
    member = backend.member(points=5_000, pin=None)
    number = unique()
    tomb = terminal.ok("cancel", out_trade_no=number)
    assert tomb["state"] == "CLOSED" and tomb["reason"] == ErrorCode.CANCELLED
    assert tomb["amount_fen"] == 0
    late = terminal.pay(member.code(), 1_000, number)  # the pay that was in flight
    assert late["state"] == "CLOSED" and late["trade_no"] == tomb["trade_no"]
    assert member.account()["balance_points"] == 5_000


def test_cancel_of_a_failed_trade_changes_nothing(backend):
    terminal = backend.terminal()
    member = backend.member(points=10, pin=None)
    number = unique()
    terminal.pay(member.code(), 1_000, number)
    kept = terminal.ok("cancel", out_trade_no=number)
    assert kept["state"] == "FAILED" and kept["reason"] == ErrorCode.INSUFFICIENT_BALANCE


def test_partial_then_full_refund_and_idempotent_refund_numbers(backend):
    terminal = backend.terminal()
    member = backend.member(points=0, card_fen=10_000, pin=None)
    number = unique()
    terminal.pay(member.code("card"), 3_000, number)
    first_no = unique("R")
    part = terminal.ok("refund", out_trade_no=number, out_refund_no=first_no, amount_fen=1_000)
    assert part["trade"]["state"] == "PARTIALLY_REFUNDED" and part["trade"]["refunded_fen"] == 1_000
    assert part["trade"]["balance_card_fen"] == 8_000
    same = terminal.ok("refund", out_trade_no=number, out_refund_no=first_no, amount_fen=1_000)
    assert same["trade"]["refunded_fen"] == 1_000 and member.account()["balance_card_fen"] == 8_000
    clash = terminal.call("refund", out_trade_no=number, out_refund_no=first_no, amount_fen=5)
    assert clash.status == 409 and clash.code == ErrorCode.DUPLICATE_REQUEST_NUMBER
    too_much = terminal.call(
        "refund", out_trade_no=number, out_refund_no=unique("R"), amount_fen=2_001
    )
    assert too_much.status == 409 and too_much.code == ErrorCode.REFUND_TOO_LARGE
    rest = terminal.ok("refund", out_trade_no=number, out_refund_no=unique("R"), amount_fen=2_000)
    assert rest["trade"]["state"] == "REFUNDED" and rest["trade"]["balance_card_fen"] == 10_000
    assert backend.operator.verify()["ok"]


def test_points_refunds_return_the_points_taken(backend):
    terminal = backend.terminal()
    member = backend.member(points=10_000, pin=None)
    number = unique()
    terminal.pay(member.code(), 999, number)
    for amount in (333, 333, 333):
        terminal.ok("refund", out_trade_no=number, out_refund_no=unique("R"), amount_fen=amount)
    assert member.account()["balance_points"] == 10_000


def test_refunds_need_a_paid_trade(backend):
    terminal = backend.terminal()
    member = backend.member(points=10, pin=None)
    number = unique()
    terminal.pay(member.code(), 1_000, number)  # fails: balance
    reply = terminal.call("refund", out_trade_no=number, out_refund_no=unique("R"), amount_fen=1)
    assert reply.code == ErrorCode.REFUND_NOT_ALLOWED
    reply = terminal.call("refund", out_trade_no=unique(), out_refund_no=unique("R"), amount_fen=1)
    assert reply.code == ErrorCode.TRADE_NOT_FOUND


def test_cancel_after_a_partial_refund_returns_the_rest(backend):
    terminal = backend.terminal()
    member = backend.member(points=5_000, pin=None)
    number = unique()
    terminal.pay(member.code(), 2_000, number)
    terminal.ok("refund", out_trade_no=number, out_refund_no=unique("R"), amount_fen=500)
    closed = terminal.ok("cancel", out_trade_no=number)
    assert closed["state"] == "CLOSED" and closed["balance_points"] == 5_000
    assert backend.operator.verify()["ok"]
