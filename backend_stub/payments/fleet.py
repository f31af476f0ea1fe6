"""The fleet: what each till and handheld last reported, and what store IT does to them.

A terminal sends a heartbeat every ``heartbeat_interval_s`` (and at once when
a device's state changes); each one is one INSERT, so a thousand terminals
cost little. Its latest heartbeat is its state; three intervals without one
and it is offline. Store IT lists terminals, switches one off or on again,
asks it to rotate its secret, renames it or moves it to another store; each
of these is recorded with who did it and why (``terminal_actions``).

Switching off takes effect in the gateway (the nonce's insert checks the
terminal's row), so here it is one UPDATE.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from backend_stub.clock import ms_to_s
from backend_stub.context import Call
from backend_stub.errors import ApiError
from backend_stub.observability.metrics import HEARTBEATS, FleetFigures
from backend_stub.settings import Settings
from backend_stub.storage.schema import (
    activation_codes,
    courier_devices,
    couriers,
    stores,
    terminal_actions,
    terminal_heartbeats,
    terminals,
    trades,
)
from protocol.errors import ErrorCode
from protocol.models import (
    DeviceState,
    HeartbeatRequest,
    HeartbeatResponse,
    RotateSecretResponse,
)

__all__ = [
    "CLOCK_TOLERANCE_S",
    "Filters",
    "ask_rotation",
    "confirm_rotation",
    "figures",
    "heartbeat",
    "list_terminals",
    "purge_heartbeats",
    "record_action",
    "rotate_secret",
    "set_disabled",
    "set_name",
    "set_store",
    "terminal_detail",
]

CLOCK_TOLERANCE_S = 30  # a till whose clock is further off than this is a problem to fix
OFFLINE_AFTER_INTERVALS = 3


# -- the terminal's side ---------------------------------------------------------------------


def heartbeat(
    conn: Connection, call: Call, request: HeartbeatRequest, settings: Settings
) -> HeartbeatResponse:
    """Record it (one INSERT) and tell the terminal when to send the next and what to do.

    Whether store IT asked for a rotation the gateway read with the nonce's
    insert, so the write lock is held for the one INSERT only.
    """
    devices = [d.model_dump(mode="json") for d in request.devices]
    conn.execute(
        insert(terminal_heartbeats).values(
            terminal_id=call.terminal_id,
            received_at_ms=call.now_ms,
            app=request.app,
            version=request.version,
            devices=json.dumps(devices, ensure_ascii=False, separators=(",", ":")),
            devices_in_error=sum(d.state is not DeviceState.OK for d in request.devices),
            in_doubt=request.in_doubt,
            queued_signoffs=request.queued_signoffs,
            clock_offset_s=request.clock_offset_s,
        )
    )
    HEARTBEATS.labels(call.terminal.kind).inc()
    return HeartbeatResponse(
        interval_s=max(1, round(settings.heartbeat_interval_s)),
        rotate_secret=call.terminal.rotate_asked,
    )


def rotate_secret(conn: Connection, call: Call) -> RotateSecretResponse:
    """A new secret for this terminal, pending: the old one works until the new one confirms."""
    new = secrets.token_hex(32)
    conn.execute(
        update(terminals).where(terminals.c.id == call.terminal_id).values(pending_secret=new)
    )
    return RotateSecretResponse(secret=new)


def confirm_rotation(conn: Connection, call: Call) -> dict[str, Any]:
    """Signed with the pending secret: it becomes the secret, and the old one dies.

    Signed with the secret itself, it was confirmed before (the terminal did not
    hear the answer): answered the same, nothing changes.
    """
    done = conn.execute(
        update(terminals)
        .where(terminals.c.id == call.terminal_id, terminals.c.pending_secret == call.secret)
        .values(secret=call.secret, pending_secret=None, rotate_requested_at_ms=None)
    )
    if done.rowcount == 1:
        record_action(
            conn, call.terminal_id, "rotated", "terminal", "new secret confirmed", call.now_ms
        )
    return {"rotated": True}


# -- store IT's side -------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    store_id: str | None = None
    kind: str | None = None
    online: bool | None = None
    problems: bool | None = None


def _latest() -> Any:
    """Each terminal's newest heartbeat id (a subquery to join on)."""
    return (
        select(
            terminal_heartbeats.c.terminal_id,
            func.max(terminal_heartbeats.c.id).label("id"),
        )
        .group_by(terminal_heartbeats.c.terminal_id)
        .subquery("latest")
    )


