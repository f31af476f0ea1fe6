"""The words' language: the configuration first, else the locale; any Chinese locale is "zh"."""

from __future__ import annotations

import pytest

from protocol.i18n import Catalog, language_from_locale, normalise


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


def test_languages_other_than_chinese_are_english():
    assert [normalise(x) for x in ("zh_TW", "ZH-hans", "fr_FR", "", "en")] == [
        "zh",
        "zh",
        "en",
        "en",
        "en",
    ]


def test_a_catalog_is_compiled_once_and_fills_the_fields_in_each_language():
    catalog = Catalog("terminal_sdk", "sdk")
    assert catalog.translations("zh") is catalog.translations("zh_CN.UTF-8")
    assert catalog.words("zh").tr("opened {time}", time="09:00") == "开班 09:00"
    assert catalog.words("en").tr("opened {time}", time="09:00") == "opened 09:00"
