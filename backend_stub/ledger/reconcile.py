"""Reconciliation: a merchant's daily file, and a channel's statement checked against our books.

Days are the stores' business days (``utc_offset_min``). The daily file is
one CSV; its first column says what a row is:

- ``trade``: every trade the merchant's terminals started that day, failed and
  cancelled ones too, with its channel, routing version and rule, fee,
  risk decision and the other tenders of a combination payment;
- ``refund``: every refund made that day, with the parts it gave back;
- ``channel_total``: per channel (our wallets by name, external channels by
  id): trades paid, amount, code-part refunds, fees and the net;
- ``tender_total``: per other tender of combination payments (cash, bank
  card...): amount taken, amount given back.

Fees are the channel's, charged on each payment and not returned on refunds.

:func:`compare_statement` fetches a channel's statement for the day and lists
every difference with our books: a line only the channel has (it took money
we do not know of, e.g. a late charge that was never refunded), a line only
we have, and amounts or fees that differ. A channel order is expected to have
been paid when our trade was paid, or when the channel told us so
(``channel_state`` PAID or REFUNDED); a reverse of a paid order is expected as
the refund ``<channel_trade_no>-REV``, a refund as ``<channel_trade_no>-R<id>``.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from backend_stub.clock import day_bounds, local_time
from backend_stub.errors import ApiError
from backend_stub.routing.channels.base import Channel, StatementLine
from backend_stub.routing.external import channel_part
from backend_stub.storage.schema import refunds, stores, terminals, trades
from protocol.errors import ErrorCode
from protocol.models import TradeState

__all__ = ["COLUMNS", "Difference", "compare_statement", "daily_file", "first_merchant"]

COLUMNS = (
    "record",
    "time",
    "channel",
    "trade_no",
    "out_trade_no",
    "terminal_id",
    "store_id",
    "issuer",
    "state",
    "reason",
    "amount_fen",
    "points",
    "fee_fen",
    "refund_no",
    "refund_fen",
    "routing_version",
    "routing_rule",
    "risk",
    "channel_trade_no",
    "parts",
    "count",
    "net_fen",
)
_PAID_STATES = (
    TradeState.SUCCESS.value,
    TradeState.PARTIALLY_REFUNDED.value,
    TradeState.REFUNDED.value,
)


def first_merchant(conn: Connection) -> str:
    """The merchant of the first store: the default when there is one merchant."""
    found = conn.execute(select(stores.c.merchant_id).order_by(stores.c.created_at_ms)).scalar()
    if found is None:
        raise ApiError(ErrorCode.BAD_REQUEST, "merchant: there is no merchant yet")
    return str(found)


def _merchant_trades(conn: Connection, merchant_id: str, start: int, end: int) -> list[Any]:
    return list(
        conn.execute(
            select(trades, terminals.c.store_id)
            .join(terminals, terminals.c.id == trades.c.terminal_id)
            .join(stores, stores.c.id == terminals.c.store_id)
            .where(
                stores.c.merchant_id == merchant_id,
                trades.c.created_at_ms >= start,
                trades.c.created_at_ms < end,
            )
            .order_by(trades.c.id)
        ).all()
    )


def _merchant_refunds(conn: Connection, merchant_id: str, start: int, end: int) -> list[Any]:
    return list(
        conn.execute(
            select(
                refunds,
                trades.c.trade_no,
                trades.c.out_trade_no,
                trades.c.issuer,
                trades.c.channel,
                trades.c.channel_trade_no,
                terminals.c.store_id,
            )
            .join(trades, trades.c.id == refunds.c.trade_id)
            .join(terminals, terminals.c.id == refunds.c.terminal_id)
            .join(stores, stores.c.id == terminals.c.store_id)
            .where(
                stores.c.merchant_id == merchant_id,
                refunds.c.created_at_ms >= start,
                refunds.c.created_at_ms < end,
            )
            .order_by(refunds.c.id)
        ).all()
    )


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def _check_day(day: date) -> None:
    """A day the books can hold (a year like 0001 or 9999 is a typing error)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ApiError(ErrorCode.BAD_REQUEST, f"date: between {FIRST_DAY} and {LAST_DAY}, please")


