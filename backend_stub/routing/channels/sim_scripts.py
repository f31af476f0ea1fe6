"""How the simulated channels behave: scripts per code or amount, a default keyed on the amount.

A behaviour is a short string:

======================  =====================================================
``success``             paid at once
``paying:N[:fail]``     "user is paying" for N seconds (fractions allowed),
                        then paid (or, with ``:fail``, declined USERCANCELLED)
``error[:success]``     SYSTEMERROR; the order was not taken (with
                        ``:success``: it was, and is paid)
``timeout[:fail]``      no answer for the channel's hang time; meanwhile the
                        order is paid (or, with ``:fail``, declined)
``decline:CODE``        declined with the channel's CODE, e.g. NOTENOUGH,
                        AUTHCODEEXPIRE, CHANNEL_QUOTA (see ``codes.py``)
``late:N``              "user is paying"; the charge lands N seconds after the
                        pay *even if the order was reversed meanwhile*
======================  =====================================================

Which one applies to a pay, first match wins: a script for this exact code
(on this channel, then on any channel), a script for an amount range (newest
first, this channel before any), then the default by the amount's last two
digits (fen): ``.91`` paying:3, ``.92`` paying:3:fail, ``.93`` error,
``.94`` error:success, ``.95`` timeout, ``.96`` decline:NOTENOUGH,
``.97`` decline:CHANNEL_QUOTA, ``.98`` late:5, ``.99`` decline:AUTHCODEEXPIRE,
anything else success. A script may be limited to a number of uses.

An *outage* makes every call to one channel answer SYSTEMERROR (pay, query,
reverse, refund) until it is lifted. Scripts, outages and the channels'
orders live in the database, so they hold for every instance and survive a
restart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from backend_stub.errors import ApiError
from backend_stub.storage.hashing import secret_hash
from backend_stub.storage.schema import sim_orders, sim_outages, sim_scripts
from protocol import paycode
from protocol.errors import ErrorCode

__all__ = [
    "DEFAULT_BY_CENTS",
    "Behaviour",
    "add_script",
    "clear_scripts",
    "is_down",
    "list_orders",
    "list_scripts",
    "match",
    "parse_behaviour",
    "set_outage",
]

DEFAULT_BY_CENTS = {
    91: "paying:3",
    92: "paying:3:fail",
    93: "error",
    94: "error:success",
    95: "timeout",
    96: "decline:NOTENOUGH",
    97: "decline:CHANNEL_QUOTA",
    98: "late:5",
    99: "decline:AUTHCODEEXPIRE",
}
_CHANNEL_CODE = r"^[A-Z][A-Z0-9_]{1,31}$"


@dataclass(frozen=True)
class Behaviour:
    kind: str  # success | paying | error | timeout | decline | late
    seconds: float = 0.0
    succeeds: bool = True
    code: str = ""


def _seconds(text: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{spec!r}: {text!r} is not a number of seconds") from None
    if not 0 <= value <= 3600:
        raise ValueError(f"{spec!r}: seconds must be between 0 and 3600")
    return value


def parse_behaviour(spec: str) -> Behaviour:
    """The behaviour a string names, or ``ValueError`` in plain words."""
    kind, *args = spec.strip().split(":")
    ending = args[-1] if args and args[-1] in ("success", "fail") else None
    if kind == "success" and not args:
        return Behaviour("success")
    if kind in ("paying", "late") and args:
        if kind == "late" and len(args) != 1:
            raise ValueError(f"{spec!r}: write late:SECONDS")
        if len(args) > 2 or (len(args) == 2 and ending is None):
            raise ValueError(f"{spec!r}: write paying:SECONDS or paying:SECONDS:fail")
        return Behaviour(kind, _seconds(args[0], spec), ending != "fail")
    if kind in ("error", "timeout") and len(args) <= 1 and (not args or ending):
        default = kind == "timeout"
        return Behaviour(kind, succeeds=(ending == "success") if ending else default)
    if kind == "decline" and len(args) == 1:
        if not re.match(_CHANNEL_CODE, args[0]):
            raise ValueError(f"{spec!r}: the code is upper-case letters, e.g. decline:NOTENOUGH")
        return Behaviour("decline", code=args[0])
    raise ValueError(
        f"{spec!r} is not a behaviour: use success, paying:N[:fail], error[:success], "
        "timeout[:fail], decline:CODE or late:N"
    )


def add_script(
    conn: Connection,
    behaviour: str,
    now_ms: int,
    *,
    channel: str | None = None,
    code: str | None = None,
    amount_min: int | None = None,
    amount_max: int | None = None,
    times: int | None = None,
) -> int:
    try:
        parse_behaviour(behaviour)
    except ValueError as exc:
        raise ApiError(ErrorCode.BAD_REQUEST, f"behaviour: {exc}") from None
    if code is None and amount_min is None and amount_max is None:
        raise ApiError(ErrorCode.BAD_REQUEST, "give a code, an amount or an amount range")
    if code is not None and (amount_min is not None or amount_max is not None):
        raise ApiError(ErrorCode.BAD_REQUEST, "give a code or an amount range, not both")
    if amount_min is not None and amount_max is not None and amount_max < amount_min:
        raise ApiError(ErrorCode.BAD_REQUEST, "amount_max is below amount_min")
    return int(
        conn.execute(
            insert(sim_scripts)
            .values(
                channel=channel,
                code_hash=secret_hash(code) if code else None,
                code_masked=paycode.mask(code) if code else "",
                amount_min=amount_min,
                amount_max=amount_max,
                behaviour=behaviour.strip(),
                uses_left=times,
                created_at_ms=now_ms,
            )
            .returning(sim_scripts.c.id)
        ).scalar_one()
    )


def list_scripts(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(sim_scripts).order_by(sim_scripts.c.id.desc())).all()
    return [
        {
            "id": r.id,
            "channel": r.channel,
            "code": r.code_masked or None,
            "amount_min": r.amount_min,
            "amount_max": r.amount_max,
            "behaviour": r.behaviour,
            "uses_left": r.uses_left,
        }
        for r in rows
    ]


def clear_scripts(conn: Connection, channel: str | None = None) -> int:
    stmt = delete(sim_scripts)
    if channel is not None:
        stmt = stmt.where(sim_scripts.c.channel == channel)
    return conn.execute(stmt).rowcount


def match(conn: Connection, channel: str, code: str, amount_fen: int) -> str:
    """The behaviour for a pay; a script with uses left loses one."""
    live = or_(sim_scripts.c.uses_left.is_(None), sim_scripts.c.uses_left > 0)
    here = or_(sim_scripts.c.channel.is_(None), sim_scripts.c.channel == channel)
    by_code = conn.execute(
        select(sim_scripts.c.id, sim_scripts.c.behaviour, sim_scripts.c.uses_left)
        .where(sim_scripts.c.code_hash == secret_hash(code), live, here)
        .order_by(sim_scripts.c.channel.is_(None), sim_scripts.c.id.desc())
        .limit(1)
    ).first()
    found = (
        by_code
        or conn.execute(
            select(sim_scripts.c.id, sim_scripts.c.behaviour, sim_scripts.c.uses_left)
            .where(
                sim_scripts.c.code_hash.is_(None),
                or_(sim_scripts.c.amount_min.is_(None), sim_scripts.c.amount_min <= amount_fen),
                or_(sim_scripts.c.amount_max.is_(None), sim_scripts.c.amount_max >= amount_fen),
                live,
                here,
            )
            .order_by(sim_scripts.c.channel.is_(None), sim_scripts.c.id.desc())
            .limit(1)
        ).first()
    )
    if found is None:
        return DEFAULT_BY_CENTS.get(amount_fen % 100, "success")
    if found.uses_left is not None:
        conn.execute(
            update(sim_scripts)
            .where(sim_scripts.c.id == found.id)
            .values(uses_left=sim_scripts.c.uses_left - 1)
        )
    return str(found.behaviour)


def set_outage(conn: Connection, channel: str, down: bool, now_ms: int) -> None:
    conn.execute(delete(sim_outages).where(sim_outages.c.channel == channel))
    if down:
        conn.execute(insert(sim_outages).values(channel=channel, since_ms=now_ms))


def is_down(conn: Connection, channel: str) -> bool:
    return (
        conn.execute(select(sim_outages.c.channel).where(sim_outages.c.channel == channel)).first()
        is not None
    )


def list_orders(
    conn: Connection, channel: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    stmt = select(sim_orders).order_by(sim_orders.c.id.desc()).limit(limit)
    if channel is not None:
        stmt = stmt.where(sim_orders.c.channel == channel)
    return [
        {
            "channel": r.channel,
            "channel_trade_no": r.channel_trade_no,
            "code": r.code_masked,
            "amount_fen": r.amount_fen,
            "behaviour": r.behaviour,
            "state": r.state,
            "channel_code": r.code,
            "refunded_fen": r.refunded_fen,
            "paid_at_ms": r.paid_at_ms,
        }
        for r in conn.execute(stmt).all()
    ]
