"""The terminal API, ``POST /v1/<name>``: thin routes over the gateway and the core.

Each route hands the raw body (the signature covers the raw object) to
:func:`~backend_stub.gateway.signed.run_signed` in a thread of the terminal
requests' bulkhead (:mod:`backend_stub.gateway.bulkhead`) with the request
model and the core function, and answers with the signed envelope;
``SERVICE_BUSY`` answers carry ``Retry-After``. The server answers these
paths in its lane (:mod:`backend_stub.api.lane`), ahead of FastAPI; the
FastAPI routes keep the OpenAPI schema naming each request model, for API
fuzzers and SDK writers.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Connection

from backend_stub.context import Backend, Call, Continue
from backend_stub.errors import ApiError, refusal_for, validation_message
from backend_stub.gateway.plain import language
from backend_stub.gateway.signed import (
    Answer,
    answer_error,
    answer_ok,
    parse_body,
    run_signed,
)
from backend_stub.gateway.text import refusal, unstorable
from backend_stub.payments import (
    combination,
    confirm,
    credits,
    fleet,
    reversal,
    terminals,
    trades,
)
from backend_stub.routing import external, guide
from backend_stub.storage import schema
from protocol.errors import ErrorCode
from protocol.models import (
    ApiResponse,
    CancelRequest,
    ConfirmRequest,
    EarnPointsRequest,
    EchoRequest,
    EnrolRequest,
    GuideRequest,
    HeartbeatRequest,
    OtherTendersRequest,
    PayRequest,
    QueryRequest,
    RefundRequest,
    SignedRequest,
    TopUpRequest,
    TradeListRequest,
)

from .lane import Handle, TerminalRouter, respond

__all__ = ["REQUEST_MODELS", "add_signed_route", "terminal_router"]

log = logging.getLogger("scanpay.api")

REQUEST_MODELS: dict[str, type[BaseModel]] = {}


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    REQUEST_MODELS[model.__name__] = model
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def _route(
    router: TerminalRouter,
    backend: Backend,
    name: str,
    model: type[BaseModel],
    handle: Handle,
    summary: str,
) -> None:
    """``POST /v1/<name>``: answered by the lane (:mod:`.lane`); FastAPI's route is its schema."""

    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        status, _, payload, headers = await respond(backend, handle, raw, language(request))
        return Response(payload, status, headers, media_type="application/json")

    endpoint.__name__ = name.replace("-", "_").replace("/", "_")
    router.handles[f"/v1/{name}"] = handle
    router.add_api_route(
        f"/v1/{name}",
        endpoint,
        methods=["POST"],
        summary=summary,
        openapi_extra=_body_schema(model),
        responses={200: {"model": ApiResponse}},
        tags=["terminal"],
    )


def add_signed_route(
    router: TerminalRouter,
    backend: Backend,
    name: str,
    model: type[Any],
    action: Callable[[Connection, Call, Any], Any],
    summary: str,
    *,
    while_disabled: bool = False,
    by_pending_secret: bool = False,
    pays: bool = True,
    prepare: Callable[[Any], Any] | None = None,
) -> None:
    """A signed ``POST /v1/<name>`` running ``action`` behind the gateway (other routers too).

    ``while_disabled``: a terminal store IT switched off may still call it;
    ``by_pending_secret``: it may be signed with a rotation's new secret;
    ``pays=False``: it moves no money, so a system error says nothing changed;
    ``prepare``: the request's work that needs no database, before the
    transaction (:func:`~backend_stub.gateway.signed.run_signed`).
    """

    def handle(raw: bytes, lang: str) -> Answer:
        return run_signed(
            backend,
            raw,
            lang,
            model,
            action,
            while_disabled=while_disabled,
            by_pending_secret=by_pending_secret,
            pays=pays,
            prepare=prepare,
        )

    _route(router, backend, name, model, handle, summary)


