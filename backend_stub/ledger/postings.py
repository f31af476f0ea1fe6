"""Balances and the ledger: every change of a balance is one line, in the same transaction.

:func:`post` is the only function that changes ``accounts.balance``. A debit
is one conditional ``UPDATE ... SET balance = balance - x WHERE balance >= x``,
so two payments racing on one account cannot both take the last points, and
the ``CHECK (balance >= 0)`` constraints refuse anything that slips past.
:func:`verify` recomputes every balance from its lines, which is what
``scanpay-backend verify`` runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, String, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from backend_stub.errors import ApiError
from backend_stub.storage.db import savepoint
from backend_stub.storage.prepared import Prepared
from backend_stub.storage.schema import accounts, ledger_lines, trades
from protocol.errors import ErrorCode
from protocol.models import MAX_BALANCE

__all__ = [
    "EntryKind",
    "InsufficientBalance",
    "LedgerReport",
    "balance_of",
    "post",
    "posting",
    "posting_params",
    "verify",
]


class EntryKind(StrEnum):
    OPENING = "opening"  # balance an account was created with
    PAY = "pay"  # a trade's deduction (negative)
    REVERSE = "reverse"  # a cancel of a paid trade gives the rest back
    REFUND = "refund"
    EARN = "earn"  # points earned on a sale
    TOPUP = "topup"  # stored value bought at the till


# Credits that bring new value in are capped at MAX_BALANCE, so no sum of balances and
# amounts can reach 64 bits; refunds and reversals only give back what was taken.
_NEW_VALUE = frozenset({EntryKind.OPENING, EntryKind.EARN, EntryKind.TOPUP})


class InsufficientBalance(Exception):
    """The debit would take the balance below zero; nothing was changed."""


def balance_of(conn: Connection, account_id: int) -> int:
    value = conn.execute(select(accounts.c.balance).where(accounts.c.id == account_id)).scalar()
    if value is None:
        raise LookupError(f"no account {account_id}")
    return int(value)


_CHANGE = (
    update(accounts)
    .where(accounts.c.id == bindparam("b_account_id", type_=BigInteger))
    .values(balance=accounts.c.balance + bindparam("b_delta", type_=BigInteger))
)
# A debit only happens if it leaves the balance at zero or above: two payments racing
# on one account cannot both take the last points.
_CHANGE_IF_COVERED = _CHANGE.where(accounts.c.balance + bindparam("b_delta") >= 0)
_INSERT_LINE = insert(ledger_lines)
_LINE_VALUES = {
    "delta": bindparam("b_delta", type_=BigInteger),
    "kind": bindparam("b_kind", type_=String),
    "trade_id": bindparam("b_trade_id", type_=BigInteger),
    "refund_id": bindparam("b_refund_id", type_=BigInteger),
    "credit_id": bindparam("b_credit_id", type_=BigInteger),
    "note": bindparam("b_note", type_=String),
    "created_at_ms": bindparam("b_created_at_ms", type_=BigInteger),
}


def _with_line(change: Any) -> Any:
    """The balance change and its line in one statement (PostgreSQL: one round trip, not two).

    ``WITH moved AS (UPDATE accounts ... RETURNING) INSERT INTO ledger_lines
    SELECT ... FROM moved RETURNING balance_after``: a debit the balance
    cannot cover changes no row, so no line is written and nothing is returned.
    """
    moved = change.returning(accounts.c.id, accounts.c.balance).cte("moved")
    columns = ["account_id", "balance_after", *_LINE_VALUES]
    return _INSERT_LINE.from_select(
        columns, select(moved.c.id, moved.c.balance, *_LINE_VALUES.values())
    ).returning(ledger_lines.c.balance_after)


# By "is it a debit": SQLite's statement (the line is a second one), PostgreSQL's.
_POST = {
    False: Prepared(_CHANGE.returning(accounts.c.balance)),
    True: Prepared(_CHANGE_IF_COVERED.returning(accounts.c.balance)),
}
_POST_WITH_LINE = {
    False: Prepared(_with_line(_CHANGE)),
    True: Prepared(_with_line(_CHANGE_IF_COVERED)),
}
_WRITE_LINE = Prepared(_INSERT_LINE)


def posting(debit: bool) -> Any:
    """PostgreSQL: the statement :func:`post` runs, for one that does more in the same round trip.

    Use it as a CTE (``posting(True).cte("line")``) with :func:`posting_params`;
    its one column is ``balance_after``, and it has no row when a debit was
    not covered.
    """
    return _POST_WITH_LINE[debit].statement


def posting_params(
    account_id: int,
    delta: int,
    kind: EntryKind,
    now_ms: int,
    *,
    trade_id: int | None = None,
    refund_id: int | None = None,
    credit_id: int | None = None,
    note: str = "",
) -> dict[str, Any]:
    """The parameters of :func:`posting` (all named ``b_...``, like no column)."""
    return {
        "b_account_id": account_id,
        "b_delta": delta,
        "b_kind": kind.value,
        "b_trade_id": trade_id,
        "b_refund_id": refund_id,
        "b_credit_id": credit_id,
        "b_note": note,
        "b_created_at_ms": now_ms,
    }


def post(
    conn: Connection, account_id: int, delta: int, kind: EntryKind, now_ms: int, **refs: Any
) -> int:
    """Change the balance by ``delta`` and write the line; return the new balance.

    ``refs``: what the line belongs to, as :func:`posting_params` takes them
    (``trade_id``, ``refund_id``, ``credit_id``, ``note``).
    """
    params = posting_params(account_id, delta, kind, now_ms, **refs)
    one_statement = conn.dialect.name == "postgresql"
    stmt = (_POST_WITH_LINE if one_statement else _POST)[delta < 0]
    balance = stmt.execute(conn, params).scalar()
    if balance is None:
        raise InsufficientBalance
    if kind in _NEW_VALUE and balance > MAX_BALANCE:  # undone with the request's savepoint
        raise ApiError(
            ErrorCode.BAD_REQUEST,
            f"amount: the balance would go over the most an account may hold ({MAX_BALANCE})",
        )
    if not one_statement:
        line = {k.removeprefix("b_"): v for k, v in params.items() if k != "b_account_id"}
        _WRITE_LINE.execute(conn, {**line, "account_id": account_id, "balance_after": balance})
    return int(balance)


@dataclass
class LedgerReport:
    accounts: int = 0
    lines: int = 0
    trades: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        head = (
            f"checked {self.accounts} accounts, {self.lines} ledger lines, {self.trades} trades: "
            + (
                "all balances agree with the ledger"
                if self.ok
                else f"{len(self.problems)} problem(s)"
            )
        )
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


def _sums(conn: Connection, key: Any, where: Any = True) -> dict[Any, int]:
    """Lines' deltas added up per ``key``: in the database, or in Python if that overflows.

    (SQLite's ``sum`` fails past 2^63; a book that big is wrong, and verify
    must say so rather than fail.)
    """
    try:
        with savepoint(conn, "scanpay_verify_sum"):
            return {
                k: _whole(v)
                for k, v in conn.execute(
                    select(key, func.sum(ledger_lines.c.delta)).where(where).group_by(key)
                ).all()
            }
    except DBAPIError:
        totals: dict[Any, int] = {}
        for k, delta in conn.execute(select(key, ledger_lines.c.delta).where(where)):
            totals[k] = totals.get(k, 0) + _whole(delta)
        return totals


def _whole(value: Any) -> int:
    """A stored amount as an integer; a fraction (never written by us) keeps its sign."""
    if isinstance(value, int):
        return value
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError, OverflowError):
        return 0


def verify(conn: Connection) -> LedgerReport:
    """Recompute every balance from the ledger and every trade's charge from its lines.

    Whatever is in the database, it reports; it never fails on odd values
    (a balance that is no whole number, sums past 64 bits).
    """
    report = LedgerReport()
    sums = _sums(conn, ledger_lines.c.account_id)
    last_after = dict(
        conn.execute(
            select(ledger_lines.c.account_id, ledger_lines.c.balance_after).where(
                ledger_lines.c.id.in_(
                    select(func.max(ledger_lines.c.id)).group_by(ledger_lines.c.account_id)
                )
            )
        ).all()
    )
    report.lines = int(conn.execute(select(func.count()).select_from(ledger_lines)).scalar() or 0)
    for account_id, stored in conn.execute(select(accounts.c.id, accounts.c.balance)).all():
        report.accounts += 1
        total = sums.get(account_id, 0)
        balance = _whole(stored)
        if not isinstance(stored, int) or balance > MAX_BALANCE:
            report.problems.append(
                f"account {account_id}: balance {stored!r} is not a whole number of at most "
                f"{MAX_BALANCE}"
            )
        if balance < 0:
            report.problems.append(f"account {account_id}: balance {balance} is negative")
        if total != balance:
            report.problems.append(
                f"account {account_id}: balance {balance}, ledger lines add up to {total}"
            )
        if account_id in last_after and last_after[account_id] != balance:
            report.problems.append(
                f"account {account_id}: balance {balance}, last line says {last_after[account_id]}"
            )
    per_trade = _sums(conn, ledger_lines.c.trade_id, ledger_lines.c.trade_id.is_not(None))
    for trade_id, trade_no, charge, returned, paid_at_ms in conn.execute(
        select(
            trades.c.id, trades.c.trade_no, trades.c.charge, trades.c.returned, trades.c.paid_at_ms
        )
    ).all():
        report.trades += 1
        moved = per_trade.get(trade_id, 0)
        expected = -(_whole(charge) - _whole(returned)) if paid_at_ms is not None else 0
        if moved != expected:
            report.problems.append(
                f"trade {trade_no}: should have moved {expected}, "
                f"but its ledger lines add up to {moved}"
            )
    return report