def daily_file(conn: Connection, merchant_id: str, day: date, utc_offset_min: int) -> str:
    """The merchant's reconciliation file for ``day`` (CSV text, header first)."""
    _check_day(day)
    start, end = day_bounds(day, utc_offset_min)

    def when(ms: int) -> str:
        return local_time(ms, utc_offset_min).isoformat(timespec="seconds")

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    tenders: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for t in _merchant_trades(conn, merchant_id, start, end):
        channel = t.channel or t.issuer or ""
        others = json.loads(t.other_tenders or "[]")
        writer.writerow(
            {
                "record": "trade",
                "time": when(t.created_at_ms),
                "channel": channel,
                "trade_no": t.trade_no,
                "out_trade_no": t.out_trade_no,
                "terminal_id": t.terminal_id,
                "store_id": t.store_id,
                "issuer": t.issuer or "",
                "state": t.state,
                "reason": t.reason or "",
                "amount_fen": t.amount_fen,
                "points": t.charge if t.issuer == "points" else 0,
                "fee_fen": t.fee_fen,
                "routing_version": t.routing_version if t.routing_version is not None else "",
                "routing_rule": t.routing_rule or "",
                "risk": t.risk or "",
                "channel_trade_no": t.channel_trade_no or "",
                "parts": json.dumps(others, separators=(",", ":")) if others else "",
            }
        )
        if t.state in _PAID_STATES:
            totals[channel]["count"] += 1
            totals[channel]["amount_fen"] += t.amount_fen
            totals[channel]["fee_fen"] += t.fee_fen
            for part in others:
                tenders[part["tender"]]["amount_fen"] += part["amount_fen"]
                tenders[part["tender"]]["count"] += 1
    for r in _merchant_refunds(conn, merchant_id, start, end):
        channel = r.channel or r.issuer or ""
        parts = json.loads(r.parts or "[]")
        writer.writerow(
            {
                "record": "refund",
                "time": when(r.created_at_ms),
                "channel": channel,
                "trade_no": r.trade_no,
                "out_trade_no": r.out_trade_no,
                "terminal_id": r.terminal_id,
                "store_id": r.store_id,
                "issuer": r.issuer or "",
                "state": r.state,
                "refund_no": r.out_refund_no,
                "refund_fen": r.amount_fen,
                "channel_trade_no": r.channel_trade_no or "",
                "parts": json.dumps(parts, separators=(",", ":")),
            }
        )
        if r.state == "SUCCESS":
            code_part = channel_part(r.parts, r.out_trade_no)
            totals[channel]["refund_fen"] += code_part
            for part in parts:
                if part.get("reference") != r.out_trade_no:
                    tenders[part["tender"]]["refund_fen"] += part["amount_fen"]
    for channel in sorted(totals):
        figures = totals[channel]
        writer.writerow(
            {
                "record": "channel_total",
                "channel": channel,
                "count": figures["count"],
                "amount_fen": figures["amount_fen"],
                "refund_fen": figures["refund_fen"],
                "fee_fen": figures["fee_fen"],
                "net_fen": figures["amount_fen"] - figures["refund_fen"] - figures["fee_fen"],
            }
        )
    for tender in sorted(tenders):
        figures = tenders[tender]
        writer.writerow(
            {
                "record": "tender_total",
                "channel": tender,
                "count": figures["count"],
                "amount_fen": figures["amount_fen"],
                "refund_fen": figures["refund_fen"],
                "net_fen": figures["amount_fen"] - figures["refund_fen"],
            }
        )
    return out.getvalue()


