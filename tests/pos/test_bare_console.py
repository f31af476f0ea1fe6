"""The till on a bare Linux console (TERM=linux): 16 colours, ASCII glyphs, English only."""

from __future__ import annotations

import pytest

from appkit.console import CHINESE_NEEDS_KIOSK, console_draws
from pos_client.screens.sale import SaleScreen

from .pilot import screen_text, wait_for_screen, wait_for_text


@pytest.fixture
def linux_console(monkeypatch):
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("COLORTERM", raising=False)


async def test_on_the_bare_console_the_till_works_in_16_colours_ascii_and_english(
    tills, linux_console
):
    config = tills.config(lang="zh")  # Chinese asked for: the console cannot
    tills.open_shift(config, cashier="王芳")  # nor draw a Chinese name
    app = await tills.app(config, shift=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SaleScreen, within=15)
        assert app.console.color_system == "standard"  # 16 colours
        text = await wait_for_text(pilot, "backend OK")
        assert "Sale" in text and "sim ok" in text  # English, and ASCII for the device's mark
        assert "shift 1 (????)" in text  # the name's two wide glyphs: a ? per cell they took
        assert "│  12.30" in text  # the inputs' half-block borders: lines the font has
        assert all(console_draws(ch) for ch in text), text  # every glyph in the console's font
        shown = [n.message for n in app._notifications]
        assert CHINESE_NEEDS_KIOSK in shown  # said once, in one plain line
        await pilot.press("f9")  # the language key: still English
        await pilot.pause()
        assert "Sale" in screen_text(app)
