"""The SDK's own words a person reads (shift reports, credential problems), in English and Chinese.

The catalog is ``locale/zh/LC_MESSAGES/sdk.po`` (``make sdk-catalog`` pulls the
words out of the code); the caller passes the language, as the apps pass theirs.
"""

from __future__ import annotations

from protocol.i18n import N_, Catalog, Words

__all__ = ["CATALOG", "N_", "words"]

CATALOG = Catalog("terminal_sdk", "sdk")


def words(lang: str) -> Words:
    """The SDK's words in ``lang`` ("zh" or "en"; anything else is English)."""
    return CATALOG.words(lang)