def terminal_router(backend: Backend) -> TerminalRouter:
    router = TerminalRouter()
    settings = backend.settings

    signed = functools.partial(add_signed_route, router, backend)

    signed(
        "pay",
        PayRequest,
        lambda c, call, plan: trades.pay(c, call, plan, backend),
        "Pay with a scanned code",
        prepare=lambda request: trades.plan_pay(request, settings),
    )
    signed(
        "confirm",
        ConfirmRequest,
        lambda c, call, r: confirm.confirm(c, call, r, backend),
        "Confirm a PIN_REQUIRED trade with a PIN envelope or an SMS code",
    )
    signed(
        "query",
        QueryRequest,
        lambda c, call, r: _query(c, call, r, backend),
        "A trade as it is now",
        while_disabled=True,  # a switched-off till still learns how its payments ended
    )
    signed(
        "cancel",
        CancelRequest,
        lambda c, call, r: reversal.cancel(c, call, r, backend),
        "Reverse: return any deduction and close",
        while_disabled=True,  # ... and can still reverse one it started: nothing left unknown
    )
    signed(
        "refund",
        RefundRequest,
        lambda c, call, r: reversal.refund(c, call, r, backend),
        "Refund all or part of a paid trade",
    )
    signed(
        "trades",
        TradeListRequest,
        lambda c, call, r: trades.list_trades(
            c,
            [schema.trades.c.terminal_id == call.terminal_id],
            r.cursor,
            r.limit,
            call.now_ms,
            settings,
            call.lang,
        ),
        "This terminal's trades, newest first",
        pays=False,
    )
    signed(
        "earn",
        EarnPointsRequest,
        lambda c, call, r: credits.earn(c, call, r, settings),
        "Points earned on a sale",
    )
    signed(
        "topup",
        TopUpRequest,
        lambda c, call, r: credits.topup(c, call, r, settings),
        "Stored-value card top-up",
    )
    signed(
        "guide",
        GuideRequest,
        lambda c, call, r: guide.guide(c, call, r, backend),
        "Which tenders to offer for an order, in order, and why others are hidden",
        pays=False,
    )
    signed(
        "tenders",
        OtherTendersRequest,
        lambda c, call, r: combination.record_other_tenders(c, call, r, settings),
        "Record the other tenders of a combination payment on a paid trade",
    )
    signed(
        "pin-key",
        SignedRequest,
        lambda c, call, r: {
            "pin_key_id": backend.pin_key.key_id,
            "pin_public_key": backend.pin_key.public_pem,
        },
        "The PIN envelope key (RSA public key, PEM)",
        pays=False,
    )
    signed(
        "echo",
        EchoRequest,
        lambda c, call, r: None,
        "A signed round trip that does nothing else",
        pays=False,
    )
    signed(
        "heartbeat",
        HeartbeatRequest,
        lambda c, call, r: fleet.heartbeat(c, call, r, settings),
        "The terminal's state: devices, payments in doubt, version, clock",
        pays=False,
    )
    signed(
        "rotate-secret",
        SignedRequest,
        lambda c, call, r: fleet.rotate_secret(c, call),
        "A new secret, pending until confirmed with a request signed by it",
    )
    signed(
        "rotate-secret/confirm",
        SignedRequest,
        lambda c, call, r: fleet.confirm_rotation(c, call),
        "Signed with the new secret: it replaces the old one, which stops working",
        by_pending_secret=True,
    )
    _route(
        router,
        backend,
        "enrol",
        EnrolRequest,
        lambda raw, lang: _enrol(backend, raw, lang),
        "Enrol a terminal",
    )
    return router


def _query(conn: Connection, call: Call, request: QueryRequest, backend: Backend) -> Any:
    row = trades.find_trade(conn, call.terminal_id, request.out_trade_no, for_update=True)
    if row is None:
        raise ApiError(ErrorCode.TRADE_NOT_FOUND)
    row = trades.expire_if_due(conn, row, call.now_ms)
    if row.channel_todo is not None:  # ask the channel now, so the terminal's query converges
        trade_id, number = row.id, row.out_trade_no

        def view(conn2: Connection, _: object) -> Any:
            found = trades.find_trade(conn2, call.terminal_id, number)
            assert found is not None
            return trades.trade_view(conn2, found, backend.now_ms(), backend.settings, call.lang)

        return Continue(lambda: external.settle(backend, trade_id), view)
    return trades.trade_view(conn, row, call.now_ms, backend.settings, call.lang)


def _enrol(backend: Backend, raw: bytes, lang: str) -> Answer:
    """Unsigned request (the device has no secret yet); the answer is signed with the new one."""
    now = backend.now_ms()
    try:
        body = parse_body(raw)
        bad_text = unstorable(body)
        if bad_text is not None:
            raise ApiError(ErrorCode.BAD_REQUEST, refusal(bad_text))
        request = EnrolRequest.model_validate(body)
        with backend.db.write() as conn:
            enrolled = terminals.enrol(conn, request, now, backend.pin_key)
    except ValidationError as exc:
        return answer_error(
            ApiError(ErrorCode.BAD_REQUEST, validation_message(exc)), "", now, "", lang
        )
    except Exception as exc:
        return answer_error(refusal_for(exc, log), "", now, "", lang)
    return answer_ok(enrolled, "", now, enrolled.secret)
