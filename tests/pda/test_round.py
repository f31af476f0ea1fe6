"""The courier's round on the handheld: today's orders with amounts and status, picked by key."""

from __future__ import annotations

from pda_client.screens.order import OrderScreen
from pda_client.screens.orders import OrdersScreen

from .pilot import screen_text, wait_for_screen, wait_for_text


async def test_the_handheld_lists_todays_orders_and_opens_one_by_its_number(handhelds):
    courier = handhelds.courier
    courier.order("Li Wei", 6_800, address="8 Park Road")
    courier.order("Wang Fang", 1_550)
    courier.order("Tomorrow's", 900, day="2099-01-01")
    app = await handhelds.app()
    async with app.run_test(size=(40, 20)) as pilot:
        await wait_for_screen(pilot, OrdersScreen)
        text = await wait_for_text(pilot, "Wang Fang")
        assert "1 Li Wei" in text and "CNY 68.00" in text
        assert "2 Wang Fang" in text and "CNY 15.50" in text
        assert "Tomorrow" not in text
        assert "2 orders, 2 left" in text
        assert "Chen Jie" in text  # the courier, in the title
        await pilot.press("2")
        screen = await wait_for_screen(pilot, OrderScreen)
        text = screen_text(app)
        assert "Wang Fang" in text and "To pay: CNY 15.50" in text and "TO COLLECT" in text
        assert screen.order_no in text
        await pilot.press("escape")
        await wait_for_screen(pilot, OrdersScreen)
        await pilot.press("up", "enter")  # arrows and Enter work too
        screen = await wait_for_screen(pilot, OrderScreen)
        assert "Li Wei" in screen_text(app) and "8 Park Road" in screen_text(app)
