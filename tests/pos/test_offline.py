"""Offline honesty and unknown outcomes: the till never pretends, and always ends definite."""

from __future__ import annotations

from pos_client.screens.result import ResultScreen, TenderResultScreen
from pos_client.screens.sale import SaleScreen
from terminal_sdk.shift import shift_report

from .faults import LosingProxy
from .pilot import closed_port_url, scan, screen_text, wait_for_screen, wait_for_text


async def test_backend_down_says_so_offers_cash_and_charges_nothing(tills):
    member = tills.backend.member(points=10_000)
    config = tills.config(url=closed_port_url())  # nothing listens there
    app = await tills.app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        text = await wait_for_text(pilot, "PAYMENT SERVICE UNREACHABLE")
        assert "backend UNREACHABLE" in text
        await pilot.press(*"12.50", "enter")
        scan(app, member.code())
        await wait_for_screen(pilot, ResultScreen)
        text = screen_text(app)
        assert "N O T   C H A R G E D" in text
        assert "Cannot reach the payment service. Nothing was charged" in text
        await pilot.press("f5")  # take cash instead
        await wait_for_screen(pilot, TenderResultScreen)
        assert "Take CNY 12.50 by cash." in screen_text(app)
        assert app.terminal is not None
        cash = shift_report(app.terminal.journal).totals["cash"]
        assert (cash.sales, cash.sales_fen) == (1, 1250)
    assert member.account()["balance_points"] == 10_000


async def test_a_lost_answer_is_queried_and_the_payment_is_paid_once(tills):
    member = tills.backend.member(points=10_000)
    proxy = LosingProxy(tills.backend.url)
    url = await proxy.start()
    proxy.lose["/v1/pay"] = 1
    try:
        app = await tills.app(tills.config(url=url))
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_screen(pilot, SaleScreen, within=15)
            await pilot.press(*"20", "enter")
            scan(app, member.code())
            await wait_for_text(pilot, "CHECKING THE RESULT")
            await wait_for_screen(pilot, ResultScreen)
            assert "P A I D" in screen_text(app)
    finally:
        await proxy.close()
    calls = [path for path in proxy.seen if path not in ("/v1/echo", "/v1/heartbeat")]
    assert calls[:2] == ["/v1/pay", "/v1/query"]
    assert "/v1/cancel" not in calls
    assert member.account()["balance_points"] == 8_000
