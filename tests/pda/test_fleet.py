"""Store IT's fleet seen from the handheld: switched off, it takes cash and keeps its sign-offs."""

from __future__ import annotations

from pda_client.localstore import SignOffState
from pda_client.screens.order import OrderScreen
from pda_client.screens.orders import OrdersScreen
from pda_client.screens.signoff import SignOffScreen

from .pilot import flat, wait_for, wait_for_screen, wait_for_text


def seen_by_store_it(backend, terminal_id: str) -> dict:
    return dict(backend.operator.http.get(f"/terminals/{terminal_id}").json()["data"])


async def test_a_switched_off_handheld_takes_cash_and_keeps_its_sign_offs(handhelds):
    backend = handhelds.backend
    courier = handhelds.courier
    order = courier.order("Zhao Lei", 4_200)
    app = await handhelds.app(handhelds.config(data="pda-fleet"))
    async with app.run_test(size=(40, 20)) as pilot:
        await wait_for_screen(pilot, OrdersScreen)
        await wait_for(pilot, lambda: app.started, what="start-up")
        await wait_for_text(pilot, "1 Zhao Lei")
        assert app.terminal is not None
        tid = app.terminal.credentials.terminal_id
        await wait_for(pilot, lambda: seen_by_store_it(backend, tid)["online"], what="heartbeat")
        seen = seen_by_store_it(backend, tid)
        assert seen["app"] == "scanpay-pda" and seen["courier_id"] == courier.courier_id

        backend.operator.http.post(
            f"/terminals/{tid}/disable", json={"operator": "IT", "reason": "lost"}
        )
        await wait_for_text(pilot, "SWITCHED OFF")
        await pilot.press("1")
        await wait_for_screen(pilot, OrderScreen)
        text = flat(await wait_for_text(pilot, "Switched off by store IT"))
        assert "F2: take cash" in text
        await pilot.press("f2")
        await wait_for_screen(pilot, SignOffScreen)
        await pilot.press("enter")
        await wait_for_text(pilot, "SAVED ON THE HANDHELD")
        await wait_for(pilot, lambda: app.store.count(SignOffState.QUEUED) == 1, what="queued")

        backend.operator.http.post(
            f"/terminals/{tid}/enable", json={"operator": "IT", "reason": "found"}
        )
        await wait_for(
            pilot, lambda: app.store.count(SignOffState.QUEUED) == 0, within=20, what="sent"
        )
    assert courier.orders()[order["order_no"]]["status"] == "SIGNED_OFF"
