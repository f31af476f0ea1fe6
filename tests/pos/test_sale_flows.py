"""The cashier's sale, end to end: the till under Textual's pilot, the real backend on loopback.

Each test is one flow the issue lists; the customer is a real member whose
payment code comes from the member API, and the balances are checked at the
backend afterwards, not only on the screen.
"""

from __future__ import annotations

import asyncio

from pos_client.screens.result import ResultScreen
from pos_client.screens.sale import SaleScreen

from .pilot import scan, screen_text, sell, wait_for_screen, wait_for_text


async def test_no_pin_payment_with_points_shows_paid_and_the_balance_left(tills):
    member = tills.backend.member(points=10_000)
    app = await tills.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, "12.50")
        scan(app, member.code())
        await wait_for_screen(pilot, ResultScreen)
        text = screen_text(app)
        assert "P A I D" in text
        assert "Points used: 1,250 points" in text
        assert "Balance left: 8,750 points" in text
        await pilot.press("enter")  # next sale: the form is empty again
        sale = await wait_for_screen(pilot, SaleScreen)
        assert sale.query_one("#amount").value == ""
    assert member.account()["balance_points"] == 8_750


async def test_an_expired_code_is_not_charged_and_says_so(tills, short_lived):
    member = short_lived.member(points=10_000)
    code = member.code()
    await asyncio.sleep(1.5)  # the code lives 1 s on that server
    app = await tills.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, "5")
        scan(app, code)
        await wait_for_screen(pilot, ResultScreen)
        text = screen_text(app)
        assert "N O T   C H A R G E D" in text
        assert "This payment code has expired. Ask the customer to refresh it." in text
    assert member.account()["balance_points"] == 10_000


async def test_a_used_code_is_not_charged_twice(tills):
    member = tills.backend.member(points=10_000)
    code = member.code()
    app = await tills.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, "5")
        scan(app, code)
        await wait_for_screen(pilot, ResultScreen)
        await pilot.press("enter")
        await sell(pilot, "6")
        scan(app, code)
        await wait_for_text(pilot, "N O T   C H A R G E D")
        assert "This payment code was already used." in screen_text(app)
    assert member.account()["balance_points"] == 9_500


async def test_insufficient_balance_is_not_charged_and_a_smaller_points_part_then_pays(tills):
    member = tills.backend.member(points=800)
    app = await tills.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, "12.50")
        scan(app, member.code())
        await wait_for_screen(pilot, ResultScreen)
        assert "Not enough balance in the customer's account." in screen_text(app)
        await pilot.press("escape")  # back to the same sale, the amount kept
        sale = await wait_for_screen(pilot, SaleScreen)
        assert sale.query_one("#amount").value == "12.50"
        sale.query_one("#code-part").focus()
        await pilot.press(*"8")
        scan(app, member.code())
        await wait_for_screen(pilot, ResultScreen)
        text = screen_text(app)
        assert "P A I D" in text and "Take the remainder: CNY 4.50" in text
    assert member.account()["balance_points"] == 0


async def test_the_remainder_by_wallet_code_a_declined_wallet_then_the_card_pays_it(tills):
    member = tills.backend.member(points=1_000, card_fen=5_000)
    app = await tills.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, "12.50", "10")
        await pilot.press("f4", "f4")  # the remainder by a (second) wallet code
        await wait_for_text(pilot, "Remainder: CNY 2.50 by wallet code")
        scan(app, member.code())
        await wait_for_text(pilot, "Remainder CNY 2.50: scan the customer's wallet code now")
        scan(app, "134567890123456789")  # a WeChat Pay code: this store takes none
        text = await wait_for_text(pilot, "This wallet is not accepted here.")
        assert "The points part is paid. Remainder CNY 2.50" in text
        scan(app, member.code("card"))  # the customer's stored-value card instead
        text = await wait_for_text(pilot, "P A I D")
        assert "Card balance left: CNY 47.50" in text
        await pilot.press("enter")
        await wait_for_screen(pilot, SaleScreen)
    account = member.account()
    assert (account["balance_points"], account["balance_card_fen"]) == (0, 4_750)
