"""Whether a Chinese catalog translates every word its code shows, with the same ``{fields}``.

Each package that shows words (the apps, appkit, the SDK, the PIN pad) has a
test calling :func:`catalog_problems`; the message says which ``make ...-catalog``
to run when the code has words the catalog lacks.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

__all__ = ["ROOT", "catalog_problems", "messages_in"]

ROOT = Path(__file__).parent.parent
KEYWORDS = {"tr": None, "N_": None, "ngettext": (1, 2)}
FIELDS = re.compile(r"\{(\w+)\}")

Message = str | tuple[str, str]


def messages_in(folder: str) -> set[Message]:
    """The messages marked for translation in the code under ``folder`` (from the repository)."""
    found: set[Message] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / folder, keywords=KEYWORDS, method_map=[("**.py", "python")]
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def catalog_problems(po: str, *folders: str) -> list[str]:
    """What ``po`` lacks for the code in ``folders``: untranslated, fuzzy, other fields."""
    with (ROOT / po).open("rb") as fh:
        catalog = read_po(fh, locale="zh")
    wanted = set().union(*(messages_in(folder) for folder in folders))
    problems = []
    for msgid in sorted(wanted, key=str):
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
    return problems
