"""The handheld's words in English and Chinese (``locale/zh/LC_MESSAGES/pda.po``).

The loading, the language and its switching are :mod:`appkit.i18n`'s, shared
with the POS; this module binds them to the PDA's own catalog.
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
    "language_from_locale",
    "ngettext",
    "points",
    "set_language",
    "tr",
]

CATALOG = Catalog("pda_client", "pda")
tr = CATALOG.tr
ngettext = CATALOG.ngettext
points = CATALOG.points
