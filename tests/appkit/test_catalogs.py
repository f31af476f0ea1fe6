"""appkit's words are shown by both apps: each app's Chinese catalog translates every one of them.

The apps' own tests check the words of their own package; ``make pos-catalog``
and ``make pda-catalog`` pull appkit's words into both catalogs too, so each
app may word a shared message its own way.
"""

from __future__ import annotations

import pytest

from tests.catalogs import catalog_problems, messages_in


@pytest.mark.parametrize(
    "po", ["pos_client/locale/zh/LC_MESSAGES/pos.po", "pda_client/locale/zh/LC_MESSAGES/pda.po"]
)
def test_every_appkit_message_is_in_each_apps_chinese_catalog_with_the_same_fields(po):
    problems = catalog_problems(po, "appkit")
    assert problems == [], "run `make pos-catalog pda-catalog`, then translate:\n" + "\n".join(
        problems
    )
    assert ("{count} point", "{count} points") in messages_in("appkit")  # the extraction works
