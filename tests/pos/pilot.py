"""Helpers for driving the till under Textual's pilot against the real backend.

The pilot's helpers shared with the handheld's tests are in :mod:`tests.apps`.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from pos_client.screens.sale import SaleScreen
from tests.apps import (
    closed_port_url,
    scan,
    screen_text,
    wait_for,
    wait_for_screen,
    wait_for_text,
)

__all__ = [
    "closed_port_url",
    "scan",
    "screen_text",
    "sell",
    "wait_for",
    "wait_for_screen",
    "wait_for_text",
]


async def sell(pilot: Pilot[Any], amount: str, code_part: str = "") -> None:
    """On the sale screen: type the amount (and the code's part)."""
    await wait_for_screen(pilot, SaleScreen, within=15)
    await pilot.press(*amount, "enter")
    if code_part:
        await pilot.press(*code_part)
