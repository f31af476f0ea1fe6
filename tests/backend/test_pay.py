"""``pay`` through HTTP: both wallets, every code and account reason, idempotency, listing."""

from __future__ import annotations

import time

from protocol import paycode
from protocol.errors import ErrorCode
from tests.harness import unique


def never_issued() -> str:
    body = "81" + "0" * 15
    return body + paycode.luhn_check_digit(body)


def test_points_payment_under_the_limit_is_deducted_at_once(backend):
    terminal = backend.terminal()
    member = backend.member(points=10_000, pin=None)
    trade = terminal.pay(member.code("points"), 1_234)
    assert trade["state"] == "SUCCESS" and trade["reason"] is None
    assert trade["issuer"] == "points" and trade["points"] == 1_234  # 100 points = CNY 1.00
    assert trade["balance_points"] == 10_000 - 1_234
    assert trade["code_masked"].startswith("81") and "*" in trade["code_masked"]
    assert member.account()["balance_points"] == 8_766
    assert backend.operator.verify()["ok"]


def test_card_payment_takes_fen_from_the_stored_value(backend):
    terminal = backend.terminal()
    member = backend.member(points=50, card_fen=5_000, pin=None)
    trade = terminal.pay(member.code("card"), 1_999)
    assert trade["state"] == "SUCCESS" and trade["issuer"] == "card" and trade["points"] == 0
    assert trade["balance_card_fen"] == 3_001 and trade["balance_points"] == 50


def test_a_retry_returns_the_first_answer_and_never_charges_twice(backend):
    terminal = backend.terminal()
    member = backend.member(points=5_000, pin=None)
    code, number = member.code(), unique()
    first = terminal.pay(code, 1_000, number)
    again = terminal.pay(code, 1_000, number)
    assert again["trade_no"] == first["trade_no"] and again["state"] == "SUCCESS"
    assert member.account()["balance_points"] == 4_000
    failed_number = unique()
    failed = terminal.pay(never_issued(), 10, failed_number)
    assert failed["state"] == "FAILED"
    assert terminal.pay(never_issued(), 10, failed_number)["trade_no"] == failed["trade_no"]


def test_the_same_number_with_other_content_is_refused(backend):
    terminal = backend.terminal()
    member = backend.member(points=5_000, pin=None)
    number = unique()
    terminal.pay(member.code(), 1_000, number)
    reply = terminal.call("pay", out_trade_no=number, payment_code=member.code(), amount_fen=2_000)
    assert reply.status == 409 and reply.code == ErrorCode.DUPLICATE_REQUEST_NUMBER
    assert member.account()["balance_points"] == 4_000


def test_a_refused_pay_spends_its_nonce_and_changes_nothing_else(backend):
    """Refused for its code before the transaction, or by the pay inside it: either way
    the request cannot be replayed, and the refused pay left no trade behind."""
    terminal = backend.terminal()
    member = backend.member(points=5_000, pin=None)
    number = unique()
    terminal.pay(member.code(), 1_000, number)
    good = paycode.generate("points")
    misread = good[:-1] + str((int(good[-1]) + 1) % 10)
    reused = {"out_trade_no": number, "payment_code": member.code()}  # for another amount
    for fields, refusal in (
        ({"out_trade_no": unique(), "payment_code": misread}, ErrorCode.CODE_MISREAD),
        (reused, ErrorCode.DUPLICATE_REQUEST_NUMBER),
    ):
        body = terminal.signed_body({**fields, "amount_fen": 2_000})
        assert terminal.check(terminal.post_raw("pay", body), body["nonce"]).code == refusal
        again = terminal.check(terminal.post_raw("pay", body), body["nonce"])
        assert again.code == ErrorCode.REPLAYED_REQUEST
    assert member.account()["balance_points"] == 4_000
    assert [t["out_trade_no"] for t in terminal.ok("trades")["items"]] == [number]


def test_a_code_never_issued_is_invalid(backend):
    terminal = backend.terminal()
    trade = terminal.pay(never_issued(), 100)
    assert trade["state"] == "FAILED" and trade["reason"] == ErrorCode.CODE_INVALID
    assert "not valid" in trade["message"]


def test_a_code_expires_after_its_ttl_and_when_refreshed(fast_backend):
    terminal = fast_backend.terminal()
    member = fast_backend.member(points=5_000, pin=None)
    old = member.code()
    fresh = member.code()  # the refresh kills `old` at once
    assert terminal.pay(old, 100)["reason"] == ErrorCode.CODE_EXPIRED
    time.sleep(1.7)  # fast_backend: codes live 1.5 s
    trade = terminal.pay(fresh, 100)
    assert trade["state"] == "FAILED" and trade["reason"] == ErrorCode.CODE_EXPIRED
    assert member.account()["balance_points"] == 5_000


def test_a_code_serves_one_trade_even_while_it_waits_for_a_pin(backend):
    terminal = backend.terminal()
    member = backend.member(points=100_000)
    code = member.code()
    waiting = terminal.pay(code, 30_000)  # above the 200.00 no-PIN limit
    assert waiting["state"] == "PIN_REQUIRED"
    second = terminal.pay(code, 100)
    assert second["state"] == "FAILED" and second["reason"] == ErrorCode.CODE_USED
    other_terminal = backend.terminal()
    assert other_terminal.pay(code, 100)["reason"] == ErrorCode.CODE_USED


