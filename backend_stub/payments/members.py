"""Members: their two accounts, their limits, their PIN and its lock.

A member has a points account and a stored-value card account (fen). The
no-PIN limit is the member's own, capped by the system's. The PIN is an
Argon2id hash; wrong PINs are counted as rows with a time, and
``pin_attempts`` of them within ``pin_lock_window_s`` lock PIN payments
until the member resets the PIN with an SMS code (the SMS code itself is
still accepted to confirm a payment meanwhile).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Row

from backend_stub.clock import s_to_ms
from backend_stub.errors import ApiError
from backend_stub.ledger.postings import EntryKind, post
from backend_stub.settings import Settings
from backend_stub.storage.prepared import Prepared
from backend_stub.storage.schema import accounts, members, pin_failures
from protocol.errors import ErrorCode
from protocol.paycode import Issuer
from protocol.pin import ClearPin

__all__ = [
    "AccountView",
    "Member",
    "account_of",
    "account_view",
    "attempts_left",
    "balances",
    "clear_pin_failures",
    "create_member",
    "find_member",
    "hash_pin",
    "lock_member",
    "member_and_accounts",
    "member_with_accounts",
    "no_pin_limit",
    "pin_matches",
    "record_pin_failure",
    "set_frozen",
    "set_no_pin_limit",
    "set_pin",
    "with_accounts",
]

_HASHER = PasswordHasher()  # Argon2id with the library's (RFC 9106 based) defaults


@dataclass(frozen=True)
class Member:
    id: int
    member_no: str
    phone: str
    name: str
    pin_hash: str | None
    no_pin_limit_fen: int | None
    frozen: bool
    pin_locked_at_ms: int | None

    @property
    def pin_locked(self) -> bool:
        return self.pin_locked_at_ms is not None

    def __repr__(self) -> str:
        return f"Member(no={self.member_no!r}, frozen={self.frozen}, locked={self.pin_locked})"


_MEMBER_COLUMNS = (
    members.c.id,
    members.c.member_no,
    members.c.phone,
    members.c.name,
    members.c.pin_hash,
    members.c.no_pin_limit_fen,
    members.c.frozen,
    members.c.pin_locked_at_ms,
)


_MEMBER_BY_ID = select(*_MEMBER_COLUMNS).where(members.c.id == bindparam("b_id"))
_MEMBER_BY_ID_FOR_UPDATE = _MEMBER_BY_ID.with_for_update()
_ACCOUNT = select(accounts.c.id, accounts.c.balance).where(
    accounts.c.member_id == bindparam("b_member_id"), accounts.c.kind == bindparam("b_kind")
)
_BALANCES = select(accounts.c.kind, accounts.c.balance).where(
    accounts.c.member_id == bindparam("b_member_id")
)


def find_member(
    conn: Connection,
    *,
    member_id: int | None = None,
    member_no: str | None = None,
    for_update: bool = False,
) -> Member | None:
    if member_id is not None:
        by_id = _MEMBER_BY_ID_FOR_UPDATE if for_update else _MEMBER_BY_ID
        found = conn.execute(by_id, {"b_id": member_id}).first()
        return None if found is None else Member(*found)
    stmt = select(*_MEMBER_COLUMNS)
    if member_no is not None:
        stmt = stmt.where(members.c.member_no == member_no)
    else:
        raise ValueError("give member_id or member_no")
    if for_update:
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    return None if row is None else Member(*row)


def with_accounts(member_id: Any, *leading: Any, for_update: bool = False) -> Any:
    """A select of ``leading`` columns, the member's and each account's: one row per account.

    ``member_id``: a bind parameter, or a column of something the statement
    reads too (pay reads the code it claims). Read the rows with
    :func:`member_and_accounts`. With ``for_update`` both tables are locked:
    on PostgreSQL a row locked after a wait is read as it is now, while a row
    of a table not locked would be read as it was before the wait.
    """
    stmt = (
        select(
            *leading,
            *_MEMBER_COLUMNS,
            accounts.c.kind.label("account_kind"),
            accounts.c.id.label("account_id"),
            accounts.c.balance.label("account_balance"),
        )
        .join(accounts, accounts.c.member_id == members.c.id)
        .where(members.c.id == member_id)
    )
    return stmt.with_for_update(of=(members, accounts)) if for_update else stmt


def member_and_accounts(
    rows: Sequence[Row[Any]], leading: int = 0
) -> tuple[Member, dict[str, tuple[int, int]]]:
    """The member and ``{kind: (account id, balance)}`` from the rows of :func:`with_accounts`."""
    member = Member(*rows[0][leading : leading + len(_MEMBER_COLUMNS)])
    member = replace(member, frozen=bool(member.frozen))  # 0 or 1 from a Prepared statement
    return member, {str(r.account_kind): (int(r.account_id), int(r.account_balance)) for r in rows}


_MEMBER_WITH_ACCOUNTS = {
    lock: Prepared(with_accounts(bindparam("b_id"), for_update=lock)) for lock in (False, True)
}


def member_with_accounts(
    conn: Connection, member_id: int, *, for_update: bool = False
) -> tuple[Member, dict[str, tuple[int, int]]]:
    """The member and each account ``{kind: (account id, balance)}``, in one read.

    With ``for_update`` the member's row and the accounts' rows stay locked
    until the transaction ends (PostgreSQL; on SQLite the transaction holds
    the whole database), the member's first: the order every path that
    changes a balance keeps (:func:`find_member` ``for_update``, then
    :func:`~backend_stub.ledger.postings.post`).
    """
    rows = _MEMBER_WITH_ACCOUNTS[for_update].execute(conn, {"b_id": member_id})
    if not rows:
        raise LookupError(f"no member {member_id}")
    return member_and_accounts(rows)


def hash_pin(pin: ClearPin) -> str:
    return _HASHER.hash(pin.reveal())


def pin_matches(pin_hash: str | None, pin: ClearPin) -> bool:
    """Argon2id check (constant-time inside the library). No PIN set never matches."""
    if not pin_hash:
        return False
    try:
        return _HASHER.verify(pin_hash, pin.reveal())
    except (VerificationError, InvalidHashError):
        return False


def create_member(
    conn: Connection,
    *,
    member_no: str,
    phone: str,
    name: str,
    now_ms: int,
    points: int = 0,
    card_fen: int = 0,
    pin: ClearPin | None = None,
) -> Member:
    """A member with both accounts; opening balances are ledger lines like any other."""
    if find_member(conn, member_no=member_no) is not None:
        raise ApiError(ErrorCode.BAD_REQUEST, f"member_no: {member_no!r} already exists")
    member_id = conn.execute(
        insert(members)
        .values(
            member_no=member_no,
            phone=phone,
            name=name,
            pin_hash=hash_pin(pin) if pin else None,
            created_at_ms=now_ms,
        )
        .returning(members.c.id)
    ).scalar_one()
    for kind, opening in ((Issuer.POINTS, points), (Issuer.CARD, card_fen)):
        account_id = conn.execute(
            insert(accounts)
            .values(member_id=member_id, kind=kind.value, balance=0)
            .returning(accounts.c.id)
        ).scalar_one()
        if opening:
            post(conn, account_id, opening, EntryKind.OPENING, now_ms, note="opening balance")
    member = find_member(conn, member_id=member_id)
    assert member is not None
    return member


def account_of(conn: Connection, member_id: int, wallet: Issuer) -> tuple[int, int]:
    """The member's account for ``wallet``: (id, balance)."""
    account, balance = conn.execute(
        _ACCOUNT, {"b_member_id": member_id, "b_kind": wallet.value}
    ).one()
    return int(account), int(balance)


