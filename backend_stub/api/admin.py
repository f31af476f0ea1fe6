"""The operator API, ``/admin/v1/...``, behind the bearer operator token.

The token lives in the database (``scanpay-backend admin-token`` prints it),
so every instance accepts the same one. It reads the SMS outbox, creates and
looks up members, freezes and unfreezes them, makes activation codes, and
runs the ledger check.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.engine import Connection

from backend_stub.clock import ms_to_s, s_to_ms
from backend_stub.context import Backend
from backend_stub.errors import ApiError
from backend_stub.gateway.plain import bearer_token, in_transaction, plain_answer
from backend_stub.ledger import postings as ledger
from backend_stub.payments import members as m
from backend_stub.payments import sms, story, terminals
from backend_stub.payments.members import Member
from backend_stub.storage import keys
from protocol.errors import ErrorCode
from protocol.models import MAX_BALANCE, MAX_TTL_S, TerminalKind

__all__ = ["admin_router", "operator_check"]

MemberNo = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


class NewMember(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_no: MemberNo
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{6,20}$")]
    name: Annotated[str, StringConstraints(max_length=128)] = ""
    points: Annotated[int, Field(ge=0, le=MAX_BALANCE, strict=True)] = 0
    card_fen: Annotated[int, Field(ge=0, le=MAX_BALANCE, strict=True)] = 0


class NewActivationCode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    store_id: Annotated[str, StringConstraints(max_length=32)] | None = None
    kind: TerminalKind = TerminalKind.POS
    ttl_s: Annotated[int, Field(gt=0, le=MAX_TTL_S, strict=True)] | None = None


def operator_check(backend: Backend) -> Callable[[Request], None]:
    """The dependency that lets only the operator token through (every operator router uses it)."""

    def operator(request: Request) -> None:
        given = bearer_token(request)
        stored = in_transaction(backend, lambda conn, _now: keys.admin_token(conn), write=False)
        if not hmac.compare_digest(given.encode("utf-8"), stored.encode("utf-8")):
            raise ApiError(ErrorCode.NOT_AUTHORISED, "wrong operator token")

    return operator


def admin_router(backend: Backend) -> APIRouter:
    settings = backend.settings
    router = APIRouter(
        prefix="/admin/v1", tags=["operator"], dependencies=[Depends(operator_check(backend))]
    )

    def view(conn: Connection, member: Member, now: int) -> m.AccountView:
        return m.account_view(conn, member, now, settings)

    @router.get("/sms-outbox", summary="Messages the SMS gateway would have sent, newest first")
    def outbox(
        member_no: Annotated[str | None, Query(max_length=32)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 20,
    ) -> JSONResponse:
        found = in_transaction(
            backend,
            lambda conn, _now: sms.outbox(conn, member_no=member_no, limit=limit),
            write=False,
        )
        return plain_answer(found)

    @router.post("/members", summary="Create a member with opening balances")
    def create_member(body: NewMember) -> JSONResponse:
        def work(conn: Connection, now: int) -> m.AccountView:
            member = m.create_member(
                conn,
                member_no=body.member_no,
                phone=body.phone,
                name=body.name,
                now_ms=now,
                points=body.points,
                card_fen=body.card_fen,
            )
            return view(conn, member, now)

        return plain_answer(in_transaction(backend, work))

    @router.get("/members/{member_no}", summary="A member's account")
    def get_member(member_no: MemberNo) -> JSONResponse:
        def work(conn: Connection, now: int) -> m.AccountView:
            member = m.find_member(conn, member_no=member_no)
            if member is None:
                raise ApiError(ErrorCode.BAD_REQUEST, f"member_no: no member {member_no!r}")
            return view(conn, member, now)

        return plain_answer(in_transaction(backend, work, write=False))

    def set_frozen(member_no: str, frozen: bool) -> JSONResponse:
        def work(conn: Connection, now: int) -> m.AccountView:
            return view(conn, m.set_frozen(conn, member_no, frozen), now)

        return plain_answer(in_transaction(backend, work))

    @router.post("/members/{member_no}/freeze", summary="Freeze a member: payments fail")
    def freeze(member_no: MemberNo) -> JSONResponse:
        return set_frozen(member_no, True)

    @router.post("/members/{member_no}/unfreeze", summary="Unfreeze a member")
    def unfreeze(member_no: MemberNo) -> JSONResponse:
        return set_frozen(member_no, False)

    @router.post("/activation-codes", summary="A one-time code to enrol a terminal")
    def activation_code(body: NewActivationCode) -> JSONResponse:
        def work(conn: Connection, now: int) -> dict[str, object]:
            store_id = body.store_id or terminals.first_store_id(conn)
            if store_id is None:
                raise ApiError(ErrorCode.BAD_REQUEST, "store_id: there is no store yet")
            ttl = s_to_ms(body.ttl_s if body.ttl_s is not None else settings.activation_ttl_s)
            code, expires = terminals.create_activation_code(conn, store_id, body.kind, now, ttl)
            return {
                "activation_code": code,
                "store_id": store_id,
                "kind": body.kind.value,
                "expires_at": ms_to_s(expires),
            }

        return plain_answer(in_transaction(backend, work))

    @router.get("/trades", summary="The newest trades of every terminal (or of one)")
    def recent(
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        terminal_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = None,
    ) -> JSONResponse:
        found = in_transaction(
            backend,
            lambda conn, _now: story.recent_trades(conn, limit, terminal_id),
            write=False,
        )
        return plain_answer({"trades": found})

    @router.get("/trades/{number}", summary="One trade's story: refunds and ledger lines")
    def one_trade(
        number: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")],
    ) -> JSONResponse:
        return plain_answer(
            in_transaction(backend, lambda conn, _now: story.trade_story(conn, number), write=False)
        )

    @router.get("/verify", summary="Recompute every balance from the ledger")
    def verify() -> JSONResponse:
        report = in_transaction(backend, lambda conn, _now: ledger.verify(conn), write=False)
        return plain_answer(
            {
                "ok": report.ok,
                "accounts": report.accounts,
                "lines": report.lines,
                "trades": report.trades,
                "problems": report.problems,
            }
        )

    return router
