"""Every word the till shows has its Chinese translation, with the same placeholders."""

from __future__ import annotations

from pathlib import Path

import pos_client
from appkit.i18n import set_language
from pos_client.i18n import gettext_for, tr
from tests.catalogs import catalog_problems, messages_in

PACKAGE = Path(pos_client.__file__).parent


def test_every_message_in_the_code_is_translated_to_chinese_with_the_same_fields():
    problems = catalog_problems("pos_client/locale/zh/LC_MESSAGES/pos.po", "pos_client")
    assert problems == [], "run `make pos-catalog`, then translate:\n" + "\n".join(problems)
    assert len(messages_in("pos_client")) > 100  # the extraction itself works


def test_the_catalog_is_compiled_when_loaded_without_a_build_step():
    assert not list(PACKAGE.glob("locale/**/*.mo"))
    set_language("zh")
    assert tr("Sale") == "收银"
    assert tr("Amount: {amount}", amount="CNY 1.00") == "金额：CNY 1.00"
    set_language("en")
    assert tr("Sale") == "Sale"
    assert gettext_for("zh") is gettext_for("zh")  # compiled once
