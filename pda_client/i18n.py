"""The handheld's words in English and Chinese (``locale/zh/LC_MESSAGES/pda.po``).

The language, its switching and the loading are :mod:`appkit.i18n`'s, shared
with the till; this module binds the PDA's own catalog.
"""

from __future__ import annotations

from appkit.i18n import N_, Catalog

__all__ = ["CATALOG", "N_", "ngettext", "points", "tr"]

CATALOG = Catalog("pda_client", "pda")
tr = CATALOG.tr
ngettext = CATALOG.ngettext
points = CATALOG.points
