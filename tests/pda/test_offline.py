"""No signal: payments are never queued; sign-offs are, survive a restart, and go out later.

The handheld talks to the real backend through a relay the test cuts and
restores. Everything is checked at the backend too: what it has, and when.
"""

from __future__ import annotations

from pda_client.localstore import LocalStore, SignOffState
from pda_client.screens.order import OrderScreen
from pda_client.screens.orders import OrdersScreen
from pda_client.screens.result import ResultScreen
from pda_client.screens.signoff import SignOffScreen

from .pilot import flat, scan, screen_text, wait_for, wait_for_screen, wait_for_text
from .relay import Relay


async def started(pilot) -> None:
    await wait_for_screen(pilot, OrdersScreen)
    await wait_for(pilot, lambda: pilot.app.started, what="start-up")


async def test_offline_a_payment_is_not_charged_and_cash_is_offered(handhelds):
    courier = handhelds.courier
    order = courier.order("Li Wei", 6_800)
    member = handhelds.backend.member(points=10_000)
    relay = Relay(handhelds.backend.url)
    await relay.restore()
    app = await handhelds.app(handhelds.config(url=relay.url))
    try:
        async with app.run_test(size=(40, 20)) as pilot:
            await started(pilot)
            await wait_for_text(pilot, "1 Li Wei")
            await relay.cut()
            await pilot.press("1")
            await wait_for_screen(pilot, OrderScreen)
            text = await wait_for_text(pilot, "No connection")
            assert "no wallet payment now" in flat(text) and "F2: take cash" in flat(text)
            scan(app, member.code())  # the customer shows the code anyway
            await wait_for_screen(pilot, ResultScreen)
            text = flat(screen_text(app))
            assert "NOT CHARGED" in text
            assert "Cannot reach the payment service. Nothing was charged" in text
            assert "Cash instead" in text
    finally:
        await relay.cut()
    assert member.account()["balance_points"] == 10_000
    assert courier.orders()[order["order_no"]]["status"] == "TO_COLLECT"


async def test_sign_offs_queue_offline_survive_a_restart_and_go_out_when_back(handhelds):
    courier = handhelds.courier
    by_wallet = courier.order("Li Wei", 6_800)
    by_cash = courier.order("Zhao Lei", 4_200)
    member = handhelds.backend.member(points=10_000)
    relay = Relay(handhelds.backend.url)
    await relay.restore()
    config = handhelds.config(url=relay.url, data="pda-offline")
    app = await handhelds.app(config)
    try:
        async with app.run_test(size=(40, 20)) as pilot:
            await started(pilot)
            await wait_for_text(pilot, "2 Zhao Lei")  # the round is fetched (and saved)
            # order 1: paid from the wallet while online; the signal goes before the sign-off
            await pilot.press("1")
            await wait_for_screen(pilot, OrderScreen)
            scan(app, member.code())
            await wait_for_screen(pilot, ResultScreen)
            assert "P A I D" in screen_text(app)
            await relay.cut()
            await pilot.press("enter")
            await wait_for_screen(pilot, SignOffScreen)
            await pilot.press("enter")
            text = flat(await wait_for_text(pilot, "SAVED ON THE HANDHELD"))
            assert "sent when the connection is back" in text
            await pilot.press("enter")
            # order 2: cash, offline
            await wait_for_screen(pilot, OrdersScreen)
            await pilot.press("2")
            await wait_for_screen(pilot, OrderScreen)
            await pilot.press("f2")
            signoff = await wait_for_screen(pilot, SignOffScreen)
            signoff.query_one("#recipient").value = ""
            await pilot.press(*"Neighbour", "enter")
            await wait_for_text(pilot, "SAVED ON THE HANDHELD")
            await pilot.press("enter")
            text = await wait_for_text(pilot, "2 to send")
            assert text.count("signed off · not sent yet") == 2
        on_disk = LocalStore(config.data_dir / "pda.db")
        assert on_disk.count(SignOffState.QUEUED) == 2
        on_disk.close()
        assert courier.orders()[by_wallet["order_no"]]["status"] == "PAID"  # nothing arrived
        assert courier.orders()[by_cash["order_no"]]["status"] == "TO_COLLECT"

        # a restart, still offline: the round and the queue are still there
        again = await handhelds.app(config)
        async with again.run_test(size=(40, 20)) as pilot:
            await started(pilot)
            text = await wait_for_text(pilot, "Offline: list saved at")
            assert text.count("signed off · not sent yet") == 2 and "2 to send" in text
            # the signal comes back: both go out, the list shows them done
            await relay.restore()
            await wait_for(pilot, lambda: again.store.count(SignOffState.QUEUED) == 0, within=15)
            await wait_for(
                pilot,
                lambda: "Offline" not in screen_text(again),
                within=15,
                what="the round fetched again",
            )
            text = await wait_for_text(pilot, "0 left")
            assert "not sent yet" not in text
    finally:
        await relay.cut()
    wallet_order = courier.orders()[by_wallet["order_no"]]
    assert wallet_order["status"] == "SIGNED_OFF" and wallet_order["signed_by"] == "Li Wei"
    assert wallet_order["out_trade_no"] and not wallet_order["paid_cash"]
    cash_order = courier.orders()[by_cash["order_no"]]
    assert cash_order["status"] == "SIGNED_OFF" and cash_order["signed_by"] == "Neighbour"
    assert cash_order["paid_cash"]
    assert member.account()["balance_points"] == 10_000 - 6_800  # charged once, never again
