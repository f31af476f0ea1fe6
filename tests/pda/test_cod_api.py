"""The COD endpoints through the SDK's signed client, against the real backend (SQLite and PG).

A courier's PDA sees exactly that courier's orders for the day with their
status; an order paid through the ordinary ``pay`` (linked by its
description) shows PAID; a sign-off names who took the parcel and its
payment, is idempotent on the order, and refuses a payment that is not the
order's.
"""

from __future__ import annotations

import json

import pytest

from protocol.errors import ErrorCode, RequestRejected
from protocol.models import CodStatus, TerminalKind, cod_trade_description
from terminal_sdk.client import ScanPayClient, enrol
from tests.harness import unique

from .couriers import Courier, today


@pytest.fixture
async def courier_pda(backend):
    courier = Courier.make(backend)
    creds = await courier.enrol_pda()
    async with ScanPayClient(backend.url, creds) as client:
        yield courier, client


async def pay_order(client: ScanPayClient, code: str, order: dict, amount_fen: int | None = None):
    return await client.pay(
        out_trade_no=unique("P"),
        payment_code=code,
        amount_fen=amount_fen or order["amount_fen"],
        description=cod_trade_description(order["order_no"]),
    )


async def test_the_pda_lists_its_couriers_orders_for_the_day_only(courier_pda, backend):
    courier, client = courier_pda
    first = courier.order("Li Wei", 6_800, address="8 Park Road")
    second = courier.order("Wang Fang", 1_550)
    courier.order("Tomorrow", 999, day="2099-01-01")
    Courier.make(backend).order("Someone else's", 500)

    page = await client.cod_orders(today())

    assert page.courier_id == courier.courier_id and page.courier_name == "Chen Jie"
    assert [o.order_no for o in page.orders] == [first["order_no"], second["order_no"]]
    assert page.orders[0].recipient == "Li Wei" and page.orders[0].address == "8 Park Road"
    assert page.orders[0].amount_fen == 6_800
    assert {o.status for o in page.orders} == {CodStatus.TO_COLLECT}
    assert [o.order_no for o in (await client.cod_orders("2099-01-01")).orders] != []


async def test_a_pda_of_no_courier_has_no_orders(backend):
    code = backend.operator.activation_code("pda")
    creds = await enrol(backend.url, code, kind=TerminalKind.PDA)
    async with ScanPayClient(backend.url, creds) as client:
        page = await client.cod_orders()
        assert page.courier_id is None and page.orders == []
        with pytest.raises(RequestRejected) as refused:
            await client.cod_sign_off("COD12345", "Li Wei", paid_cash=True)
        assert refused.value.code is ErrorCode.ORDER_NOT_FOUND


async def test_a_paid_order_shows_paid_and_signs_off_with_its_payment(courier_pda, backend):
    courier, client = courier_pda
    order = courier.order("Li Wei", 6_800)
    member = backend.member(points=10_000)
    trade = await pay_order(client, member.code(), order)
    assert trade.state.value == "SUCCESS"

    listed = (await client.cod_orders()).orders[0]
    assert listed.status is CodStatus.PAID and listed.out_trade_no == trade.out_trade_no

    done = await client.cod_sign_off(
        order["order_no"], "  Li Wei  ", out_trade_no=trade.out_trade_no
    )
    assert done.status is CodStatus.SIGNED_OFF and done.signed_by == "Li Wei"
    assert done.out_trade_no == trade.out_trade_no and not done.paid_cash
    # the same sign-off again (a retry from the queue) gets the same answer
    again = await client.cod_sign_off(order["order_no"], "Li Wei", out_trade_no=trade.out_trade_no)
    assert again == done
    # a different one is refused: the first stands
    with pytest.raises(RequestRejected) as refused:
        await client.cod_sign_off(order["order_no"], "Neighbour", out_trade_no=trade.out_trade_no)
    assert refused.value.code is ErrorCode.ORDER_ALREADY_SIGNED_OFF
    assert courier.orders()[order["order_no"]]["signed_by"] == "Li Wei"
    assert member.account()["balance_points"] == 10_000 - 6_800


async def test_cash_sign_off(courier_pda):
    courier, client = courier_pda
    order = courier.order("Zhao Lei", 4_200)
    done = await client.cod_sign_off(order["order_no"], "Zhao Lei", paid_cash=True)
    assert done.status is CodStatus.SIGNED_OFF and done.paid_cash and done.out_trade_no is None
    assert courier.orders()[order["order_no"]]["status"] == "SIGNED_OFF"


