"""The apps' words in English and Chinese, from gettext catalogs compiled when loaded.

Each app has its own catalog (``Catalog("pda_client", "pda")`` reads
``pda_client/locale/<lang>/LC_MESSAGES/pda.po``); the source strings are
English. Babel compiles a catalog in memory the first time it is needed, so
there is no ``.mo`` file to build and no step to forget. The language is one
per process: it follows the configuration, else the locale (``LC_ALL``,
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
    "Catalog",
    "current_language",
    "language_from_locale",
    "normalise",
    "set_language",
]

LANGUAGES = ("en", "zh")
_current = "en"


def normalise(lang: str) -> str:
    return "zh" if lang.strip().lower().startswith("zh") else "en"


def language_from_locale(configured: str = "") -> str:
    """``configured`` if given, else the locale's language; "zh" or "en"."""
    if configured:
        return normalise(configured)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name, "")
        if value:
            return normalise(value)
    return "en"


def set_language(lang: str) -> str:
    global _current
    _current = normalise(lang)
    return _current


def current_language() -> str:
    return _current


def N_(message: str) -> str:
    """Mark ``message`` for the catalog where it is translated later (key bar, titles)."""
    return message


@cache
def _compiled(package: str, domain: str, lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    po = resources.files(package) / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Catalog:
    """One app's messages: ``tr`` and ``ngettext`` in the current language."""

    def __init__(self, package: str, domain: str) -> None:
        self.package = package
        self.domain = domain

    def translations(self, lang: str) -> gettext.NullTranslations:
        """The compiled catalog for ``lang`` (English is the source text itself)."""
        return _compiled(self.package, self.domain, normalise(lang))

    def tr(self, message: str, **values: object) -> str:
        """``message`` in the current language, with ``{name}`` fields filled from ``values``."""
        text = self.translations(_current).gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self.translations(_current).ngettext(singular, plural, n)
        return text.format(n=n, **values)

    def points(self, n: int) -> str:
        """``1250`` -> "1,250 points" / "1,250 积分"."""
        return self.ngettext("{count} point", "{count} points", n, count=f"{n:,}")
