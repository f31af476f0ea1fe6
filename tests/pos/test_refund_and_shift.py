"""Refunds by payment number (partial, then the rest) and the shift's X and Z reports."""

from __future__ import annotations

from pos_client.screens.refund import RefundScreen
from pos_client.screens.result import ResultScreen, TenderResultScreen
from pos_client.screens.sale import SaleScreen
from pos_client.screens.shift import ShiftScreen

from .pilot import scan, wait_for, wait_for_screen, wait_for_text


async def test_refund_shows_the_trade_first_then_refunds_part_and_then_the_rest(tills):
    member = tills.backend.member(points=10_000)
    app = await tills.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        await pilot.press(*"12.50", "enter")
        scan(app, member.code())
        result = await wait_for_screen(pilot, ResultScreen)
        number = result.result.out_trade_no
        await pilot.press("enter", "f2")
        await wait_for_screen(pilot, RefundScreen)
        await pilot.press(*number, "enter")
        text = await wait_for_text(pilot, "Left to refund: CNY 12.50")
        assert "State: paid" in text and "Points: 1,250 points" in text
        await pilot.press(*"5", "enter")  # a partial refund asks to confirm first
        await wait_for_text(pilot, "Refund CNY 5.00 to the customer? Press F10 again")
        assert member.account()["balance_points"] == 8_750  # nothing sent yet
        await pilot.press("f10")
        text = await wait_for_text(pilot, "REFUNDED CNY 5.00.")
        assert "Left to refund: CNY 7.50" in text
        assert "State: paid, partly refunded" in text
        await pilot.press("f10", "f10")  # empty amount: all that is left
        text = await wait_for_text(pilot, "REFUNDED CNY 7.50.")
        assert "State: refunded in full" in text
        await pilot.press("f10")
        await wait_for_text(pilot, "Look up a paid payment first.")
    assert member.account()["balance_points"] == 10_000


async def test_an_unknown_payment_number_is_said_in_plain_words(tills):
    app = await tills.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        await pilot.press("f2")
        await wait_for_screen(pilot, RefundScreen)
        await pilot.press(*"P0000000000000", "enter")
        await wait_for_text(pilot, "No payment with that order number.")


async def test_x_and_z_reports_compare_expected_and_counted_per_tender(tills):
    member = tills.backend.member(points=10_000)
    app = await tills.app(shift=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        await pilot.press(*"3", "enter")
        scan(app, member.code())  # no shift yet: the till says so and sends nothing
        await wait_for_text(pilot, "No shift is open: press F3 to open one first.")
        await pilot.press("f3")
        await wait_for_screen(pilot, ShiftScreen)
        await pilot.press(*"Mei", "enter")
        await wait_for_text(pilot, "Shift 1 is open for Mei.")
        await pilot.press("escape")
        # a points payment with a cash remainder, and a sale all in cash
        await wait_for_screen(pilot, SaleScreen)
        await pilot.press("escape", *"12.50", "enter", *"10")  # Esc clears the sale
        scan(app, member.code())
        await wait_for_text(pilot, "Take the remainder: CNY 2.50")
        await pilot.press("enter")
        await wait_for_screen(pilot, SaleScreen)
        await pilot.press(*"7", "f5")
        await wait_for_screen(pilot, TenderResultScreen)
        await pilot.press("enter", "f3")
        await wait_for_screen(pilot, ShiftScreen)
        await pilot.press("f2")
        text = await wait_for_text(pilot, "X report printed (the shift stays open)")
        assert "X REPORT" in text
        x_report = app.screen.report_text
        assert "CASH" in x_report and "POINTS" in x_report
        assert "CNY 9.50" in x_report and "CNY 10.00" in x_report
        await pilot.press("f10")
        await wait_for_text(pilot, "Count each tender")
        await pilot.press(*"9", "enter", "0")  # cash counted 9.00 (0.50 short), card 0
        await pilot.press("f10")
        await wait_for_text(pilot, "Shift closed. Z report saved to")
        z_report = app.screen.report_text
        assert "Z REPORT" in z_report
        assert "difference" in z_report and "-CNY 0.50" in z_report
        await wait_for(pilot, lambda: app.journal_shift() is None)
    reports = sorted(p.name for p in app.reports_dir.iterdir())
    assert [name[:1] for name in reports] == ["X", "Z"]
    assert (app.reports_dir / reports[0]).read_text() == x_report
    assert (app.reports_dir / reports[1]).read_text() == z_report


async def test_a_chinese_till_shows_and_prints_the_x_report_in_chinese_and_f9_switches_it(tills):
    app = await tills.app(tills.config(lang="zh"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        await pilot.press(*"7", "f5")  # a cash sale
        await wait_for_screen(pilot, TenderResultScreen)
        await pilot.press("enter", "f3")
        await wait_for_screen(pilot, ShiftScreen)
        await pilot.press("f2")
        text = await wait_for_text(pilot, "X 报表")
        assert "现金" in text and "销售 1 笔" in text and "CNY 7.00" in text
        assert "REPORT" not in text and "expected" not in text
        printed = next(app.reports_dir.iterdir()).read_text(encoding="utf-8")
        assert printed == app.screen.report_text and "应收合计" in printed
        await pilot.press("f9")  # the cashier switches to English: the report follows
        text = await wait_for_text(pilot, "X REPORT")
        assert "CASH" in text and "sales x1" in text and "报表" not in text