def balances(conn: Connection, member_id: int) -> dict[str, int]:
    """``{"points": ..., "card": ...}``."""
    rows = conn.execute(_BALANCES, {"b_member_id": member_id}).all()
    return {kind: int(balance) for kind, balance in rows}


def no_pin_limit(member: Member, settings: Settings) -> int:
    """The member's own limit, never above the system's."""
    own = member.no_pin_limit_fen
    return settings.no_pin_limit_fen if own is None else min(own, settings.no_pin_limit_fen)


def failures_in_window(conn: Connection, member_id: int, now_ms: int, settings: Settings) -> int:
    since = now_ms - s_to_ms(settings.pin_lock_window_s)
    return int(
        conn.execute(
            select(func.count())
            .select_from(pin_failures)
            .where(pin_failures.c.member_id == member_id, pin_failures.c.at_ms > since)
        ).scalar_one()
    )


def attempts_left(conn: Connection, member: Member, now_ms: int, settings: Settings) -> int:
    if member.pin_locked:
        return 0
    used = failures_in_window(conn, member.id, now_ms, settings)
    return max(0, settings.pin_attempts - used)


def record_pin_failure(conn: Connection, member: Member, now_ms: int, settings: Settings) -> int:
    """Count one wrong PIN; lock PIN payments when the window is full. Returns attempts left."""
    conn.execute(insert(pin_failures).values(member_id=member.id, at_ms=now_ms))
    left = max(0, settings.pin_attempts - failures_in_window(conn, member.id, now_ms, settings))
    if left == 0:
        lock_member(conn, member.id, now_ms)
    return left


