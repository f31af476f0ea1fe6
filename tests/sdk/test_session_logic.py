"""The session's decisions, against a scripted backend (fast, no network).

The same paths run against the real server in test_session_backend.py.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from protocol.errors import ErrorCode
from protocol.paycode import generate
from protocol.pin import PinEnvelope
from terminal_sdk.journal import SessionState
from terminal_sdk.profiles import QueryProfile
from terminal_sdk.session import (
    TRANSITIONS,
    EventKind,
    IllegalTransition,
    Outcome,
    PaymentSession,
    SmsCode,
)

from .scripted_backend import view

FAST = QueryProfile(
    first_query_s=0.01,
    intervals_s=(0.01,),
    deadline_s=0.3,
    reverse_intervals_s=(0.0, 0.01),
    reverse_deadline_s=0.2,
    pin_margin_s=0.0,
)
CODE = generate("points")
ENVELOPE = PinEnvelope("k", "w", "i", "c")


def session(client, journal, **kw):
    events: list = []
    s = PaymentSession(client, journal, profile=FAST, on_event=events.append, **kw)
    return s, events


async def test_no_pin_success(client, journal, scripted):
    scripted.on("pay", view("SUCCESS", points=100, balance_points=900))
    s, events = session(client, journal)
    result = await s.pay(CODE, 100)
    assert result.outcome is Outcome.PAID and result.trade.balance_points == 900
    entry = journal.payment(result.out_trade_no)
    assert entry.state is SessionState.PAID and not entry.in_doubt
    assert scripted.names() == ["pay"]
    assert events[0].kind is EventKind.SENDING and events[-1].kind is EventKind.RESULT


@pytest.mark.parametrize(
    "text,reason",
    [
        (CODE[:-1] + str((int(CODE[-1]) + 1) % 10), ErrorCode.CODE_MISREAD),
        ("6901234567892", ErrorCode.NOT_A_PAYMENT_CODE),
    ],
)
async def test_local_refusal_sends_nothing(client, journal, scripted, text, reason):
    s, _ = session(client, journal)
    result = await s.pay(text, 100)
    assert result.outcome is Outcome.NOT_CHARGED and result.reason is reason
    assert scripted.calls == [] and journal.recent_payments() == []


async def test_declined_is_not_charged_with_reason(client, journal, scripted):
    scripted.on("pay", view("FAILED", reason="INSUFFICIENT_BALANCE"))
    s, _ = session(client, journal)
    result = await s.pay(CODE, 100)
    assert result.outcome is Outcome.NOT_CHARGED and result.reason is ErrorCode.INSUFFICIENT_BALANCE
    assert "balance" in result.message().lower()


async def test_pin_wrong_then_right(client, journal, scripted):
    deadline = int(time.time()) + 60
    scripted.on("pay", view("PIN_REQUIRED", pin_deadline=deadline, attempts_left=5))
    scripted.on(
        "confirm",
        view("PIN_REQUIRED", reason="PIN_WRONG", attempts_left=4, pin_deadline=deadline),
        view("SUCCESS"),
    )
    asked = []

    async def pin_source(request):
        asked.append(request)
        return ENVELOPE

    s, events = session(client, journal, pin_source=pin_source)
    result = await s.pay(CODE, 100)
    assert result.paid
    assert [r.attempts_left for r in asked] == [5, 4]
    assert asked[0].trade_ref == f"T-TEST:{result.out_trade_no}"
    assert any(e.kind is EventKind.PIN_WRONG and e.attempts_left == 4 for e in events)
    assert scripted.calls[1][1]["pin_envelope"]["key_id"] == "k"


async def test_locked_pin_takes_sms_code(client, journal, scripted):
    deadline = int(time.time()) + 60
    scripted.on(
        "pay", view("PIN_REQUIRED", reason="PIN_LOCKED", attempts_left=0, pin_deadline=deadline)
    )
    scripted.on("confirm", view("SUCCESS"))

    async def pin_source(request):
        assert request.locked
        return SmsCode("123456")

    s, events = session(client, journal, pin_source=pin_source)
    assert (await s.pay(CODE, 100)).paid
    assert scripted.calls[1][1]["sms_code"] == "123456"
    assert any(e.kind is EventKind.PIN_LOCKED for e in events)


async def test_timeout_then_query_finds_it_paid(client, journal, scripted):
    scripted.on("pay", httpx.ReadTimeout("lost"))
    scripted.on("query", view("PROCESSING"), view("SUCCESS"))
    s, events = session(client, journal)
    result = await s.pay(CODE, 100)
    assert result.paid
    assert scripted.names() == ["pay", "query", "query"]
    assert any(e.kind is EventKind.QUERYING for e in events)


async def test_bad_signature_is_unknown_never_success(client, journal, scripted):
    scripted.on(
        "pay",
        lambda body: httpx.Response(
            200, json={"code": "OK", "nonce": body["nonce"], "data": view("SUCCESS"), "sign": "BAD"}
        ),
    )
    scripted.on("query", view("FAILED", reason="CODE_USED"))
    s, _ = session(client, journal)
    result = await s.pay(CODE, 100)
    assert result.outcome is Outcome.NOT_CHARGED and result.reason is ErrorCode.CODE_USED
    assert scripted.names() == ["pay", "query"]


async def test_answer_for_another_request_is_not_trusted(client, journal, scripted):
    def replayed(body):
        return scripted.answer({**body, "nonce": "0" * 32}, "OK", view("SUCCESS"), 200)

    scripted.on("pay", replayed)
    scripted.on("query", view("CLOSED", reason="TRADE_CLOSED"))
    s, _ = session(client, journal)
    assert not (await s.pay(CODE, 100)).paid


async def test_still_processing_at_deadline_reverses(client, journal, scripted):
    scripted.on("pay", view("PROCESSING"))
    scripted.on("query", view("PROCESSING"))
    scripted.on("cancel", view("CLOSED", reason="CANCELLED"))
    s, _ = session(client, journal)
    result = await s.pay(CODE, 100)
    assert result.outcome is Outcome.NOT_CHARGED and result.reason is ErrorCode.PAYMENT_TIMED_OUT
    assert scripted.names()[-1] == "cancel"
    assert not journal.payment(result.out_trade_no).in_doubt


async def test_trade_not_found_is_reversed(client, journal, scripted):
    scripted.on("pay", httpx.ReadTimeout("lost"))
    scripted.on("query", ErrorCode.TRADE_NOT_FOUND)
    scripted.on("cancel", view("CLOSED"))
    s, _ = session(client, journal)
    result = await s.pay(CODE, 100)
    assert not result.paid and scripted.names() == ["pay", "query", "cancel"]


async def test_unreachable_backend_says_so_at_once(client, journal, scripted):
    scripted.on("pay", httpx.ConnectError("refused"))
    s, _ = session(client, journal)
    result = await s.pay(CODE, 100)
    assert result.outcome is Outcome.NOT_CHARGED and result.reason is ErrorCode.BACKEND_UNREACHABLE
    assert scripted.names() == ["pay"]
    assert "another way to pay" in result.message()


async def test_reverse_retried_until_acknowledged(client, journal, scripted):
    scripted.on("pay", view("PROCESSING"))
    scripted.on("query", view("PROCESSING"))
    scripted.on("cancel", httpx.ReadTimeout("x"), ErrorCode.SYSTEM_ERROR, view("CLOSED"))
    s, _ = session(client, journal)
    result = await s.pay(CODE, 100)
    assert not result.paid and not result.reversal_pending
    assert scripted.names().count("cancel") == 3


async def test_reverse_never_acknowledged_stays_in_doubt(client, journal, scripted):
    scripted.on("pay", view("PROCESSING"))
    scripted.on("query", view("PROCESSING"))
    scripted.on("cancel", httpx.ConnectError("down"))
    s, _ = session(client, journal)
    result = await s.pay(CODE, 100)
    assert not result.paid and result.reversal_pending
    assert "automatically" in result.message()
    assert [e.out_trade_no for e in journal.in_doubt()] == [result.out_trade_no]


async def test_cashier_stop_while_waiting_for_pin_reverses(client, journal, scripted):
    scripted.on("pay", view("PIN_REQUIRED", pin_deadline=int(time.time()) + 60, attempts_left=5))
    scripted.on("cancel", view("CLOSED", reason="CANCELLED"))
    pad_cancelled = asyncio.Event()

    async def pin_source(request):
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            pad_cancelled.set()
            raise

    s, _ = session(client, journal, pin_source=pin_source)
    task = asyncio.create_task(s.pay(CODE, 100))
    await asyncio.sleep(0.05)
    assert s.state is SessionState.WAITING_FOR_PIN
    s.stop()
    result = await task
    assert result.reason is ErrorCode.CANCELLED and not result.paid
    assert pad_cancelled.is_set()
    assert scripted.names() == ["pay", "cancel"]


async def test_customer_cancel_on_pad_reverses(client, journal, scripted):
    scripted.on("pay", view("PIN_REQUIRED", pin_deadline=int(time.time()) + 60))
    scripted.on("cancel", view("CLOSED"))

    async def pin_source(request):
        return None

    s, _ = session(client, journal, pin_source=pin_source)
    result = await s.pay(CODE, 100)
    assert result.reason is ErrorCode.CANCELLED


async def test_broken_pin_pad_reverses(client, journal, scripted):
    scripted.on("pay", view("PIN_REQUIRED", pin_deadline=int(time.time()) + 60))
    scripted.on("cancel", view("CLOSED"))

    async def pin_source(request):
        raise OSError("pad unplugged")

    s, _ = session(client, journal, pin_source=pin_source)
    result = await s.pay(CODE, 100)
    assert result.reason is ErrorCode.PINPAD_FAILED and not result.paid


async def test_lost_confirm_is_queried_and_may_be_paid(client, journal, scripted):
    scripted.on("pay", view("PIN_REQUIRED", pin_deadline=int(time.time()) + 60))
    scripted.on("confirm", httpx.ReadTimeout("lost"))
    scripted.on("query", view("SUCCESS"))

    async def pin_source(request):
        return ENVELOPE

    s, _ = session(client, journal, pin_source=pin_source)
    assert (await s.pay(CODE, 100)).paid
    assert scripted.names() == ["pay", "confirm", "query"]


async def test_settle_in_doubt_entries(client, journal, scripted):
    journal.begin_payment("P1000001", amount_fen=100, issuer="points", code_masked="x")
    journal.begin_payment("P1000002", amount_fen=200, issuer="points", code_masked="y")
    journal.set_state("P1000002", SessionState.WAITING_FOR_PIN)
    scripted.on(
        "query",
        lambda body: (
            view("SUCCESS", amount_fen=100)
            if body["out_trade_no"] == "P1000001"
            else view("PIN_REQUIRED", amount_fen=200)
        ),
    )
    scripted.on("cancel", view("CLOSED", amount_fen=200))
    results = (
        await PaymentSession.settle(client, journal, journal.payment("P1000001"), profile=FAST),
        await PaymentSession.settle(client, journal, journal.payment("P1000002"), profile=FAST),
    )
    assert [r.outcome for r in results] == [Outcome.PAID, Outcome.NOT_CHARGED]
    assert journal.in_doubt() == []


def test_transition_table_is_closed_and_final_states_are_ends():
    assert set(TRANSITIONS) == set(SessionState)
    for state, nexts in TRANSITIONS.items():
        assert nexts <= set(SessionState)
        assert (not nexts) == state.is_final


def test_illegal_move_raises(client, journal):
    s, _ = session(client, journal)
    with pytest.raises(IllegalTransition):
        s._move(SessionState.CONFIRMING)
