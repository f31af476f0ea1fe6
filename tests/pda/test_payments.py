"""Payment at the door, end to end: the handheld under the pilot, the real backend on loopback.

The customer is a real member whose payment code comes from the member API;
what the backend did (balances, the order's status, the trade behind it) is
checked at the backend, not only on the screen.
"""

from __future__ import annotations

import dataclasses
import logging

import pytest

from pda_client.screens.order import OrderScreen
from pda_client.screens.orders import OrdersScreen
from pda_client.screens.payment import PaymentScreen
from pda_client.screens.result import ResultScreen
from pda_client.screens.signoff import SignOffScreen
from pda_client.widgets.pinentry import PinEntry
from terminal_sdk.credentials import CredentialStore

from .pilot import flat, scan, screen_text, wait_for, wait_for_screen, wait_for_text

ABOVE_LIMIT_FEN = 26_800  # the system's no-PIN limit is CNY 200.00


async def open_first_order(pilot):
    await wait_for_screen(pilot, OrdersScreen)
    await wait_for_text(pilot, "1 ")
    await wait_for(pilot, lambda: pilot.app.started, what="start-up")
    await pilot.press("1")
    return await wait_for_screen(pilot, OrderScreen)


async def wait_for_pin_entry(pilot):
    screen = await wait_for_screen(pilot, PaymentScreen)
    await wait_for(pilot, lambda: screen.query_one("#pin", PinEntry).has_focus, what="PIN entry")
    await wait_for_text(pilot, "Customer: type your PIN")
    return screen


async def test_no_pin_payment_then_sign_off(handhelds):
    courier = handhelds.courier
    order = courier.order("Li Wei", 6_800)
    member = handhelds.backend.member(points=10_000)
    app = await handhelds.app()
    async with app.run_test(size=(40, 20)) as pilot:
        await open_first_order(pilot)
        scan(app, member.code())
        await wait_for_screen(pilot, ResultScreen)
        text = screen_text(app)
        assert "P A I D" in text and "The customer has paid." in text
        assert "Points used: 6,800 points" in text
        assert courier.orders()[order["order_no"]]["status"] == "PAID"
        await pilot.press("enter")
        signoff = await wait_for_screen(pilot, SignOffScreen)
        assert signoff.query_one("#recipient").value == "Li Wei"  # filled in: Enter is enough
        await pilot.press("enter")
        await wait_for_text(pilot, "SIGNED OFF")
        await pilot.press("enter")
        await wait_for_screen(pilot, OrdersScreen)
        await wait_for_text(pilot, "signed off")
    at_backend = courier.orders()[order["order_no"]]
    assert at_backend["status"] == "SIGNED_OFF" and at_backend["signed_by"] == "Li Wei"
    assert at_backend["out_trade_no"] and not at_backend["paid_cash"]
    assert member.account()["balance_points"] == 10_000 - 6_800


async def test_pin_typed_on_the_handheld_is_taken_by_the_backend(handhelds, caplog):
    caplog.set_level(logging.DEBUG)
    courier = handhelds.courier
    order = courier.order("Li Wei", ABOVE_LIMIT_FEN)
    member = handhelds.backend.member(points=50_000, pin="123456")
    app = await handhelds.app()
    async with app.run_test(size=(40, 20)) as pilot:
        await open_first_order(pilot)
        scan(app, member.code())
        await wait_for_pin_entry(pilot)
        assert "PIN NEEDED" in screen_text(app) and "Customer: type your PIN" in screen_text(app)
        await pilot.press("1", "2", "3")
        text = await wait_for_text(pilot, "● ● ● ○ ○ ○")
        assert "123" not in text  # dots, never the digits
        await pilot.press("4", "5", "6", "enter")
        await wait_for_screen(pilot, ResultScreen)
        assert "P A I D" in screen_text(app)
    assert member.account()["balance_points"] == 50_000 - ABOVE_LIMIT_FEN
    assert courier.orders()[order["order_no"]]["status"] == "PAID"
    assert "123456" not in caplog.text  # the PIN is in no log line


async def test_esc_while_the_customer_types_stops_and_nothing_is_charged(handhelds):
    courier = handhelds.courier
    order = courier.order("Li Wei", ABOVE_LIMIT_FEN)
    member = handhelds.backend.member(points=50_000)
    app = await handhelds.app()
    async with app.run_test(size=(40, 20)) as pilot:
        await open_first_order(pilot)
        scan(app, member.code())
        await wait_for_pin_entry(pilot)
        await pilot.press("1", "2", "escape")
        await wait_for_screen(pilot, ResultScreen)
        text = flat(screen_text(app))
        assert "NOT CHARGED" in text and "The payment was stopped; nothing was charged." in text
    assert member.account()["balance_points"] == 50_000
    assert courier.orders()[order["order_no"]]["status"] == "TO_COLLECT"


