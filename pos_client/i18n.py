"""The POS's words in English and Chinese, from gettext catalogs compiled when loaded.

The source strings are English; ``locale/<lang>/LC_MESSAGES/pos.po`` holds
the translations. Babel compiles a catalog in memory the first time it is
needed, so there is no ``.mo`` file to build by hand and no step to forget.
The language follows the configuration, else the locale (``LC_ALL``,
``LC_MESSAGES``, ``LANG``), and can be switched while the app runs.
"""

from __future__ import annotations

import gettext
import io
import os
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = [
    "LANGUAGES",
    "N_",
    "current_language",
    "gettext_for",
    "language_from_locale",
    "ngettext",
    "points",
    "set_language",
    "tr",
]

LANGUAGES = ("en", "zh")
_DOMAIN = "pos"
_current = "en"


def language_from_locale(configured: str = "") -> str:
    """``configured`` if given, else the locale's language; "zh" or "en"."""
    if configured:
        return normalise(configured)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name, "")
        if value:
            return normalise(value)
    return "en"


def normalise(lang: str) -> str:
    return "zh" if lang.strip().lower().startswith("zh") else "en"


@cache
def gettext_for(lang: str) -> gettext.NullTranslations:
    """The compiled catalog for ``lang`` (English is the source text itself)."""
    if lang == "en":
        return gettext.NullTranslations()
    po = resources.files("pos_client") / "locale" / lang / "LC_MESSAGES" / f"{_DOMAIN}.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=_DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def set_language(lang: str) -> str:
    global _current
    _current = normalise(lang)
    return _current


def current_language() -> str:
    return _current


def tr(message: str, **values: object) -> str:
    """``message`` in the current language, with ``{name}`` fields filled from ``values``."""
    text = gettext_for(_current).gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    text = gettext_for(_current).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def points(n: int) -> str:
    """``1250`` -> "1,250 points" / "1,250 积分"."""
    return ngettext("{count} point", "{count} points", n, count=f"{n:,}")


def N_(message: str) -> str:
    """Mark ``message`` for the catalog where it is translated later (key bar, titles)."""
    return message
