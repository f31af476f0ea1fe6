"""The till's words in English and Chinese (``locale/zh/LC_MESSAGES/pos.po``).

The loading, the language and its switching are :mod:`appkit.i18n`'s, shared
with the handheld; this module binds them to the POS's own catalog.
"""

from __future__ import annotations

from appkit.i18n import (
    LANGUAGES,
    N_,
    Catalog,
    current_language,
    language_from_locale,
    set_language,
)

__all__ = [
    "CATALOG",
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

CATALOG = Catalog("pos_client", "pos")
tr = CATALOG.tr
ngettext = CATALOG.ngettext
points = CATALOG.points
gettext_for = CATALOG.translations
