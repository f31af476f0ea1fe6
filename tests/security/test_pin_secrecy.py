"""PIN brute force and PIN secrecy against the real server (SQLite and PostgreSQL).

A thief holding a customer's payment code gets five guesses in 24 hours in
all (across trades, terminals and concurrent requests); then even the right
PIN is refused until the customer resets it by SMS. Nothing the backend
answers or stores reveals the PIN, and an envelope works for its own trade only.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import MetaData, create_engine, select

from protocol.errors import ErrorCode
from tests.harness import SignedClient, unique

PIN = "904172638150"  # 12 digits: cannot turn up by chance in ids, phones or timestamps
WRONG = "111122223333"


def pin_block_prefixes(pin: str) -> list[str]:
    """How the PIN shows in a hex dump of its ISO 9564 format 4 block."""
    start = f"4{len(pin):x}{pin}"
    return [start.lower(), start.upper()]


def waiting(terminal: SignedClient, member, amount_fen: int = 30_000) -> str:
    number = unique()
    trade = terminal.pay(member.code(), amount_fen, number)
    assert trade["state"] == "PIN_REQUIRED", trade
    return number


def record_answers(*clients: SignedClient) -> list[str]:
    """Every answer body these terminals receive from now on, as text."""
    seen: list[str] = []

    def keep(response: httpx.Response) -> None:
        seen.append(response.read().decode())

    for client in clients:
        client.http.event_hooks["response"].append(keep)
    return seen


def test_five_wrong_pins_across_trades_and_terminals_lock_until_an_sms_reset(backend):
    till, other_till = backend.terminal(), backend.terminal()
    answers = record_answers(till, other_till)
    member = backend.member(points=1_000_000, pin=PIN)
    guesses = [(till, waiting(till, member)), (other_till, waiting(other_till, member))]
    lefts = []
    for i in range(5):  # a new trade or another till does not give fresh tries
        terminal, number = guesses[i % 2]
        lefts.append(terminal.confirm_pin(number, f"{i}" * 6)["attempts_left"])
    assert lefts == [4, 3, 2, 1, 0]
    for terminal, number in guesses:
        refused = terminal.confirm_pin(number, PIN)
        assert refused["state"] == "PIN_REQUIRED" and refused["reason"] == ErrorCode.PIN_LOCKED
    assert waiting(till, member) and member.account()["pin_locked"]
    fresh = till.ok("pay", out_trade_no=unique(), payment_code=member.code(), amount_fen=30_000)
    assert fresh["reason"] == ErrorCode.PIN_LOCKED
    assert member.account()["balance_points"] == 1_000_000
    # The customer resets the PIN by SMS; the new PIN pays, the old one is wrong.
    member.set_pin("2468013579")
    number = waiting(till, member)
    assert till.confirm_pin(number, PIN)["reason"] == ErrorCode.PIN_WRONG
    assert till.confirm_pin(number, "2468013579")["state"] == "SUCCESS"
    for text in answers:
        for secret in (PIN, *pin_block_prefixes(PIN)):
            assert secret not in text


def test_a_flood_of_concurrent_guesses_gets_five_tries_at_most(backend):
    terminal = backend.terminal()
    member = backend.member(points=1_000_000, pin=PIN)
    number = waiting(terminal, member)
    envelopes = [terminal.pin_envelope(number, f"{d}" * 8) for d in range(9)]
    envelopes.append(terminal.pin_envelope(number, PIN))  # the right one, among the last

    def guess(envelope: dict[str, str]) -> dict[str, Any]:
        client = SignedClient(terminal.base_url, terminal.terminal_id, terminal.secret)
        try:
            return client.ok("confirm", out_trade_no=number, pin_envelope=envelope)
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        trades = list(pool.map(guess, envelopes))
    # At most five tries were ever weighed: the rest found PIN payments locked, or
    # (if the right PIN came among the first five) the trade already paid, once.
    waiting_for = [t["reason"] for t in trades if t["state"] == "PIN_REQUIRED"]
    wrong = [r for r in waiting_for if r == ErrorCode.PIN_WRONG]
    locked = [r for r in waiting_for if r == ErrorCode.PIN_LOCKED]
    paid = [t for t in trades if t["state"] == "SUCCESS"]
    assert len(wrong) <= 4
    assert len(wrong) + len(locked) + len(paid) == len(trades)
    balance = member.account()["balance_points"]
    assert balance == (1_000_000 - 30_000 if paid else 1_000_000)
    if not paid:
        assert member.account()["pin_locked"]
        assert terminal.confirm_pin(number, PIN)["reason"] == ErrorCode.PIN_LOCKED
    assert backend.operator.verify()["ok"]


def test_an_envelope_cannot_be_replayed_to_another_trade(backend):
    till, thief = backend.terminal(), backend.terminal()
    member = backend.member(points=1_000_000, pin=PIN)
    number = waiting(till, member)
    envelope = till.pin_envelope(number, PIN)
    # The thief makes a trade with the same number on its own till and sends the envelope.
    thief_trade = thief.pay(member.code(), 30_000, number)
    assert thief_trade["state"] == "PIN_REQUIRED"
    reply = thief.call("confirm", out_trade_no=number, pin_envelope=envelope)
    assert reply.code == ErrorCode.BAD_REQUEST and "another trade" in reply.body.message
    # Nor to another trade of the same till.
    second = waiting(till, member)
    reply = till.call("confirm", out_trade_no=second, pin_envelope=envelope)
    assert reply.code == ErrorCode.BAD_REQUEST
    assert member.account()["pin_attempts_left"] == 5
    assert member.account()["balance_points"] == 1_000_000
    # It still opens its own trade.
    assert till.ok("confirm", out_trade_no=number, pin_envelope=envelope)["state"] == "SUCCESS"


def test_the_database_holds_only_an_argon2_hash_of_the_pin(backend):
    terminal = backend.terminal()
    member = backend.member(points=1_000_000, pin=PIN)
    terminal.confirm_pin(waiting(terminal, member), WRONG)
    terminal.confirm_pin(waiting(terminal, member), PIN)
    [(pin_hash,)] = backend.sql(
        f"SELECT pin_hash FROM members WHERE member_no = '{member.member_no}'"
    )
    assert pin_hash.startswith("$argon2id$")
    engine = create_engine(backend.database_url)
    try:
        tables = MetaData()
        tables.reflect(engine)
        with engine.connect() as conn:
            dump = "\n".join(
                repr(row) for table in tables.sorted_tables for row in conn.execute(select(table))
            )
    finally:
        engine.dispose()
    assert pin_hash in dump  # the dump does hold the members
    for secret in (PIN, WRONG, *pin_block_prefixes(PIN), *pin_block_prefixes(WRONG)):
        assert secret not in dump