@pytest.mark.parametrize("problem", ["wrong-amount", "other-order", "unknown", "paid-wallet"])
async def test_a_sign_off_with_a_payment_that_is_not_the_orders_is_refused(
    courier_pda, backend, problem
):
    courier, client = courier_pda
    order = courier.order("Li Wei", 6_800)
    member = backend.member(points=100_000)
    if problem == "wrong-amount":
        trade = await pay_order(client, member.code(), order, amount_fen=6_000)
        kwargs = {"out_trade_no": trade.out_trade_no}
    elif problem == "other-order":
        other = courier.order("Li Wei", 6_800)
        trade = await pay_order(client, member.code(), other)
        kwargs = {"out_trade_no": trade.out_trade_no}
    elif problem == "unknown":
        kwargs = {"out_trade_no": unique("P")}
    else:  # paid from the wallet, then signed off as cash: that would take the money twice
        await pay_order(client, member.code(), order)
        kwargs = {"paid_cash": True}
    with pytest.raises(RequestRejected) as refused:
        await client.cod_sign_off(order["order_no"], "Li Wei", **kwargs)
    assert refused.value.code is ErrorCode.ORDER_PAYMENT_MISMATCH
    assert courier.orders()[order["order_no"]]["signed_off_at"] is None


async def test_another_couriers_order_cannot_be_signed_off(courier_pda, backend):
    _, client = courier_pda
    theirs = Courier.make(backend).order("Li Wei", 500)
    with pytest.raises(RequestRejected) as refused:
        await client.cod_sign_off(theirs["order_no"], "Li Wei", paid_cash=True)
    assert refused.value.code is ErrorCode.ORDER_NOT_FOUND


async def test_a_sign_off_names_someone_and_exactly_one_payment(courier_pda):
    courier, client = courier_pda
    order = courier.order("Li Wei", 500)
    for kwargs in ({}, {"paid_cash": True, "out_trade_no": unique("P")}):
        with pytest.raises(RequestRejected) as refused:
            await client.cod_sign_off(order["order_no"], "Li Wei", **kwargs)
        assert refused.value.code is ErrorCode.BAD_REQUEST
    with pytest.raises(RequestRejected) as refused:
        await client.cod_sign_off(order["order_no"], "   ", paid_cash=True)
    assert refused.value.code is ErrorCode.BAD_REQUEST


async def test_seed_demo_gives_the_demo_pda_todays_round(backend):
    """The PDA enrolled with seed-demo's code lists the demo round; one needs the PIN."""
    seeded = backend.seeded
    code = next(c for c in seeded["activation_codes"] if c["kind"] == "pda")["activation_code"]
    creds = await enrol(backend.url, code, kind=TerminalKind.PDA)
    async with ScanPayClient(backend.url, creds) as client:
        page = await client.cod_orders()
    assert page.courier_id == seeded["courier_id"]
    assert [o.order_no for o in page.orders] == [o["order_no"] for o in seeded["deliveries"]]
    assert all(o.recipient and o.amount_fen > 0 for o in page.orders)
    no_pin_limit_fen = 20_000  # the system's default
    assert sum(o.amount_fen > no_pin_limit_fen for o in page.orders) == 1
    # seeding again the same day adds no second round, and the orders stay this courier's
    again = backend.server.run_cli("seed-demo", "--json")
    assert '"deliveries"' in again.stdout
    async with ScanPayClient(backend.url, creds) as client:
        assert len((await client.cod_orders()).orders) == len(page.orders)


def test_operator_commands_make_a_courier_and_orders(backend):
    run = backend.server.run_cli
    made = json.loads(run("courier", "CLI1", "--name", "Sun Li", "--json").stdout)
    assert made["courier_id"] == "CLI1" and made["activation_code"]
    order = json.loads(
        run(
            "cod-order", "--courier", "CLI1", "--recipient", "Ma Jun", "--amount", "12.5", "--json"
        ).stdout
    )
    assert order["amount_fen"] == 1_250 and order["status"] == "TO_COLLECT"
    listed = run("cod-orders", "--courier", "CLI1").stdout
    assert order["order_no"] in listed and "CNY 12.50" in listed and "TO_COLLECT" in listed
    refused = run(
        "cod-order", "--courier", "NOBODY", "--recipient", "X", "--amount", "1", check=False
    )
    assert refused.returncode == 2 and "no courier 'NOBODY'" in refused.stderr
