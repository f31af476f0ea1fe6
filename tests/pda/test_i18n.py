"""Every word of the handheld exists in Chinese, with the same fields; F1 switches the language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import pda_client
from appkit.i18n import current_language, language_from_locale
from pda_client.i18n import CATALOG, set_language, tr
from pda_client.screens.orders import OrdersScreen

from .pilot import wait_for, wait_for_screen, wait_for_text

PACKAGE = Path(pda_client.__file__).parent
FIELDS = re.compile(r"{(\w+)}")


def messages_in_the_code() -> set[Any]:
    found: set[Any] = set()
    keywords = {"tr": None, "N_": None, "ngettext": (1, 2)}
    for _file, _line, message, _comments, _context in extract_from_dir(
        PACKAGE, keywords=keywords, method_map=[("**.py", "python")]
    ):
        found.add(message if isinstance(message, str) else tuple(message[:2]))
    return found


def test_every_message_in_the_code_has_a_chinese_translation_with_the_same_fields():
    with (PACKAGE / "locale" / "zh" / "LC_MESSAGES" / "pda.po").open("rb") as fh:
        catalog = read_po(fh, locale="zh")
    translated = {
        (m.id if isinstance(m.id, str) else tuple(m.id)): m.string for m in catalog if m.id
    }
    missing = messages_in_the_code() - set(translated)
    assert not missing, f"run `make pda-catalog` and translate: {sorted(map(str, missing))}"
    for msgid, text in translated.items():
        source = msgid if isinstance(msgid, str) else msgid[1]
        texts: list[Any] = [text] if isinstance(text, str) else list(text or ())
        for target in texts:
            assert target, f"untranslated: {msgid!r}"
            assert set(FIELDS.findall(target)) == set(FIELDS.findall(source)), msgid


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