@dataclass(frozen=True)
class Difference:
    kind: str  # only_at_channel | only_here | amount_differs | fee_differs
    line: str  # pay | refund
    number: str  # the channel order number, or the refund number
    ours_fen: int | None
    theirs_fen: int | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _expected(
    conn: Connection, channel_id: str, start: int, end: int
) -> tuple[dict[str, tuple[int, int, bool]], dict[str, tuple[int, bool]]]:
    """What the channel should show: pays (amount, fee, in the day) and refunds (amount, in day)."""
    pays: dict[str, tuple[int, int, bool]] = {}
    backs: dict[str, tuple[int, bool]] = {}
    rows = conn.execute(
        select(trades).where(
            trades.c.channel == channel_id,
            trades.c.created_at_ms >= start - 86_400_000,
            trades.c.created_at_ms < end,
        )
    ).all()
    for t in rows:
        number = t.channel_trade_no
        in_day = start <= t.created_at_ms < end
        charged = t.paid_at_ms is not None or t.channel_state in ("PAID", "REFUNDED")
        if number is None or not charged:
            continue
        pays[number] = (t.amount_fen, t.fee_fen, in_day)
        given_back = 0
        for r in conn.execute(
            select(refunds).where(refunds.c.trade_id == t.id, refunds.c.state == "SUCCESS")
        ).all():
            part = channel_part(r.parts, t.out_trade_no)
            if part:
                backs[f"{number}-R{r.id}"] = (part, start <= r.created_at_ms < end)
                given_back += part
        if t.channel_state == "REFUNDED" and t.amount_fen > given_back:
            backs[f"{number}-REV"] = (t.amount_fen - given_back, in_day)
    return pays, backs


def compare_statement(
    conn: Connection, channel: Channel, day: date, utc_offset_min: int
) -> tuple[list[StatementLine], list[Difference]]:
    """The channel's statement for ``day`` and its differences with our books."""
    _check_day(day)
    start, end = day_bounds(day, utc_offset_min)
    lines = channel.statement(start, end)
    pays, backs = _expected(conn, channel.id, start, end)
    found: list[Difference] = []
    seen_pays: set[str] = set()
    seen_backs: set[str] = set()
    for line in lines:
        if line.kind == "pay":
            seen_pays.add(line.channel_trade_no)
            ours = pays.get(line.channel_trade_no)
            if ours is None:
                found.append(
                    Difference(
                        "only_at_channel",
                        "pay",
                        line.channel_trade_no,
                        None,
                        line.amount_fen,
                        "the channel took this payment; our books have it as not charged",
                    )
                )
            elif ours[0] != line.amount_fen:
                found.append(
                    Difference(
                        "amount_differs",
                        "pay",
                        line.channel_trade_no,
                        ours[0],
                        line.amount_fen,
                        "amounts differ",
                    )
                )
            elif ours[1] != line.fee_fen:
                found.append(
                    Difference(
                        "fee_differs",
                        "pay",
                        line.channel_trade_no,
                        ours[1],
                        line.fee_fen,
                        "the channel charged another fee than our rule says",
                    )
                )
        else:
            seen_backs.add(line.refund_no)
            back = backs.get(line.refund_no)
            if back is None:
                found.append(
                    Difference(
                        "only_at_channel",
                        "refund",
                        line.refund_no,
                        None,
                        line.amount_fen,
                        "the channel gave back money our books do not show",
                    )
                )
            elif back[0] != line.amount_fen:
                found.append(
                    Difference(
                        "amount_differs",
                        "refund",
                        line.refund_no,
                        back[0],
                        line.amount_fen,
                        "refund amounts differ",
                    )
                )
    for number, (amount, _, in_day) in sorted(pays.items()):
        if in_day and number not in seen_pays:
            found.append(
                Difference(
                    "only_here",
                    "pay",
                    number,
                    amount,
                    None,
                    "our books have this paid; the channel's statement does not",
                )
            )
    for number, (amount, in_day) in sorted(backs.items()):
        if in_day and number not in seen_backs:
            found.append(
                Difference(
                    "only_here",
                    "refund",
                    number,
                    amount,
                    None,
                    "our books have this refunded; the channel's statement does not",
                )
            )
    return lines, found
