"""One-way fingerprints of secrets that must be found again but never read back.

Payment codes, activation codes, SMS codes and session tokens are stored as
SHA-256 hex, so a copy of the database does not reveal a live one. Request
fingerprints (for idempotency) use the same function over canonical JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

__all__ = ["fingerprint", "same_secret", "secret_hash"]


def secret_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def same_secret(given: str, stored_hash: str) -> bool:
    """Constant-time comparison of ``given`` with a stored :func:`secret_hash`."""
    return hmac.compare_digest(secret_hash(given).encode("ascii"), stored_hash.encode("ascii"))


def fingerprint(content: dict[str, Any]) -> str:
    """A stable hash of a request's business content (sorted keys, compact JSON)."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
