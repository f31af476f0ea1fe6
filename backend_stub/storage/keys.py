"""Keys every instance shares, kept in the database: the PIN key pair and the operator token.

Each is created once, race-safe: every instance tries ``INSERT ... ON
CONFLICT DO NOTHING`` and then reads what won, so two instances starting
together end up with the same key. A process may keep what it read (the
values never change once written).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from protocol import pin

from .db import insert_ignoring_conflict
from .schema import system_keys

__all__ = ["PinKey", "admin_token", "ensure_keys", "load_pin_key", "rotate_admin_token"]

_PIN_KEY = "pin_private_key"
_ADMIN_TOKEN = "admin_token"  # noqa: S105 - a row name, not a secret


@dataclass(frozen=True)
class PinKey:
    private_key: rsa.RSAPrivateKey
    key_id: str
    public_pem: str


def _get(conn: Connection, name: str) -> str | None:
    return conn.execute(select(system_keys.c.value).where(system_keys.c.name == name)).scalar()


def _create_once(conn: Connection, name: str, value: str, now_ms: int) -> str:
    insert_ignoring_conflict(
        conn, system_keys, {"name": name, "value": value, "created_at_ms": now_ms}
    )
    stored = _get(conn, name)
    assert stored is not None
    return stored


def ensure_keys(conn: Connection, now_ms: int) -> None:
    """Create the PIN key pair and the operator token if this database has none yet."""
    if _get(conn, _PIN_KEY) is None:
        pem = pin.private_key_pem(pin.generate_private_key()).decode("ascii")
        _create_once(conn, _PIN_KEY, pem, now_ms)
    if _get(conn, _ADMIN_TOKEN) is None:
        _create_once(conn, _ADMIN_TOKEN, secrets.token_urlsafe(32), now_ms)


def load_pin_key(conn: Connection) -> PinKey:
    pem = _get(conn, _PIN_KEY)
    if pem is None:
        raise RuntimeError("the database has no PIN key yet; start the server once")
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise RuntimeError("the stored PIN key is not an RSA key")
    return PinKey(key, pin.key_id(key), pin.public_key_pem(key).decode("ascii"))


def admin_token(conn: Connection) -> str:
    token = _get(conn, _ADMIN_TOKEN)
    if token is None:
        raise RuntimeError("the database has no operator token yet; start the server once")
    return token


def rotate_admin_token(conn: Connection) -> str:
    token = secrets.token_urlsafe(32)
    conn.execute(update(system_keys).where(system_keys.c.name == _ADMIN_TOKEN).values(value=token))
    return token