async def test_wrong_pin_then_the_right_one(handhelds):
    courier = handhelds.courier
    courier.order("Li Wei", ABOVE_LIMIT_FEN)
    member = handhelds.backend.member(points=50_000, pin="123456")
    app = await handhelds.app()
    async with app.run_test(size=(40, 20)) as pilot:
        await open_first_order(pilot)
        scan(app, member.code())
        await wait_for_pin_entry(pilot)
        await pilot.press(*"999999", "enter")
        await wait_for_text(pilot, "Wrong PIN. Tries left: 4")
        await wait_for_pin_entry(pilot)
        await pilot.press(*"123456", "enter")
        await wait_for_screen(pilot, ResultScreen)
        assert "P A I D" in screen_text(app)
    account = member.account()
    assert account["balance_points"] == 50_000 - ABOVE_LIMIT_FEN


async def test_sms_code_read_out_and_typed_by_the_courier(handhelds):
    courier = handhelds.courier
    courier.order("Li Wei", ABOVE_LIMIT_FEN)
    member = handhelds.backend.member(points=50_000)
    app = await handhelds.app()
    async with app.run_test(size=(40, 20)) as pilot:
        await open_first_order(pilot)
        scan(app, member.code())
        await wait_for_pin_entry(pilot)
        await pilot.press("f3")
        await wait_for_text(pilot, "Type the SMS code")
        sms = handhelds.backend.operator.last_sms_code(member.member_no, "pay")
        await pilot.press(*sms, "enter")
        await wait_for_screen(pilot, ResultScreen)
        assert "P A I D" in screen_text(app)
    assert member.account()["balance_points"] == 50_000 - ABOVE_LIMIT_FEN


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("balance", "Not enough balance in the customer's account."),
        ("used", "This payment code was already used."),
        ("misread", "The code was misread. Please scan it again."),
    ],
)
async def test_not_charged_says_why_and_offers_cash(handhelds, case, words):
    courier = handhelds.courier
    order = courier.order("Wang Fang", 6_800)
    member = handhelds.backend.member(points=100 if case == "balance" else 10_000)
    code = member.code()
    if case == "used":
        handhelds.backend.terminal().pay(code, 100)
    elif case == "misread":
        code = code[:-1] + str((int(code[-1]) + 1) % 10)
    app = await handhelds.app()
    async with app.run_test(size=(40, 20)) as pilot:
        await open_first_order(pilot)
        scan(app, code)
        await wait_for_screen(pilot, ResultScreen)
        text = screen_text(app)
        assert "NOT CHARGED" in text and words in flat(text)
        assert "Cash instead" in text and "Scan again" in text
        await pilot.press("f2")  # the customer pays cash instead
        await wait_for_screen(pilot, SignOffScreen)
        assert "Collect CNY 68.00 in cash." in screen_text(app)
        await pilot.press("enter")
        await wait_for_text(pilot, "SIGNED OFF")
    at_backend = courier.orders()[order["order_no"]]
    assert at_backend["status"] == "SIGNED_OFF" and at_backend["paid_cash"]
    spent_before = 100 if case == "used" else 0  # the other till's payment with that code
    left = 100 if case == "balance" else 10_000 - spent_before
    assert member.account()["balance_points"] == left


async def test_a_pin_that_cannot_be_sealed_reverses_the_payment(handhelds):
    """A handheld without a usable PIN key never sends the PIN: the trade is reversed."""
    courier = handhelds.courier
    courier.order("Li Wei", ABOVE_LIMIT_FEN)
    member = handhelds.backend.member(points=50_000)
    config = handhelds.config()
    await handhelds.enrol(config)
    store = CredentialStore(config.credentials_file)
    store.save(dataclasses.replace(store.load(), pin_public_key="not a key"))
    app = await handhelds.app(config)
    async with app.run_test(size=(40, 20)) as pilot:
        await open_first_order(pilot)
        scan(app, member.code())
        await wait_for_pin_entry(pilot)
        await pilot.press(*"123456", "enter")
        await wait_for_screen(pilot, ResultScreen)
        text = flat(screen_text(app))
        assert "NOT CHARGED" in text and "nothing was charged" in text
    assert member.account()["balance_points"] == 50_000
