"""Merchants, stores and terminals; enrolment with one-time activation codes.

A field tech gets an activation code (``scanpay-backend activation-code`` or
the operator API) for a store; the device trades it once, through
``/v1/enrol``, for its ``terminal_id`` and secret. The code is stored as a
hash, dies on first use or at its expiry, and two devices racing with the same
code cannot both win (the claim is one conditional UPDATE).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from backend_stub.errors import ApiError
from backend_stub.storage.db import Database
from backend_stub.storage.hashing import secret_hash
from backend_stub.storage.keys import PinKey
from backend_stub.storage.schema import activation_codes, merchants, stores, terminals
from protocol.errors import ErrorCode
from protocol.models import EnrolRequest, EnrolResponse, TerminalKind

__all__ = [
    "Terminal",
    "TerminalCache",
    "create_activation_code",
    "create_merchant",
    "create_store",
    "create_terminal",
    "enrol",
    "find_terminal",
    "first_store_id",
]

# No 0/O, 1/I/L: codes are read aloud and typed by hand.
_ACTIVATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Terminal:
    id: str
    store_id: str
    merchant_id: str
    kind: str
    secret: str
    store_name: str
    pending_secret: str | None = None  # a rotation's new secret, until the terminal confirms it
    disabled: bool = False  # switched off by store IT (the gateway checks the row, not this)
    rotate_asked: bool = False  # store IT asked for a new secret (told in heartbeat answers)

    def __repr__(self) -> str:
        return f"Terminal(id={self.id!r}, store_id={self.store_id!r}, kind={self.kind!r})"


_FIND_TERMINAL = (
    select(
        terminals.c.id,
        terminals.c.store_id,
        stores.c.merchant_id,
        terminals.c.kind,
        terminals.c.secret,
        stores.c.name,
        terminals.c.pending_secret,
        terminals.c.disabled_at_ms.is_not(None),
        terminals.c.rotate_requested_at_ms.is_not(None),
    )
    .join(stores, stores.c.id == terminals.c.store_id)
    .where(terminals.c.id == bindparam("terminal_id"))
)


def _plausible_id(terminal_id: object) -> bool:
    return isinstance(terminal_id, str) and 0 < len(terminal_id) <= 64


def find_terminal(conn: Connection, terminal_id: object) -> Terminal | None:
    if not _plausible_id(terminal_id):
        return None
    row = conn.execute(_FIND_TERMINAL, {"terminal_id": terminal_id}).first()
    if row is None:
        return None
    tid, store_id, merchant_id, kind, secret, store_name, pending, disabled, rotate = row
    return Terminal(
        tid, store_id, merchant_id, kind, secret, store_name, pending, bool(disabled), bool(rotate)
    )


class TerminalCache:
    """Enrolled terminals by id, read once per ``ttl_s`` per instance, outside any write lock.

    An entry may be stale (store IT may have disabled the terminal or rotated
    its secret through another instance); that is safe, because the gateway
    checks the row itself in the request's transaction (the nonce's insert)
    and calls :meth:`forget` when the row has changed. A signature the cached
    secret does not accept is checked again after :meth:`reload`. Unknown
    ids are not cached, so a terminal enrolled through another instance is
    found at once.
    """

    def __init__(self, db: Database, ttl_s: float = 60.0, size: int = 10_000) -> None:
        self._db = db
        self._ttl_s = ttl_s
        self._size = size
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Terminal]] = {}

    def known(self, terminal_id: object) -> Terminal | None:
        """The terminal if this instance has it in memory; never touches the database."""
        if not isinstance(terminal_id, str):
            return None
        with self._lock:
            found = self._entries.get(terminal_id)
        if found is None or time.monotonic() - found[0] > self._ttl_s:
            return None
        return found[1]

    def forget(self, terminal_id: str) -> None:
        with self._lock:
            self._entries.pop(terminal_id, None)

    def reload(self, terminal_id: str) -> Terminal | None:
        """The terminal as the database has it now (and so cached)."""
        self.forget(terminal_id)
        return self.get(terminal_id)

    def get(self, terminal_id: object) -> Terminal | None:
        if not _plausible_id(terminal_id):
            return None
        cached = self.known(terminal_id)
        if cached is not None:
            return cached
        with self._db.read() as conn:
            terminal = find_terminal(conn, terminal_id)
        if terminal is not None:
            with self._lock:
                if len(self._entries) >= self._size:
                    self._entries.clear()
                self._entries[terminal.id] = (time.monotonic(), terminal)
        return terminal


def create_merchant(conn: Connection, merchant_id: str, name: str, now_ms: int) -> None:
    conn.execute(insert(merchants).values(id=merchant_id, name=name, created_at_ms=now_ms))


def create_store(conn: Connection, store_id: str, merchant_id: str, name: str, now_ms: int) -> None:
    conn.execute(
        insert(stores).values(id=store_id, merchant_id=merchant_id, name=name, created_at_ms=now_ms)
    )


def first_store_id(conn: Connection) -> str | None:
    return conn.execute(select(stores.c.id).order_by(stores.c.created_at_ms).limit(1)).scalar()


def create_terminal(
    conn: Connection, store_id: str, kind: TerminalKind, device_name: str, now_ms: int
) -> Terminal:
    terminal_id = "T" + secrets.token_hex(6).upper()
    secret = secrets.token_hex(32)
    conn.execute(
        insert(terminals).values(
            id=terminal_id,
            store_id=store_id,
            kind=kind.value,
            device_name=device_name,
            secret=secret,
            created_at_ms=now_ms,
        )
    )
    found = find_terminal(conn, terminal_id)
    assert found is not None
    return found


def create_activation_code(
    conn: Connection, store_id: str, kind: TerminalKind, now_ms: int, ttl_ms: int
) -> tuple[str, int]:
    """A fresh one-time code like ``K7QM-3XPA-W9RT`` and its expiry (ms)."""
    if conn.execute(select(stores.c.id).where(stores.c.id == store_id)).first() is None:
        raise ApiError(ErrorCode.BAD_REQUEST, f"store_id: no store {store_id!r}")
    raw = "".join(secrets.choice(_ACTIVATION_ALPHABET) for _ in range(12))
    code = "-".join(raw[i : i + 4] for i in range(0, 12, 4))
    expires = now_ms + ttl_ms
    conn.execute(
        insert(activation_codes).values(
            code_hash=secret_hash(code),
            store_id=store_id,
            kind=kind.value,
            expires_at_ms=expires,
            created_at_ms=now_ms,
        )
    )
    return code, expires


def enrol(conn: Connection, req: EnrolRequest, now_ms: int, pin_key: PinKey) -> EnrolResponse:
    """Claim the activation code and create the terminal; the secret is shown only here."""
    code_hash = secret_hash(req.activation_code.strip().upper())
    row = conn.execute(
        select(activation_codes.c.store_id, activation_codes.c.kind).where(
            activation_codes.c.code_hash == code_hash
        )
    ).first()
    if row is None:
        raise ApiError(ErrorCode.ACTIVATION_CODE_INVALID)
    store_id, kind = row
    if kind != req.kind.value:
        raise ApiError(ErrorCode.ACTIVATION_CODE_INVALID, f"this code is for a {kind} terminal")
    terminal = create_terminal(conn, store_id, req.kind, req.device_name, now_ms)
    claimed = conn.execute(
        update(activation_codes)
        .where(
            activation_codes.c.code_hash == code_hash,
            activation_codes.c.used_at_ms.is_(None),
            activation_codes.c.expires_at_ms > now_ms,
        )
        .values(used_at_ms=now_ms, terminal_id=terminal.id)
    )
    if claimed.rowcount != 1:
        raise ApiError(ErrorCode.ACTIVATION_CODE_INVALID)
    return EnrolResponse(
        terminal_id=terminal.id,
        secret=terminal.secret,
        merchant_id=terminal.merchant_id,
        store_id=terminal.store_id,
        kind=TerminalKind(terminal.kind),
        pin_key_id=pin_key.key_id,
        pin_public_key=pin_key.public_pem,
    )
