"""The apps' words in English and Chinese, in the language the app shows now.

Each app has its own catalog (``Catalog("pda_client", "pda")`` reads
``pda_client/locale/<lang>/LC_MESSAGES/pda.po``), loaded as every layer loads
its words (:mod:`protocol.i18n`). What is the apps' own is the language: one
per process, following the configuration, else the locale (``LC_ALL``,
``LC_MESSAGES``, ``LANG``), switchable while the app runs; the words of the
layers below (the SDK's shift report, the PIN pad's errors) are asked for in
:func:`current_language`.
"""

from __future__ import annotations

from protocol.i18n import LANGUAGES, N_, language_from_locale, normalise
from protocol.i18n import Catalog as PackageCatalog

__all__ = [
    "LANGUAGES",
    "N_",
    "Catalog",
    "current_language",
    "language_from_locale",
    "normalise",
    "set_language",
]

_current = "en"


def set_language(lang: str) -> str:
    global _current
    _current = normalise(lang)
    return _current


def current_language() -> str:
    return _current


class Catalog(PackageCatalog):
    """One app's messages: ``tr`` and ``ngettext`` in the current language."""

    def tr(self, message: str, **values: object) -> str:
        """``message`` in the current language, with ``{name}`` fields filled from ``values``."""
        return self.words(_current).tr(message, **values)

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        return self.words(_current).ngettext(singular, plural, n, **values)

    def points(self, n: int) -> str:
        """``1250`` -> "1,250 points" / "1,250 积分"."""
        return self.ngettext("{count} point", "{count} points", n, count=f"{n:,}")