def lock_member(conn: Connection, member_id: int, now_ms: int) -> None:
    conn.execute(
        update(members)
        .where(members.c.id == member_id, members.c.pin_locked_at_ms.is_(None))
        .values(pin_locked_at_ms=now_ms)
    )


def clear_pin_failures(conn: Connection, member_id: int) -> None:
    conn.execute(delete(pin_failures).where(pin_failures.c.member_id == member_id))


def set_pin(conn: Connection, member_id: int, pin: ClearPin) -> None:
    """Set or reset the PIN; this also lifts a lock and forgets wrong attempts."""
    conn.execute(
        update(members)
        .where(members.c.id == member_id)
        .values(pin_hash=hash_pin(pin), pin_locked_at_ms=None)
    )
    clear_pin_failures(conn, member_id)


def set_frozen(conn: Connection, member_no: str, frozen: bool) -> Member:
    done = conn.execute(
        update(members).where(members.c.member_no == member_no).values(frozen=frozen)
    )
    if done.rowcount != 1:
        raise ApiError(ErrorCode.BAD_REQUEST, f"member_no: no member {member_no!r}")
    member = find_member(conn, member_no=member_no)
    assert member is not None
    return member


def set_no_pin_limit(conn: Connection, member: Member, limit_fen: int, settings: Settings) -> None:
    if limit_fen > settings.no_pin_limit_fen:
        raise ApiError(
            ErrorCode.BAD_REQUEST,
            f"no_pin_limit_fen: at most {settings.no_pin_limit_fen} (the system's limit)",
        )
    conn.execute(
        update(members).where(members.c.id == member.id).values(no_pin_limit_fen=limit_fen)
    )


@dataclass(frozen=True)
class AccountView:
    member_no: str
    name: str
    phone_masked: str
    balance_points: int
    balance_card_fen: int
    points_worth_fen: int
    no_pin_limit_fen: int
    own_no_pin_limit_fen: int | None
    system_no_pin_limit_fen: int
    max_trade_fen: int
    max_day_fen: int
    frozen: bool
    pin_set: bool
    pin_locked: bool
    pin_attempts_left: int


def _mask_phone(phone: str) -> str:
    return phone[:3] + "*" * max(0, len(phone) - 7) + phone[-4:] if len(phone) > 7 else "****"


def account_view(conn: Connection, member: Member, now_ms: int, settings: Settings) -> AccountView:
    held = balances(conn, member.id)
    return AccountView(
        member_no=member.member_no,
        name=member.name,
        phone_masked=_mask_phone(member.phone),
        balance_points=held.get("points", 0),
        balance_card_fen=held.get("card", 0),
        points_worth_fen=settings.rate.fen_for_points(held.get("points", 0)),
        no_pin_limit_fen=no_pin_limit(member, settings),
        own_no_pin_limit_fen=member.no_pin_limit_fen,
        system_no_pin_limit_fen=settings.no_pin_limit_fen,
        max_trade_fen=settings.max_trade_fen,
        max_day_fen=settings.max_day_fen,
        frozen=member.frozen,
        pin_set=member.pin_hash is not None,
        pin_locked=member.pin_locked,
        pin_attempts_left=attempts_left(conn, member, now_ms, settings),
    )