def _rows(conn: Connection, where: list[ColumnElement[bool]]) -> list[Any]:
    latest = _latest()
    hb = terminal_heartbeats
    courier = (
        select(activation_codes.c.terminal_id, couriers.c.id, couriers.c.name)
        .join(
            courier_devices,
            courier_devices.c.activation_code_hash == activation_codes.c.code_hash,
        )
        .join(couriers, couriers.c.id == courier_devices.c.courier_id)
        .where(activation_codes.c.terminal_id.is_not(None))
        .subquery("courier")
    )
    query = (
        select(
            terminals.c.id,
            terminals.c.device_name,
            terminals.c.kind,
            terminals.c.store_id,
            stores.c.name.label("store_name"),
            courier.c.id.label("courier_id"),
            courier.c.name.label("courier_name"),
            terminals.c.created_at_ms,
            terminals.c.disabled_at_ms,
            terminals.c.disabled_reason,
            terminals.c.pending_secret.is_not(None).label("rotation_pending"),
            terminals.c.rotate_requested_at_ms,
            hb.c.received_at_ms,
            hb.c.app,
            hb.c.version,
            hb.c.devices,
            hb.c.devices_in_error,
            hb.c.in_doubt,
            hb.c.queued_signoffs,
            hb.c.clock_offset_s,
        )
        .join(stores, stores.c.id == terminals.c.store_id)
        .outerjoin(courier, courier.c.terminal_id == terminals.c.id)
        .outerjoin(latest, latest.c.terminal_id == terminals.c.id)
        .outerjoin(hb, hb.c.id == latest.c.id)
        .where(*where)
        .order_by(terminals.c.store_id, terminals.c.id)
    )
    return list(conn.execute(query))


def _problems(row: Any, online: bool) -> list[dict[str, Any]]:
    """What store IT should look at (empty: nothing): a code, a figure, and plain words."""
    found = []

    def add(code: str, figure: int, text: str) -> None:
        found.append({"code": code, "figure": figure, "text": text})

    if row.received_at_ms is None:
        add("NO_HEARTBEAT", 0, "no heartbeat yet")
    elif not online:
        add("OFFLINE", 0, "offline")
    if row.devices_in_error:
        add("DEVICES", row.devices_in_error, f"{row.devices_in_error} device(s) not working")
    if row.in_doubt:
        add("IN_DOUBT", row.in_doubt, f"{row.in_doubt} payment(s) in doubt")
    if row.clock_offset_s is not None and abs(row.clock_offset_s) > CLOCK_TOLERANCE_S:
        add("CLOCK", row.clock_offset_s, f"clock off by {row.clock_offset_s} s")
    return found


def _view(row: Any, now_ms: int, settings: Settings) -> dict[str, Any]:
    window = OFFLINE_AFTER_INTERVALS * settings.heartbeat_interval_s * 1000
    online = row.received_at_ms is not None and now_ms - row.received_at_ms <= window
    seen = row.received_at_ms
    return {
        "terminal_id": row.id,
        "name": row.device_name,
        "kind": row.kind,
        "store_id": row.store_id,
        "store_name": row.store_name,
        "courier_id": row.courier_id,
        "courier_name": row.courier_name,
        "enrolled_at": ms_to_s(row.created_at_ms),
        "last_heartbeat_at": None if seen is None else ms_to_s(seen),
        "online": online,
        "disabled": row.disabled_at_ms is not None,
        "disabled_reason": row.disabled_reason if row.disabled_at_ms is not None else "",
        "rotation_pending": bool(row.rotation_pending) or row.rotate_requested_at_ms is not None,
        "app": row.app or "",
        "version": row.version or "",
        "devices": json.loads(row.devices) if row.devices else [],
        "in_doubt": row.in_doubt or 0,
        "queued_signoffs": row.queued_signoffs or 0,
        "clock_offset_s": row.clock_offset_s or 0,
        "problems": _problems(row, online),
    }


def list_terminals(
    conn: Connection, now_ms: int, settings: Settings, filters: Filters
) -> list[dict[str, Any]]:
    where: list[ColumnElement[bool]] = []
    if filters.store_id is not None:
        where.append(terminals.c.store_id == filters.store_id)
    if filters.kind is not None:
        where.append(terminals.c.kind == filters.kind)
    views = [_view(row, now_ms, settings) for row in _rows(conn, where)]
    if filters.online is not None:
        views = [v for v in views if v["online"] is filters.online]
    if filters.problems is not None:
        views = [v for v in views if bool(v["problems"]) is filters.problems]
    return views


def figures(conn: Connection, now_ms: int, settings: Settings) -> FleetFigures:
    """Terminals by (kind, online/offline/disabled) and devices in error by kind, for metrics."""
    by_status: dict[tuple[str, str], int] = {}
    in_error: dict[str, int] = {}
    for view in list_terminals(conn, now_ms, settings, Filters()):
        status = "disabled" if view["disabled"] else "online" if view["online"] else "offline"
        key = (view["kind"], status)
        by_status[key] = by_status.get(key, 0) + 1
        bad = sum(d.get("state") != DeviceState.OK for d in view["devices"])
        in_error[view["kind"]] = in_error.get(view["kind"], 0) + bad
    return by_status, in_error


def _must_exist(conn: Connection, terminal_id: str) -> None:
    if conn.execute(select(terminals.c.id).where(terminals.c.id == terminal_id)).first() is None:
        raise ApiError(ErrorCode.BAD_REQUEST, f"terminal_id: no terminal {terminal_id!r}")


