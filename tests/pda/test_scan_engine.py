"""The handheld's scan engine as a serial port (a real pty, an emulated engine), and the camera."""

from __future__ import annotations

from drivers.camera import qr_image
from drivers.emulators.serial_scanner import SerialScannerEmulator
from pda_client.screens.result import ResultScreen
from tests.camera.test_camera_scanner import write_clip

from .pilot import screen_text, wait_for_screen
from .test_payments import open_first_order


async def test_a_code_read_by_the_serial_scan_engine_pays_the_order(handhelds, tmp_path):
    courier = handhelds.courier
    order = courier.order("Li Wei", 1_200)
    member = handhelds.backend.member(points=5_000)
    with SerialScannerEmulator(link=tmp_path / "scan-engine", suffix=b"\r", aim="]Q1") as engine:
        url = f"serial://{engine.path}?suffix=cr"
        app = await handhelds.app(handhelds.config(scanners=(url,)))
        async with app.run_test(size=(40, 20)) as pilot:
            await open_first_order(pilot)
            engine.scan(member.code(), chunks=3)  # arrives in pieces, as over a real UART
            await wait_for_screen(pilot, ResultScreen)
            assert "P A I D" in screen_text(app)
            assert "scan-engine ✓" in screen_text(app)
    assert courier.orders()[order["order_no"]]["status"] == "PAID"
    assert member.account()["balance_points"] == 5_000 - 1_200


async def test_a_code_shown_to_the_camera_pays_the_order(handhelds, tmp_path):
    """The camera driver by its URL: a clip of the customer's phone held up to the handheld."""
    courier = handhelds.courier
    order = courier.order("Wang Fang", 1_550)
    member = handhelds.backend.member(points=5_000)
    clip = write_clip(tmp_path / "door.mp4", [(None, 5, None), (qr_image(member.code()), 30, None)])
    app = await handhelds.app(handhelds.config(scanners=()))
    async with app.run_test(size=(40, 20)) as pilot:
        await open_first_order(pilot)
        await app.hub.add(f"camera://{clip}")  # the camera is switched on at the door
        await wait_for_screen(pilot, ResultScreen, within=15)
        assert "P A I D" in screen_text(app)
    assert courier.orders()[order["order_no"]]["status"] == "PAID"
    assert member.account()["balance_points"] == 5_000 - 1_550
