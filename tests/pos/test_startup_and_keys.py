"""Start-up (enrolment, settling what a crash left in doubt) and the keyboard (wedge, language)."""

from __future__ import annotations

import asyncio
import stat

from textual import events

from drivers.emulators.serial_scanner import SerialScannerEmulator
from drivers.hotplug import DeviceEvent, DeviceInfo, Transport
from pos_client.screens.enrol import EnrolScreen
from pos_client.screens.result import ResultScreen
from pos_client.screens.sale import SaleScreen
from pos_client.screens.startup import StartupScreen
from protocol.paycode import mask
from terminal_sdk.terminal import Terminal

from .pilot import scan, screen_text, wait_for, wait_for_screen, wait_for_text


async def test_first_run_enrols_with_the_activation_code_then_sells(tills):
    config = tills.config()
    app = await tills.app(config, enrolled=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, EnrolScreen)
        await pilot.press(*"WRONG-CODE-1", "enter")
        await wait_for_text(pilot, "The activation code is wrong, used or expired.")
        code = tills.backend.operator.activation_code("pos")
        await pilot.press(*code, "enter")  # the wrong one was cleared
        await wait_for_screen(pilot, SaleScreen, within=15)
        assert "backend OK" in await wait_for_text(pilot, "backend OK")
    mode = stat.S_IMODE(config.credentials_file.stat().st_mode)
    assert mode == 0o600  # no OS keyring here: the owner-only file


async def test_start_up_settles_a_payment_a_crash_left_in_doubt_and_says_so(tills):
    member = tills.backend.member(points=10_000)
    config = tills.config()
    await tills.enrol(config)
    tills.open_shift(config)
    code = member.code()
    async with Terminal.open(config) as crashed:  # journalled, sent, and then the till died
        number = crashed.journal.next_number("P")
        crashed.journal.begin_payment(
            number, amount_fen=500, issuer="points", code_masked=mask(code)
        )
        await crashed.client.pay(out_trade_no=number, payment_code=code, amount_fen=500)
    app = await tills.app(config, enrolled=False, shift=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, StartupScreen)
        text = await wait_for_text(pilot, "Settled 1 payment(s) and 0 refund(s) left in doubt")
        assert f"{number}  CNY 5.00  PAID" in text
        await pilot.press("enter")
        await wait_for_screen(pilot, SaleScreen)
        assert app.terminal is not None and app.terminal.in_doubt() == []
    assert member.account()["balance_points"] == 9_500  # charged once, and the till knows it


async def test_a_misread_code_is_refused_on_the_spot_without_a_round_trip(tills):
    app = await tills.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        await pilot.press(*"5", "enter")
        scan(app, "811234567890123450")  # our prefix and length, a bad check digit
        await wait_for_text(pilot, "The code was misread. Please scan it again.")
        scan(app, "6901234567892")  # a product's EAN
        await wait_for_text(pilot, "That is not a payment code.")
        assert isinstance(app.screen, SaleScreen)
        assert app.terminal is not None and app.terminal.journal.recent_payments() == []


async def test_a_wedge_scanner_typing_into_the_till_pays_and_the_cashiers_typing_stays_typing(
    tills,
):
    member = tills.backend.member(points=10_000)
    app = await tills.app(tills.config(scanners=("wedge:",)))
    async with app.run_test(size=(80, 24)) as pilot:
        sale = await wait_for_screen(pilot, SaleScreen, within=15)
        await pilot.press(*"12.50", "enter")  # a person's pace: these are typing, not a scan
        assert sale.query_one("#amount").value == "12.50"
        code = member.code()
        for char in code:  # the scanner types the code within a few milliseconds, then Enter
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("enter", "\r"))
        await wait_for_screen(pilot, ResultScreen)
        assert "P A I D" in screen_text(app)
        assert code not in sale.query_one("#code-part").value
    assert member.account()["balance_points"] == 8_750


async def test_the_language_switches_with_a_key_and_keeps_what_was_typed(tills):
    app = await tills.app()
    async with app.run_test(size=(80, 24)) as pilot:
        sale = await wait_for_screen(pilot, SaleScreen, within=15)
        await wait_for_text(pilot, "backend OK")
        await pilot.press(*"8.80", "f9")
        text = await wait_for_text(pilot, "收银")
        assert "后台正常" in text and "金额" in text and "合计 CNY 8.80" in text
        await pilot.press("f9")
        await wait_for_text(pilot, "Total CNY 8.80")
        await wait_for(pilot, lambda: sale.query_one("#amount").value == "8.80")


async def test_a_serial_scanner_plugged_in_while_the_till_runs_shows_and_pays(tills, tmp_path):
    member = tills.backend.member(points=10_000)
    news: asyncio.Queue[DeviceEvent] = asyncio.Queue()

    async def device_events():
        while True:
            yield await news.get()

    app = await tills.app(device_events=device_events)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        assert "new-gun" not in screen_text(app)
        with SerialScannerEmulator(tmp_path / "new-gun") as gun:
            await news.put(
                DeviceEvent("added", DeviceInfo(Transport.SERIAL, gun.path, gun.node, "Gun"))
            )
            await wait_for_text(pilot, "new-gun ✓")
            await pilot.press(*"5", "enter")
            gun.scan(member.code())
            await wait_for_screen(pilot, ResultScreen)
            assert "P A I D" in screen_text(app)
            await news.put(
                DeviceEvent("removed", DeviceInfo(Transport.SERIAL, gun.path, gun.node, "Gun"))
            )
            await wait_for(pilot, lambda: "new-gun" not in screen_text(app))
    assert member.account()["balance_points"] == 9_500


async def test_damaged_credentials_send_the_till_to_enrolment_saying_why_in_its_language(tills):
    config = tills.config(lang="zh")
    await tills.enrol(config)
    config.credentials_file.write_text("{damaged", encoding="utf-8")
    app = await tills.app(config, enrolled=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, EnrolScreen)
        await wait_for_text(pilot, "中保存的凭据已损坏，请重新注册。")
        await pilot.press("f9")
        await wait_for_text(pilot, "are damaged; enrol again.")