def terminal_detail(
    conn: Connection, terminal_id: str, now_ms: int, settings: Settings, recent: int = 20
) -> dict[str, Any]:
    """One terminal as in the list, with its recent heartbeats, payments and actions."""
    rows = _rows(conn, [terminals.c.id == terminal_id])
    if not rows:
        raise ApiError(ErrorCode.BAD_REQUEST, f"terminal_id: no terminal {terminal_id!r}")
    view = _view(rows[0], now_ms, settings)
    hb = terminal_heartbeats
    view["heartbeats"] = [
        {
            "at": ms_to_s(r.received_at_ms),
            "app": r.app,
            "version": r.version,
            "devices": json.loads(r.devices),
            "in_doubt": r.in_doubt,
            "queued_signoffs": r.queued_signoffs,
            "clock_offset_s": r.clock_offset_s,
        }
        for r in conn.execute(
            select(hb).where(hb.c.terminal_id == terminal_id).order_by(hb.c.id.desc()).limit(recent)
        )
    ]
    view["payments"] = [
        {
            "out_trade_no": r.out_trade_no,
            "trade_no": r.trade_no,
            "amount_fen": r.amount_fen,
            "state": r.state,
            "reason": r.reason,
            "code": r.code_masked,
            "created_at": ms_to_s(r.created_at_ms),
        }
        for r in conn.execute(
            select(
                trades.c.out_trade_no,
                trades.c.trade_no,
                trades.c.amount_fen,
                trades.c.state,
                trades.c.reason,
                trades.c.code_masked,
                trades.c.created_at_ms,
            )
            .where(trades.c.terminal_id == terminal_id)
            .order_by(trades.c.id.desc())
            .limit(recent)
        )
    ]
    acts = terminal_actions
    view["actions"] = [
        {"action": r.action, "operator": r.operator, "reason": r.reason, "at": ms_to_s(r.at_ms)}
        for r in conn.execute(
            select(acts).where(acts.c.terminal_id == terminal_id).order_by(acts.c.id.desc())
        )
    ]
    return view


def record_action(
    conn: Connection, terminal_id: str, action: str, operator: str, reason: str, now_ms: int
) -> None:
    conn.execute(
        insert(terminal_actions).values(
            terminal_id=terminal_id, action=action, operator=operator, reason=reason, at_ms=now_ms
        )
    )


def set_disabled(
    conn: Connection, terminal_id: str, disabled: bool, operator: str, reason: str, now_ms: int
) -> None:
    """Switch a terminal off (every next signed request refused) or on again."""
    _must_exist(conn, terminal_id)
    values = (
        {"disabled_at_ms": now_ms, "disabled_reason": reason}
        if disabled
        else {"disabled_at_ms": None, "disabled_reason": ""}
    )
    conn.execute(update(terminals).where(terminals.c.id == terminal_id).values(**values))
    record_action(conn, terminal_id, "disable" if disabled else "enable", operator, reason, now_ms)


def ask_rotation(
    conn: Connection, terminal_id: str, operator: str, reason: str, now_ms: int
) -> None:
    """The terminal is told in its next heartbeat's answer to rotate its secret."""
    _must_exist(conn, terminal_id)
    conn.execute(
        update(terminals).where(terminals.c.id == terminal_id).values(rotate_requested_at_ms=now_ms)
    )
    record_action(conn, terminal_id, "rotate", operator, reason, now_ms)


def set_name(
    conn: Connection, terminal_id: str, name: str, operator: str, reason: str, now_ms: int
) -> None:
    _must_exist(conn, terminal_id)
    conn.execute(update(terminals).where(terminals.c.id == terminal_id).values(device_name=name))
    record_action(conn, terminal_id, "rename", operator, reason or f"now {name!r}", now_ms)


def set_store(
    conn: Connection, terminal_id: str, store_id: str, operator: str, reason: str, now_ms: int
) -> None:
    _must_exist(conn, terminal_id)
    if conn.execute(select(stores.c.id).where(stores.c.id == store_id)).first() is None:
        raise ApiError(ErrorCode.BAD_REQUEST, f"store_id: no store {store_id!r}")
    conn.execute(update(terminals).where(terminals.c.id == terminal_id).values(store_id=store_id))
    record_action(conn, terminal_id, "move", operator, reason or f"to store {store_id}", now_ms)


def purge_heartbeats(conn: Connection, now_ms: int, keep_ms: int) -> int:
    """Forget heartbeats older than ``keep_ms``; each terminal's latest one always stays."""
    latest = select(func.max(terminal_heartbeats.c.id)).group_by(terminal_heartbeats.c.terminal_id)
    return conn.execute(
        delete(terminal_heartbeats).where(
            terminal_heartbeats.c.received_at_ms < now_ms - keep_ms,
            ~terminal_heartbeats.c.id.in_(latest),
        )
    ).rowcount
