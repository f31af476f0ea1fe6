"""Requests caught on the wire: replayed, re-signed, tampered or stale ones are refused.

Each refusal has its own protocol code, comes back signed with the *claimed*
terminal's secret (so the terminal can trust the refusal), and changes
nothing: no trade, no deduction. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from protocol import replay, signing
from protocol.errors import ErrorCode
from tests.harness import Reply, SignedClient, unique

Body = dict[str, Any]


def paying_body(backend, terminal: SignedClient, amount_fen: int = 100) -> tuple[Body, Any]:
    """A signed ``pay`` for a fresh member's live code, not sent yet; and the member."""
    member = backend.member(points=10_000, pin=None)
    fields = {"out_trade_no": unique(), "payment_code": member.code(), "amount_fen": amount_fen}
    return terminal.signed_body(fields), member


def send(terminal: SignedClient, name: str, body: Body) -> Reply:
    return terminal.check(terminal.post_raw(name, body), body["nonce"])


def assert_nothing_happened(terminal: SignedClient, member, body: Body) -> None:
    assert member.account()["balance_points"] == 10_000
    assert terminal.call("query", out_trade_no=body["out_trade_no"]).code == (
        ErrorCode.TRADE_NOT_FOUND
    )


def test_a_replayed_payment_is_refused_and_charges_once(backend):
    terminal = backend.terminal()
    body, member = paying_body(backend, terminal)
    first = send(terminal, "pay", body)
    assert first.code == "OK" and first.data["state"] == "SUCCESS"
    again = send(terminal, "pay", body)
    assert again.status == 401 and again.code == ErrorCode.REPLAYED_REQUEST
    # The same nonce with a fresh timestamp, properly signed, is a replay too.
    fresh = terminal.signed_body({"out_trade_no": unique()}, nonce=body["nonce"])
    assert send(terminal, "query", fresh).code == ErrorCode.REPLAYED_REQUEST
    assert member.account()["balance_points"] == 10_000 - 100
    assert backend.operator.verify()["ok"]


def test_a_refused_request_still_uses_up_its_nonce(backend):
    terminal = backend.terminal()
    body = terminal.signed_body({"out_trade_no": "not a valid number"})
    assert send(terminal, "query", body).code == ErrorCode.BAD_REQUEST
    assert send(terminal, "query", body).code == ErrorCode.REPLAYED_REQUEST


def test_signed_with_another_terminals_key_or_a_wrong_key_is_refused(backend):
    victim, other = backend.terminal(), backend.terminal()
    body, member = paying_body(backend, victim)
    for key in (other.secret, "0" * 64, victim.secret + "0"):
        forged = dict(body)
        forged["sign"] = signing.sign({k: v for k, v in body.items() if k != "sign"}, key)
        raw = victim.post_raw("pay", forged).json()
        assert raw["code"] == ErrorCode.BAD_SIGNATURE, key
        # The refusal is signed for the terminal the request claimed to be.
        assert signing.verify(raw, victim.secret) and not signing.verify(raw, other.secret)
    # The other terminal's own signature with the victim's id swapped in: refused too.
    theirs = other.signed_body({k: body[k] for k in ("out_trade_no", "payment_code", "amount_fen")})
    theirs["terminal_id"] = victim.terminal_id
    assert send(victim, "pay", theirs).code == ErrorCode.BAD_SIGNATURE
    assert_nothing_happened(victim, member, body)


def _other_last_digit(code: str) -> str:
    """The code with its last digit changed (a code ending in 0 was once left as it was)."""
    return code[:-1] + ("1" if code.endswith("0") else "0")


TAMPERS: dict[str, Callable[[Body], None]] = {
    "amount": lambda b: b.update(amount_fen=b["amount_fen"] * 100),
    "code": lambda b: b.update(payment_code=_other_last_digit(b["payment_code"])),
    "trade number": lambda b: b.update(out_trade_no=unique()),
    "terminal id": lambda b: b.update(terminal_id=b["terminal_id"] + "X"),
    "timestamp": lambda b: b.update(timestamp=b["timestamp"] + 1),
    "nonce": lambda b: b.update(nonce=replay.new_nonce()),
    "added field": lambda b: b.update(ext_lane="7"),
    "removed field": lambda b: b.pop("amount_fen"),
    "signature case": lambda b: b.update(sign=b["sign"].lower()),
    "signature cut": lambda b: b.update(sign=b["sign"][:-2]),
}


@pytest.mark.parametrize("what", list(TAMPERS))
def test_a_request_changed_after_signing_is_refused(backend, what):
    terminal = backend.terminal()
    body, member = paying_body(backend, terminal)
    original = dict(body)
    TAMPERS[what](body)
    raw = terminal.post_raw("pay", body).json()
    if what == "terminal id":  # no such terminal: nobody to sign the answer for
        assert raw["code"] == ErrorCode.UNKNOWN_TERMINAL and raw["sign"] == ""
    elif what == "signature case":  # hex is hex: the same signature, so it pays
        assert raw["code"] == "OK" and signing.verify(raw, terminal.secret)
        return
    else:
        assert raw["code"] == ErrorCode.BAD_SIGNATURE, raw
        assert signing.verify(raw, terminal.secret)
    assert_nothing_happened(terminal, member, original)
    # The untouched request still goes through: the refusal burned nothing it needed.
    assert send(terminal, "pay", original).data["state"] == "SUCCESS"


@pytest.mark.parametrize("offset_s", [-3600, -320, 320, 3600])
def test_a_stale_timestamp_is_refused_either_way(backend, offset_s):
    terminal = backend.terminal()
    fields = paying_body(backend, terminal)[0]
    body = terminal.signed_body(
        {k: fields[k] for k in ("out_trade_no", "payment_code", "amount_fen")},
        timestamp=replay.now_s() + offset_s,
    )
    reply = send(terminal, "pay", body)
    assert reply.status == 401 and reply.code == ErrorCode.STALE_REQUEST
    assert reply.body.sign


@pytest.mark.parametrize("offset_s", [-280, 280])
def test_a_clock_off_by_less_than_five_minutes_is_accepted(backend, offset_s):
    terminal = backend.terminal()
    body = terminal.signed_body({}, timestamp=replay.now_s() + offset_s)
    assert send(terminal, "echo", body).code == "OK"


def test_another_terminals_trades_are_out_of_reach(backend):
    owner, thief = backend.terminal(), backend.terminal()
    member = backend.member(points=10_000, pin=None)
    number = unique()
    assert owner.pay(member.code(), 500, number)["state"] == "SUCCESS"
    for name, fields in (
        ("query", {}),
        ("refund", {"out_refund_no": unique("R"), "amount_fen": 500}),
        ("confirm", {"sms_code": "123456"}),
    ):
        reply = thief.call(name, out_trade_no=number, **fields)
        assert reply.code == ErrorCode.TRADE_NOT_FOUND, (name, reply)
    # A cancel of that number only closes a number of the thief's own.
    assert thief.ok("cancel", out_trade_no=number)["amount_fen"] == 0
    [tombstone] = thief.ok("trades")["items"]
    assert tombstone["state"] == "CLOSED" and tombstone["amount_fen"] == 0
    assert owner.ok("query", out_trade_no=number)["state"] == "SUCCESS"
    assert member.account()["balance_points"] == 10_000 - 500
