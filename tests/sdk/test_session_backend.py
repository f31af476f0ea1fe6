"""Payment sessions against the real backend on loopback, with faults in between.

Every path must end PAID or NOT_CHARGED on the terminal, and the backend's
ledger must agree: the member's balance moves by exactly the PAID trades.
"""

from __future__ import annotations

import asyncio

import pytest

from protocol.errors import ErrorCode
from protocol.pin import seal_pin
from terminal_sdk.session import Outcome, PinRequest, SmsCode

from .faults import Fault


def only(endpoint: str, fault: Fault, times: int = 1):
    """A plan that spoils the first ``times`` calls of ``endpoint``."""
    left = {"n": times}

    def plan(name, body):
        if name == endpoint and left["n"] > 0:
            left["n"] -= 1
            return fault
        return None

    return plan


def pin_pad(*pins: str):
    """A PIN pad where the customer types these PINs in turn (sealed on the pad's side)."""
    queue = list(pins)
    asked: list[PinRequest] = []

    async def source(request: PinRequest):
        asked.append(request)
        return seal_pin(queue.pop(0), request.trade_ref, request.pin_public_key.encode())

    source.asked = asked  # type: ignore[attr-defined]
    return source


def points(member) -> int:
    return int(member.account()["balance_points"])


async def test_no_pin_payment(backend_sqlite, make_terminal):
    member = backend_sqlite.member(points=5000)
    terminal = make_terminal()
    result = await terminal.session().pay(member.code(), 1200)
    assert result.outcome is Outcome.PAID
    assert result.trade.points == 1200 and result.trade.balance_points == 3800
    assert points(member) == 3800


async def test_pin_wrong_then_right(backend_sqlite, make_terminal):
    member = backend_sqlite.member(points=100_000, pin="246810")
    terminal = make_terminal()
    pad = pin_pad("111111", "246810")
    result = await terminal.session(pin_source=pad).pay(member.code(), 30_000)
    assert result.paid
    assert [r.attempts_left for r in pad.asked][1] == 4  # one wrong PIN counted
    assert points(member) == 70_000


async def test_sms_code_instead_of_pin(backend_sqlite, make_terminal):
    member = backend_sqlite.member(points=100_000)

    async def read_out(request: PinRequest):
        return SmsCode(backend_sqlite.operator.last_sms_code(member.member_no, "pay"))

    result = await make_terminal().session(pin_source=read_out).pay(member.code(), 25_000)
    assert result.paid and points(member) == 75_000


@pytest.mark.parametrize("fault", [Fault.LOSE, Fault.CUT, Fault.BAD_GATEWAY, Fault.TAMPER])
async def test_pay_answer_spoiled_after_the_backend_committed(backend_sqlite, make_terminal, fault):
    member = backend_sqlite.member(points=5000)
    terminal = make_terminal(only("pay", fault))
    result = await terminal.session().pay(member.code(), 700)
    assert result.paid  # the query found it
    assert points(member) == 4300  # charged once


async def test_confirm_answer_lost(backend_sqlite, make_terminal):
    member = backend_sqlite.member(points=100_000)
    terminal = make_terminal(only("confirm", Fault.LOSE))
    result = await terminal.session(pin_source=pin_pad("123456")).pay(member.code(), 30_000)
    assert result.paid and points(member) == 70_000


async def test_backend_unreachable_says_so_at_once(backend_sqlite, make_terminal):
    member = backend_sqlite.member(points=5000)
    terminal = make_terminal(url="http://127.0.0.1:9")  # nothing listens on the discard port
    result = await terminal.session().pay(member.code(), 700)
    assert result.outcome is Outcome.NOT_CHARGED
    assert result.reason is ErrorCode.BACKEND_UNREACHABLE
    assert not result.reversal_pending and points(member) == 5000


async def test_queries_lost_until_the_deadline_reverse_the_charge(backend_sqlite, make_terminal):
    member = backend_sqlite.member(points=5000)

    def plan(name, body):
        return Fault.LOSE if name in ("pay", "query") else None

    terminal = make_terminal(plan)
    result = await terminal.session().pay(member.code(), 700)
    assert result.outcome is Outcome.NOT_CHARGED and result.reason is ErrorCode.PAYMENT_TIMED_OUT
    assert points(member) == 5000  # the reverse gave the deduction back
    state = (await make_terminal().client.query(result.out_trade_no)).state
    assert state == "CLOSED"


async def test_cashier_stops_while_waiting_for_the_pin(backend_sqlite, make_terminal):
    member = backend_sqlite.member(points=100_000)
    waiting = asyncio.Event()

    async def slow_customer(request: PinRequest):
        waiting.set()
        await asyncio.sleep(60)

    terminal = make_terminal()
    session = terminal.session(pin_source=slow_customer)
    code = member.code()
    task = asyncio.create_task(session.pay(code, 30_000))
    await asyncio.wait_for(waiting.wait(), 10)
    session.stop()
    result = await task
    assert result.outcome is Outcome.NOT_CHARGED and result.reason is ErrorCode.CANCELLED
    again = await terminal.session().pay(code, 100)  # the code was spent by the stopped trade
    assert again.reason is ErrorCode.CODE_USED
    assert points(member) == 100_000
    assert again.out_trade_no != result.out_trade_no


async def test_refund_answer_lost_is_resent_with_the_same_number(backend_sqlite, make_terminal):
    member = backend_sqlite.member(points=5000)
    terminal = make_terminal(only("refund", Fault.LOSE))
    paid = await terminal.session().pay(member.code(), 1000)
    refunded = await terminal.refund(paid.out_trade_no, 400)
    assert refunded.done and refunded.view.trade.refunded_fen == 400
    assert points(member) == 4400  # refunded once, not twice


async def test_backend_restart_mid_session(backend_sqlite, make_terminal):
    member = backend_sqlite.member(points=5000)
    sibling = backend_sqlite.sibling(backend_sqlite.server.data_dir)  # same database
    try:
        restarted = asyncio.Event()
        started: list[asyncio.Task[None]] = []

        async def restart():
            await asyncio.to_thread(sibling.server.stop)
            await asyncio.sleep(0.5)
            await asyncio.to_thread(sibling.server.start)
            restarted.set()

        def plan(name, body):
            if name == "pay":
                return Fault.LOSE  # committed, answer lost...
            if name == "query" and not restarted.is_set():
                if not started:  # ...and the backend goes down before the first query
                    started.append(asyncio.get_running_loop().create_task(restart()))
                return Fault.REFUSE  # down until it is back, however long that takes
            return None

        terminal = make_terminal(plan, url=sibling.url)
        terminal.profile = terminal.profile.scaled(4)  # the restart takes a moment
        result = await terminal.session().pay(member.code(), 900)
        assert restarted.is_set()
        assert result.paid and points(member) == 4100
    finally:
        sibling.close()
