"""The fleet for store IT, ``/admin/v1/terminals...``, behind the operator token.

List terminals (by store, kind, online or not, with problems), see one with
its recent heartbeats, payments and the actions taken on it, and act on it:
disable and enable (with a reason), ask it to rotate its secret, rename it,
move it to another store. Every action names who did it and why.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy.engine import Connection

from backend_stub.context import Backend
from backend_stub.gateway.plain import in_transaction, plain_answer
from backend_stub.payments import fleet
from protocol.models import TerminalKind

from .admin import operator_check

__all__ = ["fleet_router"]

TerminalId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
StoreId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
Operator = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=256)]


class Action(BaseModel):
    """Who does it and why: both are kept in the terminal's record."""

    model_config = ConfigDict(extra="forbid")

    operator: Operator
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]


class Rename(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operator: Operator
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    reason: Reason = ""


class Move(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operator: Operator
    store_id: StoreId
    reason: Reason = ""


def fleet_router(backend: Backend) -> APIRouter:
    settings = backend.settings
    router = APIRouter(
        prefix="/admin/v1/terminals",
        tags=["operator"],
        dependencies=[Depends(operator_check(backend))],
    )

    def detail(terminal_id: str) -> Any:
        return lambda conn, now: fleet.terminal_detail(conn, terminal_id, now, settings)

    def act(terminal_id: str, change: Any) -> JSONResponse:
        """Make the change, then answer with the terminal as it is now."""

        def work(conn: Connection, now: int) -> dict[str, Any]:
            change(conn, now)
            return fleet.terminal_detail(conn, terminal_id, now, settings)

        return plain_answer(in_transaction(backend, work))

    @router.get("", summary="Every terminal: state, devices, payments in doubt, version")
    def terminals(
        store_id: Annotated[StoreId | None, Query()] = None,
        kind: Annotated[TerminalKind | None, Query()] = None,
        online: Annotated[bool | None, Query()] = None,
        problems: Annotated[bool | None, Query()] = None,
    ) -> JSONResponse:
        filters = fleet.Filters(store_id, kind.value if kind else None, online, problems)
        found = in_transaction(
            backend,
            lambda conn, now: fleet.list_terminals(conn, now, settings, filters),
            write=False,
        )
        return plain_answer({"terminals": found, "interval_s": settings.heartbeat_interval_s})

    @router.get("/{terminal_id}", summary="One terminal, its recent heartbeats, payments, actions")
    def one(terminal_id: TerminalId) -> JSONResponse:
        return plain_answer(in_transaction(backend, detail(terminal_id), write=False))

    @router.post("/{terminal_id}/disable", summary="Switch off: every next signed call refused")
    def disable(terminal_id: TerminalId, body: Action) -> JSONResponse:
        return act(
            terminal_id,
            lambda conn, now: fleet.set_disabled(
                conn, terminal_id, True, body.operator, body.reason, now
            ),
        )

    @router.post("/{terminal_id}/enable", summary="Switch on again")
    def enable(terminal_id: TerminalId, body: Action) -> JSONResponse:
        return act(
            terminal_id,
            lambda conn, now: fleet.set_disabled(
                conn, terminal_id, False, body.operator, body.reason, now
            ),
        )

    @router.post("/{terminal_id}/rotate-secret", summary="Ask it to rotate its secret")
    def rotate(terminal_id: TerminalId, body: Action) -> JSONResponse:
        return act(
            terminal_id,
            lambda conn, now: fleet.ask_rotation(
                conn, terminal_id, body.operator, body.reason, now
            ),
        )

    @router.post("/{terminal_id}/rename", summary="Give it another name")
    def rename(terminal_id: TerminalId, body: Rename) -> JSONResponse:
        return act(
            terminal_id,
            lambda conn, now: fleet.set_name(
                conn, terminal_id, body.name, body.operator, body.reason, now
            ),
        )

    @router.post("/{terminal_id}/move", summary="Move it to another store")
    def move(terminal_id: TerminalId, body: Move) -> JSONResponse:
        return act(
            terminal_id,
            lambda conn, now: fleet.set_store(
                conn, terminal_id, body.store_id, body.operator, body.reason, now
            ),
        )

    return router
