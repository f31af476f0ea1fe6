"""Words people read, in English and Chinese, from gettext catalogs compiled when loaded.

Each package that shows words keeps its own catalog: ``Catalog("terminal_sdk",
"sdk")`` reads ``terminal_sdk/locale/<lang>/LC_MESSAGES/sdk.po``; the source
strings are English. Babel compiles a catalog in memory the first time it is
needed, so there is no ``.mo`` file to build and no step to forget. Every
layer (drivers, the terminal SDK, the apps) loads its words the same way, so
this sits at the bottom beside the error messages; it knows no package.
"""

from __future__ import annotations

import gettext
import io
import os
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = ["LANGUAGES", "N_", "Catalog", "Words", "language_from_locale", "normalise"]

LANGUAGES = ("en", "zh")


def normalise(lang: str) -> str:
    """Any Chinese locale name -> "zh"; everything else -> "en"."""
    return "zh" if lang.strip().lower().startswith("zh") else "en"


def language_from_locale(configured: str = "") -> str:
    """``configured`` if given, else the locale's (``LC_ALL``, ``LC_MESSAGES``, ``LANG``)."""
    if configured:
        return normalise(configured)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name, "")
        if value:
            return normalise(value)
    return "en"


def N_(message: str) -> str:
    """Mark ``message`` for the catalog where it is translated later (titles, key names)."""
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


class Words:
    """One catalog in one language: ``tr`` and ``ngettext`` with ``{name}`` fields filled."""

    def __init__(self, translations: gettext.NullTranslations) -> None:
        self.translations = translations

    def tr(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        return self.translations.ngettext(singular, plural, n).format(n=n, **values)


class Catalog:
    """One package's messages; :meth:`words` gives them in a language."""

    def __init__(self, package: str, domain: str) -> None:
        self.package = package
        self.domain = domain

    def translations(self, lang: str) -> gettext.NullTranslations:
        """The compiled catalog for ``lang`` (English is the source text itself)."""
        return _compiled(self.package, self.domain, normalise(lang))

    def words(self, lang: str) -> Words:
        return Words(self.translations(lang))
