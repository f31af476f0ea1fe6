"""Store IT's fleet seen from the till: its heartbeat, and being switched off."""

from __future__ import annotations

from pos_client.screens.result import ResultScreen, TenderResultScreen
from pos_client.screens.sale import SaleScreen

from .pilot import scan, screen_text, wait_for, wait_for_screen, wait_for_text


def seen_by_store_it(backend, terminal_id: str) -> dict:
    return dict(backend.operator.http.get(f"/terminals/{terminal_id}").json()["data"])


async def test_the_till_reports_its_devices_and_a_switched_off_till_takes_cash_only(tills):
    backend = tills.backend
    member = backend.member(points=10_000)
    config = tills.config(scanners=("sim:", "serial:///dev/scanpay-no-such-port"))
    app = await tills.app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        assert app.terminal is not None
        tid = app.terminal.credentials.terminal_id
        await wait_for(pilot, lambda: seen_by_store_it(backend, tid)["online"], what="heartbeat")
        seen = seen_by_store_it(backend, tid)
        assert seen["app"] == "scanpay-pos" and seen["kind"] == "pos"
        states = {d["url"]: d["state"] for d in seen["devices"]}
        assert states["sim:"] == "OK"
        assert states["serial:///dev/scanpay-no-such-port"] == "ERROR"
        assert [(p["code"], p["figure"]) for p in seen["problems"]] == [("DEVICES", 1)]

        backend.operator.http.post(
            f"/terminals/{tid}/disable", json={"operator": "IT", "reason": "stolen"}
        )
        text = await wait_for_text(pilot, "switched off by store IT")
        assert "SWITCHED OFF by store IT: cash only" in text
        assert "take cash (F5) or bank card (F6)" in text
        await pilot.press(*"12.50", "enter")
        scan(app, member.code())  # the customer shows the code anyway: nothing is charged
        await wait_for_screen(pilot, ResultScreen)
        text = screen_text(app)
        assert "N O T   C H A R G E D" in text and "switched off by store IT" in text
        await pilot.press("f5")
        await wait_for_screen(pilot, TenderResultScreen)
        assert "Take CNY 12.50 by cash." in screen_text(app)
    assert member.account()["balance_points"] == 10_000
