"""``confirm``: PIN envelopes, SMS codes, wrong PINs, the lock, the deadline, the sweeper."""

from __future__ import annotations

import time

from protocol.errors import ErrorCode
from tests.harness import unique


def waiting_trade(live, terminal, member, amount=30_000):
    number = unique()
    trade = terminal.pay(member.code(), amount, number)
    assert trade["state"] == "PIN_REQUIRED"
    return number


def test_the_right_pin_pays_once(backend):
    terminal = backend.terminal()
    member = backend.member(points=100_000, pin="314159")
    number = waiting_trade(backend, terminal, member)
    trade = terminal.confirm_pin(number, "314159")
    assert trade["state"] == "SUCCESS" and trade["balance_points"] == 70_000
    again = terminal.confirm_pin(number, "314159")  # a retry: the trade as it is
    assert again["state"] == "SUCCESS" and member.account()["balance_points"] == 70_000
    assert backend.operator.verify()["ok"]


def test_wrong_pins_count_down_then_lock_and_the_sms_code_still_pays(backend):
    terminal = backend.terminal()
    member = backend.member(points=100_000, pin="111111")
    number = waiting_trade(backend, terminal, member)
    for left in (4, 3, 2, 1):
        trade = terminal.confirm_pin(number, "999999")
        assert trade["state"] == "PIN_REQUIRED" and trade["reason"] == ErrorCode.PIN_WRONG
        assert trade["attempts_left"] == left
    locked = terminal.confirm_pin(number, "999999")
    assert locked["state"] == "PIN_REQUIRED" and locked["reason"] == ErrorCode.PIN_LOCKED
    assert locked["attempts_left"] == 0
    # Locked: even the right PIN is refused, and nothing is taken.
    assert terminal.confirm_pin(number, "111111")["reason"] == ErrorCode.PIN_LOCKED
    assert member.account()["pin_locked"] and member.account()["balance_points"] == 100_000
    # The lock sent a fresh SMS code for this trade; a new trade starts locked too.
    sms_code = backend.operator.last_sms_code(member.member_no, "pay")
    assert terminal.pay(member.code(), 25_000)["reason"] == ErrorCode.PIN_LOCKED
    paid = terminal.ok("confirm", out_trade_no=number, sms_code=sms_code)
    assert paid["state"] == "SUCCESS" and paid["balance_points"] == 70_000


def test_resetting_the_pin_by_sms_lifts_the_lock(backend):
    terminal = backend.terminal()
    member = backend.member(points=100_000, pin="111111")
    number = waiting_trade(backend, terminal, member)
    for _ in range(5):
        terminal.confirm_pin(number, "000000")
    assert member.account()["pin_locked"]
    member.set_pin("222222")
    account = member.account()
    assert not account["pin_locked"] and account["pin_attempts_left"] == 5
    assert terminal.confirm_pin(number, "222222")["state"] == "SUCCESS"


def test_the_same_envelope_twice_counts_one_attempt(backend):
    terminal = backend.terminal()
    member = backend.member(points=100_000, pin="111111")
    number = waiting_trade(backend, terminal, member)
    envelope = terminal.pin_envelope(number, "123123")
    first = terminal.ok("confirm", out_trade_no=number, pin_envelope=envelope)
    second = terminal.ok("confirm", out_trade_no=number, pin_envelope=envelope)
    assert first["attempts_left"] == second["attempts_left"] == 4


def test_an_envelope_sealed_for_another_trade_is_refused(backend):
    terminal = backend.terminal()
    member = backend.member(points=100_000, pin="111111")
    number = waiting_trade(backend, terminal, member)
    reply = terminal.call(
        "confirm", out_trade_no=number, pin_envelope=terminal.pin_envelope(unique(), "111111")
    )
    assert reply.status == 400 and reply.code == ErrorCode.BAD_REQUEST
    assert "another trade" in reply.body.message
    assert terminal.ok("query", out_trade_no=number)["attempts_left"] == 5


def test_a_wrong_sms_code_is_told_and_the_trade_keeps_waiting(backend):
    terminal = backend.terminal()
    member = backend.member(points=100_000)
    number = waiting_trade(backend, terminal, member)
    real = backend.operator.last_sms_code(member.member_no, "pay")
    wrong = f"{(int(real) + 1) % 1_000_000:06d}"
    trade = terminal.ok("confirm", out_trade_no=number, sms_code=wrong)
    assert trade["state"] == "PIN_REQUIRED" and trade["reason"] == ErrorCode.SMS_CODE_WRONG
    assert terminal.ok("confirm", out_trade_no=number, sms_code=real)["state"] == "SUCCESS"


def test_a_member_can_ask_for_the_pay_code_again(backend):
    terminal = backend.terminal()
    member = backend.member(points=100_000)
    number = waiting_trade(backend, terminal, member)
    again = member.request_sms("pay")
    assert terminal.ok("confirm", out_trade_no=number, sms_code=again)["state"] == "SUCCESS"


def test_confirm_needs_exactly_one_secret_and_a_known_trade(backend):
    terminal = backend.terminal()
    reply = terminal.call("confirm", out_trade_no=unique())
    assert reply.code == ErrorCode.BAD_REQUEST and "exactly one" in reply.body.message
    reply = terminal.call("confirm", out_trade_no=unique(), sms_code="123456")
    assert reply.code == ErrorCode.TRADE_NOT_FOUND


def test_a_pin_after_the_deadline_finds_the_trade_closed(fast_backend):
    terminal = fast_backend.terminal()
    member = fast_backend.member(points=100_000, pin="111111")
    number = waiting_trade(fast_backend, terminal, member)
    time.sleep(2.3)  # fast_backend: PIN deadline 2 s
    trade = terminal.confirm_pin(number, "111111")
    assert trade["state"] == "CLOSED" and trade["reason"] == ErrorCode.TRADE_CLOSED
    sms_code = fast_backend.operator.last_sms_code(member.member_no, "pay")
    late_sms = terminal.ok("confirm", out_trade_no=number, sms_code=sms_code)
    assert late_sms["state"] == "CLOSED"
    assert member.account()["balance_points"] == 100_000


def test_the_sweeper_closes_waiting_trades_without_being_asked(fast_backend):
    terminal = fast_backend.terminal()
    member = fast_backend.member(points=100_000)
    number = waiting_trade(fast_backend, terminal, member)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        # The member's records are read-only: only the sweeper can have closed it.
        states = {t["out_trade_no"]: t for t in member.records()["items"]}
        if states[number]["state"] == "CLOSED":
            break
        time.sleep(0.2)
    assert states[number]["state"] == "CLOSED" and states[number]["reason"] == "TRADE_CLOSED"
