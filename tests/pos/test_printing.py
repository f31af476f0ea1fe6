"""The till's printer, drawer and receipts under the pilot, against the real backend and the
ESC/POS emulator on a real TCP socket: a receipt for every sale, reprint on one key, paper
running out during a sale (the sale goes on, the receipt waits, prints once when paper is back),
a refund started by scanning the receipt, the drawer on cash and on "no sale"."""

from __future__ import annotations

import pytest

from drivers.printer.emulator import PrinterEmulator
from pos_client.screens.refund import RefundScreen
from pos_client.screens.result import ResultScreen, TenderResultScreen
from pos_client.screens.sale import SaleScreen
from pos_client.screens.shift import ShiftScreen

from .pilot import scan, screen_text, wait_for, wait_for_screen, wait_for_text


@pytest.fixture
def printer():
    with PrinterEmulator.tcp() as emulator:
        yield emulator


async def printing_till(tills, printer, *, voice="", **config):
    settings = tills.config(**config)
    settings.devices.printer = f"{printer.url}?timeout=0.5"
    settings.devices.voice = voice
    return await tills.app(settings)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def with_number(printer, number):
    return [r for r in printer.receipts if number in r.qr_codes]


async def test_each_sale_prints_one_receipt_cash_opens_the_drawer_and_f7_reprints(tills, printer):
    member = tills.backend.member(points=10_000)
    app = await printing_till(tills, printer)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        await wait_for_text(pilot, "printer ✓")
        await pilot.press(*"12.50", "enter", *"10")  # CNY 10.00 by points, 2.50 in cash
        scan(app, member.code())
        result = await wait_for_screen(pilot, ResultScreen)
        number = result.result.out_trade_no
        await wait_for(pilot, lambda: with_number(printer, number), what="the sale's receipt")
        [sale] = with_number(printer, number)
        assert sale.complete and sale.cut and sale.barcodes == [number]
        assert "SALE" in sale.text and "CNY 12.50" in sale.text and "CASH" in sale.text
        assert "1,000" in sale.text  # points used
        printer.wait_for(lambda: printer.drawer_pulses == 1)  # the cash part opened the drawer
        await pilot.press("enter")
        await wait_for_screen(pilot, SaleScreen)
        await pilot.press(*"7", "f6")  # all by bank card: a receipt, no drawer
        await wait_for_screen(pilot, TenderResultScreen)
        await wait_for(pilot, lambda: len(printer.receipts) == 2, what="the card sale's receipt")
        assert "BANK CARD" in printer.receipts[1].text and printer.drawer_pulses == 1
        await pilot.press("enter")
        await wait_for_screen(pilot, SaleScreen)
        await pilot.press("f7")
        await wait_for(pilot, lambda: "Printing the last receipt again." in notes(app))
        await wait_for(pilot, lambda: len(printer.receipts) == 3, what="the reprint")
        assert printer.receipts[2].lines[0].strip() == "*** REPRINT 1 ***"
    assert len(with_number(printer, number)) == 1  # the sale itself printed once, never again


async def test_paper_out_during_a_sale_the_sale_goes_on_and_the_receipt_waits(tills, printer):
    member = tills.backend.member(points=10_000)
    app = await printing_till(tills, printer, lang="zh", voice="sim:")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        await wait_for_text(pilot, "打印机 ✓")
        printer.paper_left = 4  # the roll ends four lines into the next receipt
        await pilot.press(*"8", "enter")
        scan(app, member.code())
        result = await wait_for_screen(pilot, ResultScreen)
        assert result.result.paid  # the payment never waited for paper
        assert app.voice.said == ["支付成功，八元"]  # the shop's speaker says it
        number = result.result.out_trade_no
        text = await wait_for_text(pilot, "打印机：缺纸：请装入新纸卷")
        assert "1 张待打印" in text
        [cut_short] = printer.receipts
        assert not cut_short.complete
        await pilot.press("enter")  # the next sale is not held up either
        await wait_for_screen(pilot, SaleScreen)
        printer.load_paper()
        await wait_for(pilot, lambda: printer.complete_receipts(), what="the receipt, whole")
        await wait_for(pilot, lambda: "待打印" not in screen_text(app))
    [whole] = printer.complete_receipts()
    assert whole.qr_codes == [number] and "销售小票" in whole.text and "合计" in whole.text
    assert len(printer.receipts) == 2  # the cut-short one and the whole one: nothing else


