"""PIN payments end to end: the till, the real backend, and the simulated PIN pad driver.

The pad is ``drivers.pinpad``'s ``sim:`` pad, configured by URL as a real one
would be: it seals each scripted PIN with the backend's key on its own side.
"""

from __future__ import annotations

from pos_client.screens.payment import PaymentScreen
from pos_client.screens.result import ResultScreen

from .pilot import scan, screen_text, sell, wait_for, wait_for_screen, wait_for_text


def pad_shown(app) -> list[str]:
    """What the simulated PIN pad showed the customer."""
    return list(app.pad.pad.shown)


async def test_pin_payment_blocks_mirrors_the_digits_and_pays(tills):
    member = tills.backend.member(points=50_000)
    member.set_limit(0)  # every payment needs the PIN
    app = await tills.app(tills.config(pinpad="sim:?pins=123456&delay=3"))
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, "30")
        scan(app, member.code())
        await wait_for_text(pilot, "WAITING FOR THE CUSTOMER'S PIN")
        text = await wait_for_text(pilot, "● ● ○ ○ ○ ○")  # two digits typed so far
        assert "CNY 30.00" in text and "Time left:" in text and "Attempts left: 5" in text
        assert "123456" not in text  # the digits never reach the till
        await pilot.press("enter", "f5")  # nothing else ends the waiting state
        assert isinstance(app.screen, PaymentScreen)
        await wait_for_screen(pilot, ResultScreen)
        assert "P A I D" in screen_text(app)
        await wait_for(pilot, lambda: pad_shown(app)[-1] == "Paid.")
    assert pad_shown(app)[0] == "CNY 30.00 - Enter PIN (5 tries left)"
    assert member.account()["balance_points"] == 47_000


async def test_a_wrong_pin_shows_the_attempts_left_and_the_customer_tries_again(tills):
    member = tills.backend.member(points=50_000)
    member.set_limit(0)
    app = await tills.app(tills.config(pinpad="sim:?pins=000000,123456"))
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, "30")
        scan(app, member.code())
        await wait_for_screen(pilot, ResultScreen)
        assert "P A I D" in screen_text(app)
    assert "CNY 30.00 - Enter PIN (4 tries left)" in pad_shown(app)
    assert member.account()["balance_points"] == 47_000


async def test_a_locked_pin_is_replaced_by_the_sms_code_the_cashier_types(tills):
    member = tills.backend.member(points=50_000)
    member.set_limit(0)
    # five wrong PINs lock PIN payments
    app = await tills.app(tills.config(pinpad="sim:?pins=000000"))
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, "30")
        scan(app, member.code())
        await wait_for_text(pilot, "PIN payments are locked", within=20)
        code = tills.backend.operator.last_sms_code(member.member_no, "pay")
        await pilot.press("f7", *code, "enter")
        await wait_for_screen(pilot, ResultScreen)
        assert "P A I D" in screen_text(app)
    prompts = [text for text in pad_shown(app) if "Enter PIN" in text]
    assert len(prompts) == 5  # the pad is not asked again once locked
    assert member.account()["balance_points"] == 47_000


async def test_stopping_a_waiting_payment_reverses_it(tills):
    member = tills.backend.member(points=50_000)
    member.set_limit(0)
    app = await tills.app(tills.config(pinpad="sim:?pins=timeout"))
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, "30")
        scan(app, member.code())
        await wait_for_text(pilot, "WAITING FOR THE CUSTOMER'S PIN")
        await pilot.press("escape")
        await wait_for_screen(pilot, ResultScreen)
        text = screen_text(app)
        assert "N O T   C H A R G E D" in text
        assert "The payment was stopped; nothing was charged." in text
        assert pad_shown(app)[-2:] == ["", "The payment was stopped; nothing was charged."]
    assert member.account()["balance_points"] == 50_000


async def test_a_pin_pad_that_is_not_there_leaves_the_sms_code(tills, tmp_path):
    member = tills.backend.member(points=50_000)
    member.set_limit(0)
    # the till serves the virtual pad's socket, but no pad app has connected to it
    config = tills.config(pinpad=f"socket://{tmp_path / 'pad.sock'}")
    app = await tills.app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, "30")
        assert "PIN pad ✗" in screen_text(app)
        scan(app, member.code())
        await wait_for_text(pilot, "The PIN pad is not answering: ask the customer for the SMS")
        code = member.request_sms("pay")  # the customer asks the wallet for a payment code
        await pilot.press("f7", *code, "enter")
        await wait_for_screen(pilot, ResultScreen)
        assert "P A I D" in screen_text(app)
    assert member.account()["balance_points"] == 47_000
