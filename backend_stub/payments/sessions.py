"""Member wallet sessions: a bearer token got with an SMS code, stored only as a hash.

A session is also the member's code *slot*: each signed-in phone has its own
live payment code per wallet, and refreshing on one phone kills only that
phone's previous code.
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from backend_stub.errors import ApiError
from backend_stub.storage.hashing import secret_hash
from backend_stub.storage.schema import member_sessions
from protocol.errors import ErrorCode

from .members import Member, find_member

__all__ = ["end_session", "member_for_token", "purge_sessions", "start_session"]


def start_session(conn: Connection, member: Member, now_ms: int, ttl_ms: int) -> tuple[str, int]:
    token = secrets.token_urlsafe(32)
    expires = now_ms + ttl_ms
    conn.execute(
        insert(member_sessions).values(
            token_hash=secret_hash(token),
            member_id=member.id,
            expires_at_ms=expires,
            created_at_ms=now_ms,
        )
    )
    return token, expires


def member_for_token(conn: Connection, token: str, now_ms: int) -> tuple[Member, str]:
    """The member and the session's slot name; ``NOT_AUTHORISED`` if the token is not live."""
    token_hash = secret_hash(token)
    member_id = conn.execute(
        select(member_sessions.c.member_id).where(
            member_sessions.c.token_hash == token_hash, member_sessions.c.expires_at_ms > now_ms
        )
    ).scalar()
    member = None if member_id is None else find_member(conn, member_id=member_id)
    if member is None:
        raise ApiError(ErrorCode.NOT_AUTHORISED, "the session is unknown or has expired")
    return member, token_hash[:16]


def end_session(conn: Connection, token: str) -> bool:
    """Sign out: the token stops working at once. False if it was not live."""
    done = conn.execute(
        delete(member_sessions).where(member_sessions.c.token_hash == secret_hash(token))
    )
    return done.rowcount == 1


def purge_sessions(conn: Connection, now_ms: int) -> int:
    return conn.execute(
        delete(member_sessions).where(member_sessions.c.expires_at_ms <= now_ms)
    ).rowcount
