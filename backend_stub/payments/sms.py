"""SMS one-time codes and the outbox that stands in for an SMS gateway.

A code is 6 digits from ``secrets``, stored as a hash with its purpose
(``login``, ``reset``: PIN set/reset, ``pay``: confirm one trade), an expiry
and a count of wrong tries; it dies on first use or after ``sms_attempts``
wrong tries. Asking for codes is capped per member and purpose
(:func:`unused_codes_since`): otherwise each new code would bring its own
fresh tries, and a 6-digit code could be guessed by asking again and again.
Codes that were used do not count, so signing in often is never held up. The
text goes to the ``sms_outbox`` table, which the operator (``scanpay-backend
sms-outbox``, ``/admin/v1/sms-outbox``) and tests read. The outbox is the only
place a code is written in clear; it is never logged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from backend_stub.storage.hashing import same_secret, secret_hash
from backend_stub.storage.schema import members, sms_codes, sms_outbox

from .members import Member

__all__ = ["OutboxMessage", "Purpose", "accept", "outbox", "send_code", "unused_codes_since"]


class Purpose(StrEnum):
    LOGIN = "login"
    RESET = "reset"
    PAY = "pay"


_TEXTS = {
    Purpose.LOGIN: "ScanPay: {code} is your sign-in code. It expires in {minutes} min. "
    "扫码付登录验证码 {code}。",
    Purpose.RESET: "ScanPay: {code} is your code to set your payment PIN. "
    "It expires in {minutes} min. 设置支付密码验证码 {code}。",
    Purpose.PAY: "ScanPay: {code} confirms your payment of {amount} at {store}. "
    "Tell it only to the cashier. 支付验证码 {code}。",
}


def send_code(
    conn: Connection,
    member: Member,
    purpose: Purpose,
    now_ms: int,
    ttl_ms: int,
    *,
    trade_id: int | None = None,
    **fill: Any,
) -> None:
    """Make a code, store its hash, and put the text in the outbox."""
    code = f"{secrets.randbelow(10**6):06d}"
    conn.execute(
        insert(sms_codes).values(
            member_id=member.id,
            purpose=purpose.value,
            code_hash=secret_hash(code),
            trade_id=trade_id,
            expires_at_ms=now_ms + ttl_ms,
            created_at_ms=now_ms,
        )
    )
    text = _TEXTS[purpose].format(code=code, minutes=max(1, ttl_ms // 60_000), **fill)
    conn.execute(
        insert(sms_outbox).values(
            member_id=member.id,
            phone=member.phone,
            purpose=purpose.value,
            text=text,
            created_at_ms=now_ms,
        )
    )


def unused_codes_since(conn: Connection, member_id: int, purpose: Purpose, since_ms: int) -> int:
    """How many codes of ``purpose`` the member was sent since ``since_ms`` and never used."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(sms_codes)
            .where(
                sms_codes.c.member_id == member_id,
                sms_codes.c.purpose == purpose.value,
                sms_codes.c.created_at_ms > since_ms,
                sms_codes.c.used_at_ms.is_(None),
            )
        ).scalar_one()
    )


def accept(
    conn: Connection,
    member_id: int,
    purpose: Purpose,
    code: str,
    now_ms: int,
    max_attempts: int,
    *,
    trade_id: int | None = None,
) -> bool:
    """True (and the code is spent) if ``code`` is a live code of this purpose (and trade).

    A wrong code counts one try against every live code of that purpose, so
    guessing gets ``max_attempts`` tries in all, not per code.
    """
    stmt = select(sms_codes.c.id, sms_codes.c.code_hash).where(
        sms_codes.c.member_id == member_id,
        sms_codes.c.purpose == purpose.value,
        sms_codes.c.used_at_ms.is_(None),
        sms_codes.c.expires_at_ms > now_ms,
        sms_codes.c.attempts < max_attempts,
    )
    if trade_id is not None:
        stmt = stmt.where(sms_codes.c.trade_id == trade_id)
    live = conn.execute(stmt.with_for_update()).all()
    for code_id, code_hash in live:
        if same_secret(code, code_hash):
            conn.execute(
                update(sms_codes).where(sms_codes.c.id == code_id).values(used_at_ms=now_ms)
            )
            return True
    if live:
        conn.execute(
            update(sms_codes)
            .where(sms_codes.c.id.in_([code_id for code_id, _ in live]))
            .values(attempts=sms_codes.c.attempts + 1)
        )
    return False


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    member_no: str
    phone: str
    purpose: str
    text: str
    created_at_ms: int


def outbox(
    conn: Connection, *, member_no: str | None = None, limit: int = 20
) -> list[OutboxMessage]:
    """Newest first."""
    stmt = (
        select(
            sms_outbox.c.id,
            members.c.member_no,
            sms_outbox.c.phone,
            sms_outbox.c.purpose,
            sms_outbox.c.text,
            sms_outbox.c.created_at_ms,
        )
        .join(members, members.c.id == sms_outbox.c.member_id)
        .order_by(sms_outbox.c.id.desc())
        .limit(limit)
    )
    if member_no is not None:
        stmt = stmt.where(members.c.member_no == member_no)
    return [OutboxMessage(*row) for row in conn.execute(stmt).all()]
