"""Every word of the handheld exists in Chinese, with the same fields; F1 switches the language."""

from __future__ import annotations

from appkit.i18n import current_language, language_from_locale, set_language
from pda_client.i18n import CATALOG, tr
from pda_client.screens.orders import OrdersScreen
from tests.catalogs import catalog_problems

from .pilot import wait_for, wait_for_screen, wait_for_text


def test_every_message_in_the_code_has_a_chinese_translation_with_the_same_fields():
    problems = catalog_problems("pda_client/locale/zh/LC_MESSAGES/pda.po", "pda_client")
    assert problems == [], "run `make pda-catalog`, then translate:\n" + "\n".join(problems)


def test_the_language_follows_the_configuration_then_the_locale(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert language_from_locale("") == "zh"
    assert language_from_locale("en") == "en"
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    assert language_from_locale("") == "en"
    set_language("zh")
    assert tr("Today's orders") == "今日订单"
    assert CATALOG.ngettext("{count} point", "{count} points", 1250, count="1,250") == "1,250 积分"


async def test_f1_switches_the_screens_language_and_back(handhelds):
    handhelds.courier.order("Li Wei", 6_800)
    app = await handhelds.app()
    async with app.run_test(size=(40, 20)) as pilot:
        await wait_for_screen(pilot, OrdersScreen)
        await wait_for(pilot, lambda: app.started, what="start-up")
        await wait_for_text(pilot, "to collect")
        await pilot.press("f1")
        text = await wait_for_text(pilot, "今日订单")
        assert "待收款" in text and "1 Li Wei" in text and current_language() == "zh"
        await pilot.press("f1")
        await wait_for_text(pilot, "Today's orders")
