"""After a scenario: what the tills say against what the backend's ledger says, trade by trade.

For every payment in every till's journal (after the tills settled):

- the till says PAID: the backend must have the trade (same terminal and
  ``out_trade_no``, same amount) paid, and the trade's ledger lines must add
  up to exactly its charge taken once;
- the till says NOT_CHARGED: the backend has no trade, or one that took
  nothing (its ledger lines add up to zero).

Anything else is a *disagreement*, and so is a trade of these terminals that
took points while no journal knows of it. A *double charge* is a trade
whose ledger took more than its charge, or took it in more than one line,
or a trade that took points while the till told the cashier "not charged"
(the customer would then pay a second time): each of those is counted
there too. ``verify`` is ``scanpay-backend verify`` on the same database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, text

from terminal_sdk.journal import SessionState

from .fleet import Fleet

__all__ = ["Tally", "count", "terminals_in"]

PAID_STATES = {"SUCCESS", "PARTIALLY_REFUNDED", "REFUNDED"}


@dataclass
class Tally:
    scenario: str
    terminals: int = 0
    attempted: int = 0
    paid: int = 0
    not_charged: int = 0
    definite_at_once: int = 0  # PAID or NOT_CHARGED (nothing left to reverse) when pay returned
    in_doubt_after_settle: int = 0
    disagree: int = 0
    double_charges: int = 0
    verify_ok: bool = False
    hits: dict[str, int] = field(default_factory=dict)  # what the fault did
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.disagree
            and not self.double_charges
            and not self.in_doubt_after_settle
            and self.definite_at_once == self.attempted
            and self.verify_ok
        )


def count(scenario: str, fleet: Fleet, database_url: str, verify_ok: bool, left: int) -> Tally:
    tally = Tally(scenario, terminals=len(fleet.tills), verify_ok=verify_ok)
    tally.in_doubt_after_settle = left
    ids = [till.terminal.credentials.terminal_id for till in fleet.tills]
    trades, moved, pay_lines = _backend(database_url, ids)
    known: set[tuple[str, str]] = set()
    for till in fleet.tills:
        tid = till.terminal.credentials.terminal_id
        tally.definite_at_once += sum(not a.reversal_pending for a in till.attempts)
        for entry in till.terminal.journal.recent_payments(limit=1_000_000):
            tally.attempted += 1
            known.add((tid, entry.out_trade_no))
            till_paid = entry.state is SessionState.PAID
            tally.paid += till_paid
            tally.not_charged += entry.state is SessionState.NOT_CHARGED
            trade = trades.get((tid, entry.out_trade_no))
            taken = -moved.get(trade["id"], 0) if trade else 0
            lines = pay_lines.get(trade["id"], 0) if trade else 0
            where = f"{tid}/{entry.out_trade_no}"
            if trade is not None and (lines > 1 or taken > trade["charge"]):
                tally.double_charges += 1
                tally.problems.append(f"{where}: taken {taken} in {lines} lines")
            if till_paid:
                good = (
                    trade is not None
                    and trade["state"] in PAID_STATES
                    and trade["amount_fen"] == entry.amount_fen
                    and taken == trade["charge"] - trade["returned"]
                )
            else:
                good = taken == 0 and (trade is None or trade["state"] not in PAID_STATES)
                if taken > 0:
                    tally.double_charges += 1
            if not good:
                tally.disagree += 1
                state = trade["state"] if trade else "no trade"
                tally.problems.append(f"{where}: till {entry.state}, backend {state}, took {taken}")
    for key, trade in trades.items():
        if key not in known and -moved.get(trade["id"], 0) != 0:
            tally.disagree += 1
            tally.problems.append(f"{key[0]}/{key[1]}: took points, unknown to the till")
    return tally


def terminals_in(terminal_ids: list[str], prefix: str = "") -> tuple[str, dict[str, str]]:
    """``terminal_id IN (:t0, :t1...)`` and its parameters (``prefix``: a table alias)."""
    params = {f"t{i}": tid for i, tid in enumerate(terminal_ids)}
    return f"{prefix}terminal_id IN ({', '.join(f':{name}' for name in params)})", params


def _backend(
    database_url: str, terminal_ids: list[str]
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[int, int], dict[int, int]]:
    """The terminals' trades; per trade id the sum of its ledger lines and its pay lines."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            where, ids = terminals_in(terminal_ids, "t.")
            rows = conn.execute(
                text(
                    "SELECT id, terminal_id, out_trade_no, state, amount_fen, charge, returned"
                    f" FROM trades t WHERE {where}"
                ),
                ids,
            ).mappings()
            trades = {(r["terminal_id"], r["out_trade_no"]): dict(r) for r in rows}
            moved: dict[int, int] = defaultdict(int)
            pays: dict[int, int] = defaultdict(int)
            lines = conn.execute(
                text(
                    "SELECT l.trade_id, l.delta, l.kind FROM ledger_lines l"
                    f" JOIN trades t ON t.id = l.trade_id WHERE {where}"
                ),
                ids,
            )
            for trade_id, delta, kind in lines:
                moved[trade_id] += delta
                pays[trade_id] += kind == "pay"
            return trades, moved, pays
    finally:
        engine.dispose()


def table(tallies: list[Tally]) -> str:
    """The figures as a plain-text table (one row per scenario)."""
    head = (
        "scenario",
        "tills",
        "attempted",
        "paid",
        "not charged",
        "definite at once",
        "in doubt after settle",
        "disagree",
        "double charges",
        "verify",
        "what the fault did",
    )
    rows = [
        (
            t.scenario,
            str(t.terminals),
            str(t.attempted),
            str(t.paid),
            str(t.not_charged),
            str(t.definite_at_once),
            str(t.in_doubt_after_settle),
            str(t.disagree),
            str(t.double_charges),
            "ok" if t.verify_ok else "FAILED",
            ", ".join(f"{k} {v}" for k, v in t.hits.items()),
        )
        for t in tallies
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)
