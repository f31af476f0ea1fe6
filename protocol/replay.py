"""Replay protection: a request is fresh when its timestamp is near and its nonce is new.

The window is five minutes either way (clocks on tills drift). The backend
remembers the nonces it saw within the window, so a request caught on the
wire and sent again is refused; this module holds the rules both sides share.
"""

from __future__ import annotations

import re
import secrets
import time

__all__ = [
    "NONCE_PATTERN",
    "TIMESTAMP_WINDOW_S",
    "is_fresh",
    "is_valid_nonce",
    "new_nonce",
    "now_s",
]

TIMESTAMP_WINDOW_S = 300
NONCE_PATTERN = re.compile(r"^[0-9A-Za-z]{16,64}$")


def now_s() -> int:
    """Unix time in whole seconds, the unit of ``timestamp`` on the wire."""
    return int(time.time())


def new_nonce() -> str:
    """32 hex characters from ``secrets``."""
    return secrets.token_hex(16)


def is_valid_nonce(nonce: object) -> bool:
    return isinstance(nonce, str) and NONCE_PATTERN.fullmatch(nonce) is not None


def is_fresh(timestamp: int, now: int | None = None, window_s: int = TIMESTAMP_WINDOW_S) -> bool:
    """True if ``timestamp`` is within ``window_s`` of ``now`` (either way)."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        return False
    current = now_s() if now is None else now
    return abs(current - timestamp) <= window_s
