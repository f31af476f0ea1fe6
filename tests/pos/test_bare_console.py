"""The till on a bare Linux console (TERM=linux): 16 colours, ASCII glyphs, English only."""

from __future__ import annotations

import pytest

from appkit.console import CHINESE_NEEDS_KIOSK
from pos_client.screens.sale import SaleScreen

from .pilot import screen_text, wait_for_screen, wait_for_text


@pytest.fixture
def linux_console(monkeypatch):
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("COLORTERM", raising=False)


async def test_on_the_bare_console_the_till_works_in_16_colours_ascii_and_english(
    tills, linux_console
):
    app = await tills.app(tills.config(lang="zh"))  # Chinese asked for: the console cannot
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        assert app.console.color_system == "standard"  # 16 colours
        text = await wait_for_text(pilot, "backend OK")
        assert "Sale" in text and "sim ok" in text  # English, and ASCII for the device's mark
        assert not any(ord(ch) > 0x7F and not 0x2500 <= ord(ch) <= 0x259F for ch in text), text
        shown = [n.message for n in app._notifications]
        assert CHINESE_NEEDS_KIOSK in shown  # said once, in one plain line
        await pilot.press("f9")  # the language key: still English
        await pilot.pause()
        assert "Sale" in screen_text(app)
