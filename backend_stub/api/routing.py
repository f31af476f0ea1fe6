"""Operator endpoints for routing: versions, channel health, the simulator, reconciliation.

Under ``/admin/v1`` with the operator token, like the rest of the operator API:

- ``/routing``: the active version, every version, the draft; ``PUT /routing/draft?operator=``
  (a routing configuration document), ``POST /routing/snapshot {note, operator}``,
  ``POST /routing/publish {version, operator, reason}``, ``POST /routing/rollback {version,
  operator, reason}``, ``GET /routing/versions/{n}``, ``GET /routing/events`` (each with
  who and why: the operator and reason are kept with the event, empty when not given);
- ``/channels``: each physical channel's health, success rate, breaker and
  calls in flight here; ``/channels/events``: the switches, newest first;
- ``/sim/...``: script the simulated channels (see :mod:`.channels.sim_scripts`);
- ``/reconcile?date=&merchant=``: the daily file (CSV);
  ``/reconcile/channels/{id}?date=``: the channel's statement against our books.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.engine import Connection

from backend_stub.context import Backend
from backend_stub.errors import ApiError
from backend_stub.gateway.plain import in_transaction, plain_answer
from backend_stub.ledger import reconcile
from backend_stub.routing import health as channel_state
from backend_stub.routing import versions as routing_versions
from backend_stub.routing.channels import sim_scripts
from protocol.errors import ErrorCode
from protocol.models import MAX_AMOUNT_FEN

from .admin import operator_check

__all__ = ["routing_router"]

ChannelId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


Operator = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]


class SnapshotBody(_Body):
    note: Annotated[str, StringConstraints(max_length=128)] = ""
    operator: Operator = ""  # who: the console sends the name its operator signed in with


_MAX_VERSION = 2**31 - 1  # versions are 32-bit integers in the database


class VersionBody(_Body):
    version: Annotated[int, Field(ge=0, le=_MAX_VERSION, strict=True)]  # 0: the built-in one
    operator: Operator = ""
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=256)] = ""


class ScriptBody(_Body):
    behaviour: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    channel: ChannelId | None = None
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,32}$")] | None = None
    amount_fen: Annotated[int, Field(gt=0, le=MAX_AMOUNT_FEN, strict=True)] | None = None
    amount_min: Annotated[int, Field(gt=0, le=MAX_AMOUNT_FEN, strict=True)] | None = None
    amount_max: Annotated[int, Field(gt=0, le=MAX_AMOUNT_FEN, strict=True)] | None = None
    times: Annotated[int, Field(gt=0, le=1_000_000, strict=True)] | None = None


class OutageBody(_Body):
    down: bool


def routing_router(backend: Backend) -> APIRouter:
    settings = backend.settings
    offset = settings.utc_offset_min
    router = APIRouter(
        prefix="/admin/v1", tags=["routing"], dependencies=[Depends(operator_check(backend))]
    )

    def run(work: Any, *, write: bool = True) -> JSONResponse:
        return plain_answer(in_transaction(backend, work, write=write))

    @router.get("/routing", summary="The active routing version, every version, the draft")
    def overview() -> JSONResponse:
        def work(conn: Connection, _now: int) -> dict[str, Any]:
            draft = routing_versions.draft(conn)
            return {
                "active_version": routing_versions.active(conn, offset).version,
                "versions": [asdict(v) for v in routing_versions.list_versions(conn)],
                "draft": draft.model_dump(mode="json") if draft else None,
            }

        return run(work, write=False)

    @router.get("/routing/draft", summary="The draft configuration")
    def get_draft() -> JSONResponse:
        def work(conn: Connection, _now: int) -> Any:
            draft = routing_versions.draft(conn)
            if draft is None:
                raise ApiError(ErrorCode.BAD_REQUEST, "there is no draft yet")
            return draft

        return run(work, write=False)

    @router.put("/routing/draft", summary="Replace the draft (validated)")
    def put_draft(
        document: Annotated[dict[str, Any], Body()],
        operator: Annotated[str, Query(max_length=64)] = "",
    ) -> JSONResponse:
        return run(
            lambda conn, now: routing_versions.set_draft(
                conn, document, now, operator=operator.strip()
            )
        )

    @router.post("/routing/snapshot", summary="Freeze the draft as the next version")
    def snapshot(body: SnapshotBody) -> JSONResponse:
        return run(
            lambda conn, now: {
                "version": routing_versions.snapshot(conn, body.note, now, operator=body.operator)
            }
        )

    def put_in_force(body: VersionBody, *, rollback: bool) -> JSONResponse:
        def work(conn: Connection, now: int) -> dict[str, int]:
            version = routing_versions.publish(
                conn,
                body.version,
                now,
                rollback=rollback,
                operator=body.operator,
                reason=body.reason,
            )
            return {"version": version}

        return run(work)

    @router.post("/routing/publish", summary="Make a version the active one")
    def publish(body: VersionBody) -> JSONResponse:
        return put_in_force(body, rollback=False)

    @router.post("/routing/rollback", summary="Publish an earlier version again")
    def rollback(body: VersionBody) -> JSONResponse:
        return put_in_force(body, rollback=True)

    @router.get("/routing/versions/{version}", summary="One version's configuration")
    def get_version(version: Annotated[int, Path(ge=0, le=_MAX_VERSION)]) -> JSONResponse:
        return run(lambda conn, _now: routing_versions.version_config(conn, version), write=False)

    @router.get("/routing/events", summary="Drafts, snapshots, publishes and rollbacks")
    def routing_events(limit: Annotated[int, Query(ge=1, le=500)] = 50) -> JSONResponse:
        return run(lambda conn, _now: routing_versions.events(conn, limit), write=False)

    @router.get("/channels", summary="Each channel's health, breaker and calls in flight")
    def channels() -> JSONResponse:
        def work(conn: Connection, now: int) -> list[dict[str, Any]]:
            config = routing_versions.active(conn, offset).config
            busy = backend.channels.in_flight()
            enabled = {c.id: c.enabled for c in config.channels}
            found = channel_state.report(conn, list(enabled), now, settings)
            return [
                asdict(h)
                | {"in_flight_here": busy.get(h.channel, 0), "enabled": enabled[h.channel]}
                for h in found
            ]

        return run(work, write=False)

    @router.get("/channels/events", summary="Health and breaker switches, newest first")
    def channel_events(limit: Annotated[int, Query(ge=1, le=500)] = 50) -> JSONResponse:
        return run(lambda conn, _now: channel_state.list_events(conn, limit), write=False)

    @router.post("/sim/scripts", summary="Script a simulated channel for a code or amounts")
    def add_script(body: ScriptBody) -> JSONResponse:
        low = body.amount_fen if body.amount_fen is not None else body.amount_min
        high = body.amount_fen if body.amount_fen is not None else body.amount_max
        return run(
            lambda conn, now: {
                "id": sim_scripts.add_script(
                    conn,
                    body.behaviour,
                    now,
                    channel=body.channel,
                    code=body.code,
                    amount_min=low,
                    amount_max=high,
                    times=body.times,
                )
            }
        )

    @router.get("/sim/scripts", summary="The simulator's scripts, newest first")
    def list_scripts() -> JSONResponse:
        return run(lambda conn, _now: sim_scripts.list_scripts(conn), write=False)

    @router.delete("/sim/scripts", summary="Remove scripts (of one channel, or all)")
    def clear_scripts(channel: Annotated[str | None, Query(max_length=32)] = None) -> JSONResponse:
        return run(lambda conn, _now: {"removed": sim_scripts.clear_scripts(conn, channel)})

    @router.put("/sim/outages/{channel}", summary="Start or end a simulated channel's outage")
    def outage(channel: ChannelId, body: OutageBody) -> JSONResponse:
        def work(conn: Connection, now: int) -> dict[str, Any]:
            sim_scripts.set_outage(conn, channel, body.down, now)
            return {"channel": channel, "down": body.down}

        return run(work)

    @router.get("/sim/orders", summary="The simulated channels' own orders, newest first")
    def sim_orders(
        channel: Annotated[str | None, Query(max_length=32)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> JSONResponse:
        return run(lambda conn, _now: sim_scripts.list_orders(conn, channel, limit), write=False)

    @router.get("/reconcile", summary="A merchant's daily reconciliation file (CSV)")
    def daily_file(
        day: Annotated[date, Query(alias="date")],
        merchant: Annotated[str | None, Query(max_length=32)] = None,
    ) -> PlainTextResponse:
        def work(conn: Connection, _now: int) -> str:
            return reconcile.daily_file(
                conn, merchant or reconcile.first_merchant(conn), day, offset
            )

        text = in_transaction(backend, work, write=False)
        return PlainTextResponse(text, media_type="text/csv")

    @router.get("/reconcile/channels/{channel}", summary="A channel's statement against our books")
    def statement(channel: ChannelId, day: Annotated[date, Query(alias="date")]) -> JSONResponse:
        def work(conn: Connection, _now: int) -> dict[str, Any]:
            spec = routing_versions.active(conn, offset).config.channel(channel)
            if spec is None:
                raise ApiError(ErrorCode.BAD_REQUEST, f"channel: no channel {channel!r} in force")
            lines, differences = reconcile.compare_statement(
                conn, backend.channels.adapter(spec), day, offset
            )
            return {
                "channel": channel,
                "date": day.isoformat(),
                "lines": len(lines),
                "differences": [d.as_dict() for d in differences],
            }

        return run(work, write=False)

    return router
