"""Risk rules: checked before any deduction; they force the PIN under the no-PIN limit, or decline.

The rules are part of the routing configuration (versioned, rolled back with
it); see :class:`~backend_stub.routing.config.RiskRule`. The built-in one:
more than 10 no-PIN payments by a member in 24 hours, and the next needs the
PIN (WeChat Pay allows 10 password-free payments a day). Others an operator
can add: ``velocity`` (more than ``limit`` fen paid by a member within
``window_s``, this payment included) and ``new_terminal`` (a terminal
enrolled less than ``window_s`` ago). A declining rule wins over one that
asks for the PIN. For an external wallet there is no PIN of ours to ask for,
so only declining rules apply (and only ``new_terminal`` can: there is no
member).

The decision is recorded on the trade: ``pass``, ``pin:<kind>`` or
``decline:<kind>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, func, literal_column, or_, select
from sqlalchemy.engine import Connection

from backend_stub.clock import s_to_ms
from backend_stub.storage.prepared import Prepared
from backend_stub.storage.schema import terminals, trades
from protocol.models import TradeState

from .config import RiskRule

__all__ = ["MemberDay", "RiskDecision", "evaluate", "member_day"]

DAY_MS = 86_400_000
# What counts against the day limit: paid, or waiting for the PIN.
_COUNTS_AGAINST_LIMIT = (
    TradeState.SUCCESS.value,
    TradeState.PARTIALLY_REFUNDED.value,
    TradeState.PIN_REQUIRED.value,
)


@dataclass(frozen=True)
class RiskDecision:
    action: str  # pass | pin | decline
    rule: str = ""  # the kind of the rule that decided

    @property
    def note(self) -> str:
        return self.action if self.action == "pass" else f"{self.action}:{self.rule}"


@dataclass(frozen=True)
class MemberDay:
    """A member's other recent trades, read once for the day limit and every member rule."""

    spent_fen: int  # paid or waiting for the PIN in the last 24 hours, less refunds
    by_rule: tuple[int, ...]  # per member rule (in the configuration's order): its figure


_PASS = RiskDecision("pass")


def _member_rules(rules: Sequence[RiskRule]) -> list[RiskRule]:
    return [r for r in rules if r.kind != "new_terminal"]


def _figures_statement(shape: tuple[tuple[str, float], ...]) -> Prepared:
    """The query for rules of this shape (kind, window); built once per shape, then reused."""
    found = _STATEMENTS.get(shape)
    if found is not None:
        return found
    # The states as literals: an IN of bound values is re-rendered at every execution.
    states: list[Any] = [literal_column(f"'{state}'") for state in _COUNTS_AGAINST_LIMIT]
    counted = trades.c.state.in_(states) & (trades.c.created_at_ms > bindparam("b_day_since"))
    spent = trades.c.amount_fen - trades.c.refunded_fen
    columns = [func.coalesce(func.sum(case((counted, spent), else_=0)), 0)]
    for i, (kind, _) in enumerate(shape):
        since: Any = bindparam(f"b_since_{i}")
        if kind == "no_pin_count":
            paid_without_pin = (trades.c.paid_at_ms > since) & trades.c.pin_deadline_ms.is_(None)
            columns.append(func.coalesce(func.sum(case((paid_without_pin, 1), else_=0)), 0))
        else:
            columns.append(
                func.coalesce(
                    func.sum(case((trades.c.paid_at_ms > since, trades.c.amount_fen), else_=0)), 0
                )
            )
    stmt = select(*columns).where(
        trades.c.member_id == bindparam("b_member_id"),
        trades.c.id != bindparam("b_trade_id"),
        or_(
            trades.c.created_at_ms > bindparam("b_day_since"),
            trades.c.paid_at_ms > bindparam("b_oldest"),
        ),
    )
    prepared = Prepared(stmt)
    if len(_STATEMENTS) < 256:
        _STATEMENTS[shape] = prepared
    return prepared


_STATEMENTS: dict[tuple[tuple[str, float], ...], Prepared] = {}


def member_day(
    conn: Connection, rules: Sequence[RiskRule], member_id: int, trade_id: int, now_ms: int
) -> MemberDay:
    """The member's figures besides trade ``trade_id``, in one query (the member is locked)."""
    member_rules = _member_rules(rules)
    stmt = _figures_statement(tuple((r.kind, r.window_s) for r in member_rules))
    windows = [s_to_ms(r.window_s) for r in member_rules]
    params: dict[str, Any] = {
        "b_member_id": member_id,
        "b_trade_id": trade_id,
        "b_day_since": now_ms - DAY_MS,
        "b_oldest": now_ms - max(windows, default=DAY_MS),
    }
    for i, window in enumerate(windows):
        params[f"b_since_{i}"] = now_ms - window
    spent, *by_rule = stmt.execute(conn, params).one()
    return MemberDay(int(spent), tuple(int(value) for value in by_rule))


def _terminal_age_ms(conn: Connection, terminal_id: str, now_ms: int) -> int:
    created = conn.execute(
        select(terminals.c.created_at_ms).where(terminals.c.id == terminal_id)
    ).scalar_one()
    return now_ms - int(created)


def evaluate(
    conn: Connection,
    rules: Sequence[RiskRule],
    *,
    member: MemberDay | None,
    terminal_id: str,
    amount_fen: int,
    now_ms: int,
    pin_possible: bool,
) -> RiskDecision:
    """The decision for a payment of ``amount_fen``; ``pin_possible``: a PIN could be asked for.

    ``member``: the paying member's figures (:func:`member_day` with the same
    ``rules``), or None when there is no member of ours (an external wallet).
    """

    def applies(rule: RiskRule) -> bool:
        return amount_fen >= rule.min_fen and (rule.action == "decline" or pin_possible)

    hits: list[RiskRule] = []
    if member is not None:
        for rule, value in zip(_member_rules(rules), member.by_rule, strict=True):
            if applies(rule) and (
                (rule.kind == "no_pin_count" and value >= rule.limit)
                or (rule.kind == "velocity" and value + amount_fen > rule.limit)
            ):
                hits.append(rule)
    new_terminal = [r for r in rules if r.kind == "new_terminal" and applies(r)]
    if new_terminal:
        age = _terminal_age_ms(conn, terminal_id, now_ms)
        hits += [r for r in new_terminal if age < s_to_ms(r.window_s)]
    for action in ("decline", "pin"):
        for rule in hits:
            if rule.action == action:
                return RiskDecision(action, rule.kind)
    return _PASS
