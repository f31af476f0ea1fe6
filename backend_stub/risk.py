"""Risk rules: checked before any deduction; they force the PIN under the no-PIN limit, or decline.

The rules are part of the routing configuration (versioned, rolled back with
it); see :class:`~backend_stub.routing_config.RiskRule`. The built-in one:
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

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.engine import Connection

from .clock import s_to_ms
from .routing_config import RiskRule
from .schema import terminals, trades

__all__ = ["RiskDecision", "evaluate"]


@dataclass(frozen=True)
class RiskDecision:
    action: str  # pass | pin | decline
    rule: str = ""  # the kind of the rule that decided

    @property
    def note(self) -> str:
        return self.action if self.action == "pass" else f"{self.action}:{self.rule}"


_PASS = RiskDecision("pass")


def _figures_statement(shape: tuple[tuple[str, float], ...]) -> Any:
    """The query for rules of this shape (kind, window); built once per shape, then reused."""
    found = _STATEMENTS.get(shape)
    if found is not None:
        return found
    columns = []
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
        trades.c.paid_at_ms > bindparam("b_oldest"),
    )
    if len(_STATEMENTS) < 256:
        _STATEMENTS[shape] = stmt
    return stmt


_STATEMENTS: dict[tuple[tuple[str, float], ...], Any] = {}


def _member_figures(
    conn: Connection, member_id: int, trade_id: int, now_ms: int, rules: Sequence[RiskRule]
) -> dict[int, int]:
    """Per rule (by position): the no-PIN count or the amount paid within its window."""
    stmt = _figures_statement(tuple((r.kind, r.window_s) for r in rules))
    params: dict[str, Any] = {
        "b_member_id": member_id,
        "b_trade_id": trade_id,
        "b_oldest": now_ms - max(s_to_ms(r.window_s) for r in rules),
    }
    for i, rule in enumerate(rules):
        params[f"b_since_{i}"] = now_ms - s_to_ms(rule.window_s)
    row = conn.execute(stmt, params).one()
    return {i: int(value) for i, value in enumerate(row)}


def _terminal_age_ms(conn: Connection, terminal_id: str, now_ms: int) -> int:
    created = conn.execute(
        select(terminals.c.created_at_ms).where(terminals.c.id == terminal_id)
    ).scalar_one()
    return now_ms - int(created)


def evaluate(
    conn: Connection,
    rules: Sequence[RiskRule],
    *,
    member_id: int | None,
    terminal_id: str,
    trade_id: int,
    amount_fen: int,
    now_ms: int,
    pin_possible: bool,
) -> RiskDecision:
    """The decision for a payment of ``amount_fen``; ``pin_possible``: a PIN could be asked for."""
    wanted = [
        r
        for r in rules
        if amount_fen >= r.min_fen
        and (r.action == "decline" or pin_possible)
        and (member_id is not None or r.kind == "new_terminal")
    ]
    if not wanted:
        return _PASS
    member_rules = [r for r in wanted if r.kind != "new_terminal"]
    figures = (
        _member_figures(conn, member_id, trade_id, now_ms, member_rules)
        if member_rules and member_id is not None
        else {}
    )
    hits: list[RiskRule] = []
    for i, rule in enumerate(member_rules):
        value = figures[i]
        if (rule.kind == "no_pin_count" and value >= rule.limit) or (
            rule.kind == "velocity" and value + amount_fen > rule.limit
        ):
            hits.append(rule)
    new_terminal = [r for r in wanted if r.kind == "new_terminal"]
    if new_terminal:
        age = _terminal_age_ms(conn, terminal_id, now_ms)
        hits += [r for r in new_terminal if age < s_to_ms(r.window_s)]
    for action in ("decline", "pin"):
        for rule in hits:
            if rule.action == action:
                return RiskDecision(action, rule.kind)
    return _PASS
