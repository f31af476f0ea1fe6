"""Driving the handheld under Textual's pilot: what is on screen, waiting for it, scanning."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.pilot import Pilot

from drivers.sim import SimScanner
from pda_client.app import PdaApp


def screen_text(app: App[Any]) -> str:
    """What the courier sees now, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], object], within: float = 10.0, what: str = ""
) -> None:
    """Let the app run until ``condition()`` holds; fail with the screen shown if it never does."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(
                f"timed out waiting for {what or condition}:\n{screen_text(pilot.app)}"
            )
        await pilot.pause(0.05)


async def wait_for_text(pilot: Pilot[Any], text: str, within: float = 10.0) -> str:
    await wait_for(pilot, lambda: text in screen_text(pilot.app), within, repr(text))
    return screen_text(pilot.app)


async def wait_for_screen(pilot: Pilot[Any], kind: type, within: float = 10.0) -> Any:
    app = pilot.app
    await wait_for(
        pilot, lambda: isinstance(app.screen, kind) and app.screen.is_mounted, within, kind.__name__
    )
    await pilot.pause()
    await pilot.pause()  # the screen's first drawing is composited
    return app.screen


def scan(app: PdaApp, code: str) -> None:
    """Show ``code`` to the handheld's (simulated) scan engine."""
    scanner = next(s for s in app.hub.scanners.values() if isinstance(s, SimScanner))
    scanner.scan(code)


def flat(text: str) -> str:
    """Screen text with its line breaks and padding folded to single spaces (wrapped sentences)."""
    return " ".join(text.split())
