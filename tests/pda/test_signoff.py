"""A sign-off the backend refuses is shown as refused, with the reason, and leaves the queue."""

from __future__ import annotations

from drivers.printer.emulator import PrinterEmulator
from pda_client.localstore import SignOffState
from pda_client.screens.order import OrderScreen
from pda_client.screens.orders import OrdersScreen
from pda_client.screens.signoff import SignOffScreen
from terminal_sdk.client import ScanPayClient

from .pilot import flat, screen_text, wait_for, wait_for_screen, wait_for_text


async def test_an_order_signed_off_elsewhere_meanwhile_is_refused_here(handhelds):
    courier = handhelds.courier
    order = courier.order("Li Wei", 4_200)
    app = await handhelds.app()
    async with app.run_test(size=(40, 20)) as pilot:
        await wait_for_screen(pilot, OrdersScreen)
        await wait_for(pilot, lambda: app.started, what="start-up")
        await wait_for_text(pilot, "1 Li Wei")
        await pilot.press("1")
        await wait_for_screen(pilot, OrderScreen)
        await pilot.press("f2")
        await wait_for_screen(pilot, SignOffScreen)
        # meanwhile the courier's other handheld signs the same order off
        other = await courier.enrol_pda()
        async with ScanPayClient(handhelds.backend.url, other) as client:
            await client.cod_sign_off(order["order_no"], "Neighbour", paid_cash=True)
        await pilot.press("enter")
        text = flat(await wait_for_text(pilot, "SIGN-OFF REFUSED"))
        assert "This order was already signed off differently." in text
        assert app.store.sign_off(order["order_no"]).state is SignOffState.REFUSED
        assert app.store.queued() == []  # never sent again
        await pilot.press("enter")
        await wait_for_screen(pilot, OrdersScreen)
        await wait_for_text(pilot, "signed off")
        assert "sign-off refused" not in screen_text(app)  # the backend's own sign-off shows
    assert courier.orders()[order["order_no"]]["signed_by"] == "Neighbour"


async def test_a_handheld_with_a_printer_prints_the_cod_sign_off_slip(handhelds):
    order = handhelds.courier.order("Wang Fang", 3_300)["order_no"]
    config = handhelds.config()
    with PrinterEmulator.tcp() as printer:
        config.devices.printer = f"{printer.url}?width=58&timeout=0.5"
        app = await handhelds.app(config)
        async with app.run_test(size=(40, 20)) as pilot:
            await wait_for_screen(pilot, OrdersScreen)
            await wait_for(pilot, lambda: app.started, what="start-up")
            await wait_for_text(pilot, "1 Wang Fang")
            await pilot.press("1")
            await wait_for_screen(pilot, OrderScreen)
            await pilot.press("f2")  # paid in cash at the door
            await wait_for_screen(pilot, SignOffScreen)
            await pilot.press("enter")
            await wait_for_text(pilot, "SIGNED OFF")
            await wait_for(pilot, lambda: printer.receipts, what="the sign-off slip")
        [slip] = printer.receipts
    assert "COD SIGN-OFF" in slip.text and "Received by Wang Fang" in slip.text
    assert f"No. {order}" in slip.text
    assert "CNY 33.00" in slip.text and "CASH" in slip.text and "Signature:" in slip.text
    assert slip.complete and max(len(line) for line in slip.lines) <= 32  # 58 mm paper
