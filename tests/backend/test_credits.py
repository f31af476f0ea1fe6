"""Points earned on a sale and card top-ups at the till: idempotent ledger credits."""

from __future__ import annotations

from protocol.errors import ErrorCode
from tests.harness import unique


def test_points_are_earned_on_a_paid_trade_once(backend):
    terminal = backend.terminal()
    member = backend.member(points=1_000, pin=None)
    number = unique()
    terminal.pay(member.code(), 500, number)
    request_no = unique("E")
    earned = terminal.ok("earn", out_request_no=request_no, paid_fen=12_399, out_trade_no=number)
    assert earned["points"] == 123  # 1 point per whole CNY paid with other tenders
    assert earned["balance_points"] == 1_000 - 500 + 123
    same = terminal.ok("earn", out_request_no=request_no, paid_fen=12_399, out_trade_no=number)
    assert same["balance_points"] == earned["balance_points"]
    twice = terminal.call("earn", out_request_no=unique("E"), paid_fen=100, out_trade_no=number)
    assert twice.code == ErrorCode.DUPLICATE_REQUEST_NUMBER
    assert backend.operator.verify()["ok"]


def test_points_are_earned_with_a_scanned_code_which_stays_usable(backend):
    terminal = backend.terminal()
    member = backend.member(points=0, pin=None)
    code = member.code()
    earned = terminal.ok("earn", out_request_no=unique("E"), paid_fen=5_000, payment_code=code)
    assert earned["points"] == 50 and earned["balance_points"] == 50
    assert terminal.pay(code, 50)["state"] == "SUCCESS"


def test_a_request_number_reused_with_other_content_is_refused(backend):
    terminal = backend.terminal()
    member = backend.member(points=0, pin=None)
    code, request_no = member.code(), unique("E")
    terminal.ok("earn", out_request_no=request_no, paid_fen=5_000, payment_code=code)
    reply = terminal.call("earn", out_request_no=request_no, paid_fen=6_000, payment_code=code)
    assert reply.status == 409 and reply.code == ErrorCode.DUPLICATE_REQUEST_NUMBER
    assert member.account()["balance_points"] == 50


def test_earning_needs_a_paid_trade_or_a_live_code(backend):
    terminal = backend.terminal()
    reply = terminal.call("earn", out_request_no=unique("E"), paid_fen=100, out_trade_no=unique())
    assert reply.code == ErrorCode.TRADE_NOT_FOUND
    reply = terminal.call("earn", out_request_no=unique("E"), paid_fen=100)
    assert reply.code == ErrorCode.BAD_REQUEST and "exactly one" in reply.body.message


def test_card_top_up_at_the_till(backend):
    terminal = backend.terminal()
    member = backend.member(points=0, card_fen=100, pin=None)
    request_no = unique("U")
    fields = {
        "out_request_no": request_no,
        "payment_code": member.code("card"),
        "amount_fen": 5_000,
    }
    done = terminal.ok("topup", **fields, tender="cash")
    assert done["card_fen"] == 5_000 and done["balance_card_fen"] == 5_100
    again = terminal.ok("topup", **fields, tender="cash")
    assert again["balance_card_fen"] == 5_100
    reply = terminal.call(
        "topup",
        out_request_no=unique("U"),
        payment_code=member.code("card"),
        amount_fen=100,
        tender="card",
    )
    assert reply.code == ErrorCode.BAD_REQUEST and "tender" in reply.body.message
    assert backend.operator.verify()["ok"]


def test_a_frozen_member_gets_no_credits(backend):
    terminal = backend.terminal()
    member = backend.member(points=0, pin=None)
    code = member.code("card")
    backend.operator.freeze(member.member_no)
    reply = terminal.call("topup", out_request_no=unique("U"), payment_code=code, amount_fen=100)
    assert reply.code == ErrorCode.ACCOUNT_FROZEN