def test_insufficient_balance_fails_and_takes_nothing(backend):
    terminal = backend.terminal()
    member = backend.member(points=999, card_fen=50, pin=None)
    trade = terminal.pay(member.code(), 1_000)
    assert trade["state"] == "FAILED" and trade["reason"] == ErrorCode.INSUFFICIENT_BALANCE
    assert terminal.pay(member.code("card"), 51)["reason"] == ErrorCode.INSUFFICIENT_BALANCE
    assert member.account()["balance_points"] == 999


def test_over_the_per_trade_maximum(backend):
    terminal = backend.terminal()
    member = backend.member(points=10_000_000)
    trade = terminal.pay(member.code(), 500_001)  # default maximum: CNY 5,000.00 a trade
    assert trade["state"] == "FAILED" and trade["reason"] == ErrorCode.OVER_LIMIT
    assert "limit" in trade["message"]


def test_over_the_daily_maximum_counting_trades_waiting_for_a_pin(backend):
    terminal = backend.terminal()
    member = backend.member(points=10_000_000)
    for _ in range(4):  # 4 x 5,000.00 = the default 20,000.00 a day
        assert terminal.pay(member.code(), 500_000)["state"] == "PIN_REQUIRED"
    trade = terminal.pay(member.code(), 1)
    assert trade["state"] == "FAILED" and trade["reason"] == ErrorCode.OVER_LIMIT


def test_a_frozen_account_cannot_pay(backend):
    terminal = backend.terminal()
    member = backend.member(points=5_000, pin=None)
    code = member.code()
    backend.operator.freeze(member.member_no)
    trade = terminal.pay(code, 100)
    assert trade["state"] == "FAILED" and trade["reason"] == ErrorCode.ACCOUNT_FROZEN
    backend.operator.freeze(member.member_no, False)
    assert terminal.pay(member.code(), 100)["state"] == "SUCCESS"


def test_codes_of_other_issuers_are_declined_clearly(backend):
    terminal = backend.terminal()
    trade = terminal.pay("134567890123456789", 100)  # WeChat Pay: 18 digits, 10-15
    assert trade["state"] == "FAILED" and trade["reason"] == ErrorCode.ISSUER_NOT_SUPPORTED
    assert trade["issuer"] == "wechat"


def test_misreads_and_non_payment_scans_are_bad_requests(backend):
    terminal = backend.terminal()
    good = paycode.generate("points")
    misread = good[:-1] + str((int(good[-1]) + 1) % 10)
    reply = terminal.call("pay", out_trade_no=unique(), payment_code=misread, amount_fen=1)
    assert reply.status == 400 and reply.code == ErrorCode.CODE_MISREAD
    reply = terminal.call("pay", out_trade_no=unique(), payment_code="6901234567892", amount_fen=1)
    assert reply.code == ErrorCode.NOT_A_PAYMENT_CODE


def test_above_the_no_pin_limit_a_pin_is_required_and_an_sms_code_sent(backend):
    terminal = backend.terminal()
    member = backend.member(points=100_000)
    trade = terminal.pay(member.code(), 20_001)
    assert trade["state"] == "PIN_REQUIRED" and trade["attempts_left"] == 5
    assert trade["pin_deadline"] >= time.time() + 60
    assert trade["points"] == 20_001 and trade["balance_points"] == 100_000
    sent = backend.operator.outbox(member.member_no)[0]
    assert sent["purpose"] == "pay" and "CNY 200.01" in sent["text"]


def test_the_members_own_limit_is_capped_by_the_systems(backend):
    terminal = backend.terminal()
    member = backend.member(points=100_000)
    refused = member.set_limit(20_001).json()
    assert refused["code"] == ErrorCode.BAD_REQUEST and "20000" in refused["message"]
    assert member.set_limit(500).json()["data"]["no_pin_limit_fen"] == 500
    assert terminal.pay(member.code(), 501)["state"] == "PIN_REQUIRED"
    assert terminal.pay(member.code(), 500)["state"] == "SUCCESS"


def test_query_shows_the_trade_as_it_is(backend):
    terminal = backend.terminal()
    member = backend.member(points=5_000, pin=None)
    number = unique()
    paid = terminal.pay(member.code(), 700, number)
    seen = terminal.ok("query", out_trade_no=number)
    assert seen["trade_no"] == paid["trade_no"] and seen["state"] == "SUCCESS"
    assert backend.terminal().call("query", out_trade_no=number).code == ErrorCode.TRADE_NOT_FOUND


def test_a_terminal_lists_its_own_trades_newest_first_in_pages(backend):
    terminal = backend.terminal()
    member = backend.member(points=5_000, pin=None)
    numbers = [unique() for _ in range(5)]
    for number in numbers:
        terminal.pay(member.code(), 10, number)
    backend.terminal().pay(member.code(), 10)  # another terminal's trade is not listed
    first = terminal.ok("trades", limit=3)
    assert [t["out_trade_no"] for t in first["items"]] == numbers[::-1][:3]
    rest = terminal.ok("trades", limit=3, cursor=first["next_cursor"])
    assert [t["out_trade_no"] for t in rest["items"]] == numbers[::-1][3:]
    assert rest["next_cursor"] is None
