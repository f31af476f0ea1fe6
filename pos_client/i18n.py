"""The till's words in English and Chinese (``locale/zh/LC_MESSAGES/pos.po``).

The language, its switching and the loading are :mod:`appkit.i18n`'s, shared
with the handheld; this module binds the POS's own catalog.
"""

from __future__ import annotations

from appkit.i18n import N_, Catalog

__all__ = ["CATALOG", "N_", "gettext_for", "ngettext", "points", "tr"]

CATALOG = Catalog("pos_client", "pos")
tr = CATALOG.tr
ngettext = CATALOG.ngettext
points = CATALOG.points
gettext_for = CATALOG.translations
