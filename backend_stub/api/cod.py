"""Cash on delivery over HTTP: the PDA's signed endpoints and the operator's.

Terminal (signed, like every ``/v1`` call; the courier is the PDA's own):

- ``POST /v1/cod-orders`` ``CodOrderListRequest`` -> ``CodOrderList``
- ``POST /v1/cod-sign-off`` ``CodSignOffRequest`` -> ``CodOrderView``

Operator (``/admin/v1``, bearer token): couriers, a courier's PDA
activation codes, orders.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.engine import Connection

from backend_stub.clock import ms_to_s, s_to_ms
from backend_stub.context import Backend
from backend_stub.errors import ApiError
from backend_stub.gateway.plain import in_transaction, plain_answer
from backend_stub.payments import cod, terminals
from protocol.errors import ErrorCode
from protocol.models import (
    MAX_AMOUNT_FEN,
    MAX_TTL_S,
    CodOrderListRequest,
    CodOrderView,
    CodSignOffRequest,
)

from .admin import operator_check
from .lane import TerminalRouter
from .terminal import add_signed_route

__all__ = ["cod_router"]

CourierId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
DayText = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]


class NewCourier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    courier_id: CourierId
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    store_id: Annotated[str, StringConstraints(max_length=32)] | None = None


class NewCourierCode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ttl_s: Annotated[int, Field(gt=0, le=MAX_TTL_S, strict=True)] | None = None


class NewOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    courier_id: CourierId
    recipient: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)
    ]
    amount_fen: Annotated[int, Field(gt=0, le=MAX_AMOUNT_FEN, strict=True)]
    address: Annotated[str, StringConstraints(max_length=255)] = ""
    day: DayText | None = None
    order_no: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{4,32}$")] | None = None


def cod_router(backend: Backend) -> TerminalRouter:
    router = TerminalRouter()
    add_signed_route(
        router,
        backend,
        "cod-orders",
        CodOrderListRequest,
        cod.orders_for_terminal,
        "The courier's cash-on-delivery orders for a day, with their status",
    )
    add_signed_route(
        router,
        backend,
        "cod-sign-off",
        CodSignOffRequest,
        cod.sign_off,
        "Sign off a delivered order: who took it, and its payment (a trade, or cash)",
    )
    router.include_router(_operator_router(backend))
    return router


def _operator_router(backend: Backend) -> APIRouter:
    settings = backend.settings
    router = APIRouter(
        prefix="/admin/v1", tags=["operator"], dependencies=[Depends(operator_check(backend))]
    )

    @router.post("/couriers", summary="Create a courier (or rename one)")
    def save_courier(body: NewCourier) -> JSONResponse:
        def work(conn: Connection, now: int) -> cod.Courier:
            store_id = body.store_id or terminals.first_store_id(conn)
            if store_id is None:
                raise ApiError(ErrorCode.BAD_REQUEST, "store_id: there is no store yet")
            return cod.save_courier(
                conn, courier_id=body.courier_id, name=body.name, store_id=store_id, now_ms=now
            )

        return plain_answer(in_transaction(backend, work))

    @router.post(
        "/couriers/{courier_id}/activation-codes",
        summary="A one-time code that enrols a PDA for this courier",
    )
    def courier_code(courier_id: CourierId, body: NewCourierCode | None = None) -> JSONResponse:
        def work(conn: Connection, now: int) -> dict[str, object]:
            ttl = body.ttl_s if body and body.ttl_s is not None else settings.activation_ttl_s
            code, expires, courier = cod.courier_activation_code(
                conn, courier_id, now, s_to_ms(ttl)
            )
            return {
                "activation_code": code,
                "courier_id": courier.id,
                "store_id": courier.store_id,
                "kind": "pda",
                "expires_at": ms_to_s(expires),
            }

        return plain_answer(in_transaction(backend, work))

    @router.post("/cod-orders", summary="Create a cash-on-delivery order for a courier")
    def create_order(body: NewOrder) -> JSONResponse:
        def work(conn: Connection, now: int) -> CodOrderView:
            return cod.create_order(
                conn,
                courier_id=body.courier_id,
                recipient=body.recipient,
                amount_fen=body.amount_fen,
                now_ms=now,
                day=body.day,
                address=body.address,
                order_no=body.order_no,
            )

        return plain_answer(in_transaction(backend, work))

    @router.get("/cod-orders", summary="Cash-on-delivery orders with their status")
    def list_orders(
        courier_id: Annotated[str | None, Query(max_length=32)] = None,
        day: Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")] = None,
    ) -> JSONResponse:
        found = in_transaction(
            backend,
            lambda conn, _now: cod.list_orders(conn, courier_id, day=day),
            write=False,
        )
        return plain_answer(found)

    return router
