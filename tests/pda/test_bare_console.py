"""The handheld on a bare Linux console (TERM=linux): 16 colours, ASCII glyphs, English only."""

from __future__ import annotations

from appkit.console import CHINESE_NEEDS_KIOSK, console_draws
from pda_client.screens.orders import OrdersScreen

from .pilot import wait_for, wait_for_screen, wait_for_text


async def test_on_the_bare_console_the_handheld_works_in_16_colours_ascii_and_english(
    handhelds, monkeypatch
):
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("COLORTERM", raising=False)
    handhelds.courier.order("Zhao Lei", 4_200)
    config = handhelds.config()
    config.terminal.language = "zh"
    app = await handhelds.app(config)
    async with app.run_test(size=(40, 20)) as pilot:
        await wait_for_screen(pilot, OrdersScreen)
        await wait_for(pilot, lambda: app.started, what="start-up")
        text = await wait_for_text(pilot, "1 Zhao Lei")
        assert app.console.color_system == "standard"
        assert "sim ok" in text
        assert all(console_draws(ch) for ch in text), text  # every glyph in the console's font
        assert CHINESE_NEEDS_KIOSK in [n.message for n in app._notifications]
