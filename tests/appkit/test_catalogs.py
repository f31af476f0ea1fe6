"""appkit's words are shown by both apps: each app's Chinese catalog translates every one of them.

The apps' own tests check the words of their own package; ``make pos-catalog``
and ``make pda-catalog`` pull appkit's words into both catalogs too, so each
app may word a shared message its own way.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import appkit

KEYWORDS = {"tr": None, "N_": None, "ngettext": (1, 2)}
FIELDS = re.compile(r"\{(\w+)\}")
ROOT = Path(appkit.__file__).parent.parent


def appkit_messages() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "appkit", keywords=KEYWORDS, method_map=[("**.py", "python")]
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


@pytest.mark.parametrize(
    "po", ["pos_client/locale/zh/LC_MESSAGES/pos.po", "pda_client/locale/zh/LC_MESSAGES/pda.po"]
)
def test_every_appkit_message_is_in_each_apps_chinese_catalog_with_the_same_fields(po):
    with (ROOT / po).open("rb") as fh:
        catalog = read_po(fh, locale="zh")
    problems = []
    for msgid in sorted(appkit_messages(), key=str):
        key = msgid if isinstance(msgid, str) else msgid[0]
        message = catalog.get(key)
        string = None if message is None else message.string
        texts = [string] if isinstance(string, str) else list(string or ())
        if not texts or not all(texts) or (message is not None and message.fuzzy):
            problems.append(f"untranslated: {msgid!r}")
            continue
        source = msgid if isinstance(msgid, str) else msgid[1]
        for text in texts:
            if set(FIELDS.findall(text)) != set(FIELDS.findall(source)):
                problems.append(f"fields differ: {msgid!r} -> {text!r}")
    assert problems == [], "run `make pos-catalog pda-catalog`, then translate:\n" + "\n".join(
        problems
    )
    assert ("{count} point", "{count} points") in appkit_messages()  # the extraction works
