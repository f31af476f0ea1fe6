"""Payment codes of our wallets: issue, refresh, check and bind (DESIGN.md section 5).

A code is the "intermediate code" of seed 000: random digits tied to a
member's account for ``code_ttl_s``. Only its SHA-256 is stored, with a
masked form for display, so a copy of the database reveals no live code.
A member has one live code per wallet per *slot* (a wallet session, i.e. a
phone): issuing a new one supersedes the old one at once. The first trade
that scans a code binds it (``pay_codes.trade_id`` is unique, and the bind is
a conditional UPDATE), whatever that trade's outcome; any later trade gets
``CODE_USED``, even while the first waits for its PIN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from backend_stub.storage.hashing import secret_hash
from backend_stub.storage.prepared import Prepared
from backend_stub.storage.schema import pay_codes
from protocol import paycode
from protocol.errors import ErrorCode
from protocol.paycode import Issuer

__all__ = [
    "IssuedCode",
    "LiveCode",
    "check",
    "claim",
    "claim_params",
    "claim_statement",
    "issue",
    "refusal",
    "release",
    "retire_slot",
]


@dataclass(frozen=True)
class IssuedCode:
    code: str
    wallet: Issuer
    expires_at_ms: int

    def __repr__(self) -> str:
        return f"IssuedCode({paycode.mask(self.code)}, {self.wallet})"


@dataclass(frozen=True)
class LiveCode:
    id: int
    member_id: int
    wallet: Issuer
    masked: str


def issue(
    conn: Connection, member_id: int, wallet: Issuer, slot: str, now_ms: int, ttl_ms: int
) -> IssuedCode:
    """A fresh code for ``wallet``; the slot's previous live code dies now."""
    if not wallet.is_own:
        raise ValueError(f"{wallet} is not one of our wallets")
    conn.execute(
        update(pay_codes)
        .where(
            pay_codes.c.member_id == member_id,
            pay_codes.c.wallet == wallet.value,
            pay_codes.c.slot == slot,
            pay_codes.c.superseded_at_ms.is_(None),
        )
        .values(superseded_at_ms=now_ms)
    )
    for _ in range(5):  # a collision among 10**15 codes is not expected; retry anyway
        code = paycode.generate(wallet)
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(pay_codes).values(
                        code_hash=secret_hash(code),
                        code_masked=paycode.mask(code),
                        member_id=member_id,
                        wallet=wallet.value,
                        slot=slot,
                        issued_at_ms=now_ms,
                        expires_at_ms=now_ms + ttl_ms,
                    )
                )
        except IntegrityError:
            continue
        return IssuedCode(code, wallet, now_ms + ttl_ms)
    raise RuntimeError("could not make a unique payment code")


def retire_slot(conn: Connection, member_id: int, slot: str, now_ms: int) -> int:
    """Kill every live code of the slot (the member signed out on that phone)."""
    return conn.execute(
        update(pay_codes)
        .where(
            pay_codes.c.member_id == member_id,
            pay_codes.c.slot == slot,
            pay_codes.c.superseded_at_ms.is_(None),
        )
        .values(superseded_at_ms=now_ms)
    ).rowcount


_CHECK = select(
    pay_codes.c.id,
    pay_codes.c.member_id,
    pay_codes.c.wallet,
    pay_codes.c.code_masked,
    pay_codes.c.expires_at_ms,
    pay_codes.c.superseded_at_ms,
    pay_codes.c.trade_id,
).where(pay_codes.c.code_hash == bindparam("b_code_hash"))
_CHECK_FOR_UPDATE = _CHECK.with_for_update()


def claim_statement(trade_id: Any) -> Any:
    """Bind a live code of the wallet to ``trade_id``; returns the code's id, member and mask.

    ``trade_id``: a bind parameter, or the id column of a trade a statement
    inserts first (PostgreSQL's pay does both in one, as CTEs).
    """
    return (
        update(pay_codes)
        .where(
            pay_codes.c.code_hash == bindparam("b_code_hash"),
            pay_codes.c.wallet == bindparam("b_wallet"),
            pay_codes.c.trade_id.is_(None),
            pay_codes.c.superseded_at_ms.is_(None),
            pay_codes.c.expires_at_ms > bindparam("b_now"),
        )
        .values(trade_id=trade_id)
        .returning(
            pay_codes.c.id, pay_codes.c.member_id, pay_codes.c.code_masked, pay_codes.c.trade_id
        )
    )


_CLAIM = Prepared(claim_statement(bindparam("b_trade_id")))
_RELEASE = Prepared(
    update(pay_codes).where(pay_codes.c.id == bindparam("b_id")).values(trade_id=None)
)


def claim(
    conn: Connection, code: str, wallet: Issuer, trade_id: int, now_ms: int
) -> LiveCode | ErrorCode:
    """Bind a live code of ``wallet`` to the trade in one conditional UPDATE, or say why not.

    The rules of :func:`check` plus the bind, in one statement when the code is
    good; only a refused code is read again to tell why (:func:`refusal`).
    """
    row = _CLAIM.execute(conn, claim_params(code, wallet, now_ms, trade_id)).first()
    if row is not None:
        return LiveCode(row.id, row.member_id, wallet, row.code_masked)
    return refusal(conn, code, now_ms)


def claim_params(
    code: str, wallet: Issuer, now_ms: int, trade_id: int | None = None
) -> dict[str, Any]:
    """The parameters of :func:`claim_statement`; ``trade_id`` when it is a bound ``b_trade_id``."""
    params = {"b_code_hash": secret_hash(code), "b_wallet": wallet.value, "b_now": now_ms}
    return params if trade_id is None else params | {"b_trade_id": trade_id}


def release(conn: Connection, code_id: int) -> None:
    """Unbind a code this transaction bound: its trade was refused before it paid."""
    _RELEASE.execute(conn, {"b_id": code_id})


def refusal(conn: Connection, code: str, now_ms: int) -> ErrorCode:
    """Why a claim bound nothing: CODE_INVALID, CODE_EXPIRED or CODE_USED.

    A code that is live but of another wallet is CODE_INVALID (and not bound).
    """
    found = check(conn, code, now_ms)
    return ErrorCode.CODE_INVALID if isinstance(found, LiveCode) else found


def check(
    conn: Connection, code: str, now_ms: int, *, for_update: bool = False, allow_bound: bool = False
) -> LiveCode | ErrorCode:
    """The code if it can pay now, else why not: CODE_INVALID, CODE_EXPIRED or CODE_USED.

    A code that a refresh replaced counts as expired. With ``for_update`` the
    row stays locked (PostgreSQL) until the transaction ends.
    """
    stmt = _CHECK_FOR_UPDATE if for_update else _CHECK
    row = conn.execute(stmt, {"b_code_hash": secret_hash(code)}).first()
    if row is None:
        return ErrorCode.CODE_INVALID
    if row.trade_id is not None and not allow_bound:
        return ErrorCode.CODE_USED
    if row.superseded_at_ms is not None or now_ms >= row.expires_at_ms:
        return ErrorCode.CODE_EXPIRED
    return LiveCode(row.id, row.member_id, Issuer(row.wallet), row.code_masked)
