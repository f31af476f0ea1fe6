"""What the PIN pads show the customer, in English and Chinese (``locale/zh/.../pinpad.po``).

``make pinpad-catalog`` pulls the words out of the code; the pad's language
follows its ``--lang`` option, else the locale.
"""

from __future__ import annotations

from protocol.i18n import N_, Catalog, Words

__all__ = ["CATALOG", "N_", "words"]

CATALOG = Catalog("drivers.pinpad", "pinpad")


def words(lang: str) -> Words:
    """The pad's words in ``lang`` ("zh" or "en"; anything else is English)."""
    return CATALOG.words(lang)