async def test_a_refund_starts_with_a_scan_of_the_receipt_and_prints_its_own(tills, printer):
    member = tills.backend.member(points=10_000)
    app = await printing_till(tills, printer)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        await pilot.press(*"20", "enter")
        scan(app, member.code())
        await wait_for_screen(pilot, ResultScreen)
        await wait_for(pilot, lambda: printer.receipts, what="the sale's receipt")
        [from_receipt] = printer.receipts[0].qr_codes  # what a scanner reads off the paper
        await pilot.press("enter", "f2")
        await wait_for_screen(pilot, RefundScreen)
        scan(app, member.code())  # the customer's phone instead of the receipt: said so
        await wait_for_text(pilot, "That is a customer's payment code")
        scan(app, from_receipt)
        await wait_for_text(pilot, "Left to refund: CNY 20.00")
        assert app.screen.query_one("#trade-no").value == from_receipt
        await pilot.press("f10", "f10")
        await wait_for_text(pilot, "REFUNDED CNY 20.00.")
        await wait_for(pilot, lambda: len(printer.receipts) == 2, what="the refund's receipt")
    refund = printer.receipts[1]
    assert "REFUND" in refund.text and "CNY 20.00" in refund.text
    assert refund.qr_codes == [from_receipt]
    assert member.account()["balance_points"] == 10_000


async def test_no_sale_opens_the_drawer_is_counted_and_the_x_report_is_printed(tills, printer):
    app = await printing_till(tills, printer)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        await pilot.press("f11")
        await wait_for(pilot, lambda: any("Drawer opened (no sale)" in n for n in notes(app)))
        printer.wait_for(lambda: printer.drawer_pulses == 1)
        await wait_for_text(pilot, "drawer open")
        await pilot.press("f3")
        await wait_for_screen(pilot, ShiftScreen)
        await pilot.press("f2")
        await wait_for_text(pilot, "X report printed")
        await wait_for(pilot, lambda: printer.receipts, what="the X report on paper")
    [x_file] = app.reports_dir.glob("X-*.txt")
    on_file = x_file.read_text().rstrip("\n").split("\n")
    assert printer.receipts[0].lines == [line.rstrip() for line in on_file]
    assert "drawer opened without a sale" in on_file[-1] and on_file[-1].endswith("x1")


async def test_the_cash_given_shows_the_change_and_both_are_on_the_receipt(tills, printer):
    app = await printing_till(tills, printer)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        await pilot.press(*"7", "f5")  # all cash: the drawer opens at once
        await wait_for_screen(pilot, TenderResultScreen)
        printer.wait_for(lambda: printer.drawer_pulses == 1)
        assert printer.receipts == []  # waits for the cash given
        await pilot.press(*"10")
        await wait_for_text(pilot, "Change: CNY 3.00")
        await pilot.press("enter")
        await wait_for_screen(pilot, SaleScreen)
        await wait_for(pilot, lambda: printer.receipts, what="the cash sale's receipt")
    [cash_sale] = printer.receipts
    assert "Cash given" in cash_sale.text and "CNY 10.00" in cash_sale.text
    assert "Change" in cash_sale.text and "CNY 3.00" in cash_sale.text
    assert cash_sale.qr_codes == []  # nothing to refund by code


async def test_a_bad_printer_or_voice_url_is_said_in_plain_words_and_the_till_still_sells(tills):
    member = tills.backend.member(points=10_000)
    settings = tills.config(lang="zh")
    settings.devices.printer = "lpt:/dev/lp0"
    settings.devices.voice = "espeak:?lang=fr"
    app = await tills.app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        await wait_for_text(pilot, "打印机：地址无效")
        assert any(n.startswith("语音播报：") and "lang=fr" in n for n in notes(app))
        await pilot.press(*"5", "enter")
        scan(app, member.code())
        result = await wait_for_screen(pilot, ResultScreen)
        assert result.result.paid  # the receipt waits in the queue for a printer that works
        assert len(app.printing.queue.waiting()) == 1
