"""Every word the till shows has its Chinese translation, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import pos_client
from pos_client.i18n import gettext_for, language_from_locale, set_language, tr

PACKAGE = Path(pos_client.__file__).parent
KEYWORDS = {"tr": None, "N_": None, "ngettext": (1, 2)}
FIELD = re.compile(r"\{(\w+)\}")


def source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        PACKAGE, keywords=KEYWORDS, comment_tags=()
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_in_the_code_is_translated_to_chinese_with_the_same_fields():
    with (PACKAGE / "locale/zh/LC_MESSAGES/pos.po").open("rb") as fh:
        catalog = read_po(fh)
    problems = []
    for msgid in sorted(source_messages()):
        message = catalog.get(msgid)
        if message is None or not message.string or message.fuzzy:
            problems.append(f"untranslated: {msgid!r}")
            continue
        text = str(message.string[0] if isinstance(message.string, tuple) else message.string)
        if set(FIELD.findall(text)) != set(FIELD.findall(msgid)):
            problems.append(f"fields differ: {msgid!r} -> {text!r}")
    assert problems == [], "run `make pos-catalog`, then translate:\n" + "\n".join(problems)
    assert len(source_messages()) > 100  # the extraction itself works


def test_the_catalog_is_compiled_when_loaded_without_a_build_step():
    assert not list(PACKAGE.glob("locale/**/*.mo"))
    set_language("zh")
    assert tr("Sale") == "收银"
    assert tr("Amount: {amount}", amount="CNY 1.00") == "金额：CNY 1.00"
    set_language("en")
    assert tr("Sale") == "Sale"
    assert gettext_for("zh") is gettext_for("zh")  # compiled once


@pytest.mark.parametrize(
    ("configured", "env", "expected"),
    [
        ("", {"LANG": "zh_CN.UTF-8"}, "zh"),
        ("", {"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ("", {}, "en"),
        ("zh", {"LANG": "en_GB.UTF-8"}, "zh"),
        ("en", {"LANG": "zh_TW.UTF-8"}, "en"),
    ],
)
def test_the_language_follows_the_configuration_else_the_locale(
    monkeypatch, configured, env, expected
):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert language_from_locale(configured) == expected
