"""Helpers for driving the till under Textual's pilot against the real backend."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from drivers.sim import SimScanner
from pos_client.app import PosApp
from pos_client.screens.base import PosScreen
from pos_client.screens.sale import SaleScreen


def screen_text(app: PosApp) -> str:
    """What the cashier sees now, as plain text (80x24)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], object], within: float = 10.0, what: str = ""
) -> None:
    """Let the app run until ``condition()`` holds; fail with the screen shown if it never does."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            app = pilot.app
            assert isinstance(app, PosApp)
            raise AssertionError(f"timed out waiting for {what or condition}:\n{screen_text(app)}")
        await pilot.pause(0.05)


async def wait_for_text(pilot: Pilot[Any], text: str, within: float = 10.0) -> str:
    app = pilot.app
    assert isinstance(app, PosApp)
    await wait_for(pilot, lambda: text in screen_text(app), within, repr(text))
    return screen_text(app)


async def wait_for_screen(pilot: Pilot[Any], kind: type[PosScreen], within: float = 10.0) -> Any:
    app = pilot.app
    assert isinstance(app, PosApp)
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, kind) and screen_text(app).strip(),
        within,
        kind.__name__,
    )
    await pilot.pause()
    return app.screen


def scan(app: PosApp, code: str) -> None:
    """Show ``code`` to the till's simulated scanner."""
    scanner = next(s for s in app.hub.scanners.values() if isinstance(s, SimScanner))
    scanner.scan(code)


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*text)


def closed_port_url() -> str:
    """An address on loopback where nothing listens (the port was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def sell(pilot: Pilot[Any], amount: str, code_part: str = "") -> None:
    """On the sale screen: type the amount (and the code's part)."""
    await wait_for_screen(pilot, SaleScreen, within=15)
    await pilot.press(*amount, "enter")
    if code_part:
        await pilot.press(*code_part)
