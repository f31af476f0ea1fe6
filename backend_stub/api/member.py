"""The member (customer wallet) API, ``/member/v1/...``: a member sees only their own data.

Sign-in is by SMS: ``sms`` (purpose ``login``) puts a code in the outbox,
``login`` trades it for a bearer token. With the token: ``code`` issues or
refreshes a payment code (the old one of this session dies at once),
``account`` shows balances and limits, ``records`` the member's trades newest
first, ``limit`` sets the member's own no-PIN limit (capped by the
system's), ``pin`` sets or resets the PIN with a ``reset`` SMS code, which
also lifts a PIN lock. ``sms`` with purpose ``pay`` re-sends the code that
confirms the member's newest trade waiting for a PIN.

``sms`` needs no sign-in, so it is limited twice, per ``sms_window_s``
(10 minutes), the same way for a member and for a number that is none (the
answer never tells who is a member):

- per source address: ``sms_per_source`` requests (20: a store's customers may share
  one address), so one caller cannot
  spend anyone's allowance;
- per number and purpose: ``sms_codes_per_window`` codes (10) sent and not
  used (a member signing in uses each, so never reaches it; a number that is
  no member counts every request). Each code brings fresh tries, so an
  unbounded supply would let a 6-digit code be guessed.

The trade-off: an attacker with many addresses can still use up a member's
codes of a purpose, and so hold that member's sign-in off for the rest of
one window (10 minutes at most from the first of those codes), never longer
than the window, and never by guessing: 10 codes of 5 tries each are 50 of
a million.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.engine import Connection

from backend_stub.clock import ms_to_s, s_to_ms
from backend_stub.context import Backend
from backend_stub.errors import ApiError
from backend_stub.gateway.plain import bearer_token, in_transaction, language, plain_answer
from backend_stub.gateway.rate_limits import RateLimited, count_one_more
from backend_stub.payments import members as m
from backend_stub.payments import paycodes, sessions, sms
from backend_stub.payments.members import Member
from backend_stub.payments.trades import list_trades
from backend_stub.storage.schema import stores, terminals, trades
from protocol.errors import ErrorCode
from protocol.models import MAX_AMOUNT_FEN, TradeState
from protocol.money import format_fen
from protocol.paycode import Issuer
from protocol.pin import ClearPin

__all__ = ["member_router"]

MemberNo = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
SmsCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SmsRequest(_Body):
    member_no: MemberNo
    purpose: Literal["login", "reset", "pay"] = "login"


class LoginRequest(_Body):
    member_no: MemberNo
    sms_code: SmsCode


class CodeRequest(_Body):
    wallet: Literal["points", "card"] = "points"


class LimitRequest(_Body):
    no_pin_limit_fen: Annotated[int, Field(ge=0, le=MAX_AMOUNT_FEN, strict=True)]


class PinRequest(_Body):
    sms_code: SmsCode
    new_pin: Annotated[str, StringConstraints(pattern=r"^[0-9]{4,12}$")]

    def __repr__(self) -> str:
        return "PinRequest(****)"


def member_router(backend: Backend) -> APIRouter:
    router = APIRouter(prefix="/member/v1", tags=["member"])
    settings = backend.settings

    def signed_in(request: Request, conn: Connection, now: int) -> tuple[Member, str]:
        return sessions.member_for_token(conn, bearer_token(request), now)

    @router.post("/sms", summary="Send a one-time code to the member's phone (the outbox)")
    def send_sms(body: SmsRequest, request: Request) -> JSONResponse:
        window = s_to_ms(settings.sms_window_s)
        source = request.client.host if request.client else "unknown"
        number = body.member_no.upper()

        def counted(conn: Connection, now: int) -> tuple[int, int, int]:
            by_source, left = count_one_more(conn, f"sms:src:{source}", window, now)
            by_number, _ = count_one_more(conn, f"sms:no:{body.purpose}:{number}", window, now)
            return by_source, by_number, left

        by_source, by_number, left = in_transaction(backend, counted)  # kept when refused
        if by_source > settings.sms_per_source:
            raise RateLimited("SMS requests from this address", left)

        def work(conn: Connection, now: int) -> None:
            member = m.find_member(conn, member_no=body.member_no)
            purpose = sms.Purpose(body.purpose)
            unused = (
                sms.unused_codes_since(conn, member.id, purpose, now - window)
                if member is not None
                else by_number - 1  # no member: every request counts
            )
            if unused >= settings.sms_codes_per_window:
                raise RateLimited("SMS codes of this number and purpose", left)
            if member is None:
                return
            if purpose is sms.Purpose.PAY:
                _resend_pay_code(conn, member, now)
            else:
                sms.send_code(conn, member, purpose, now, s_to_ms(settings.sms_code_ttl_s))

        in_transaction(backend, work)
        return plain_answer({"sent": True})

    @router.post("/login", summary="Sign in with the member number and an SMS code")
    def login(body: LoginRequest) -> JSONResponse:
        def work(conn: Connection, now: int) -> dict[str, object]:
            member = m.find_member(conn, member_no=body.member_no)
            ok = member is not None and sms.accept(
                conn, member.id, sms.Purpose.LOGIN, body.sms_code, now, settings.sms_attempts
            )
            if not ok or member is None:
                return {}
            token, expires = sessions.start_session(
                conn, member, now, s_to_ms(settings.session_ttl_s)
            )
            return {"token": token, "expires_at": ms_to_s(expires), "member_no": member.member_no}

        answer = in_transaction(backend, work)
        if not answer:
            raise ApiError(ErrorCode.SMS_CODE_WRONG)
        return plain_answer(answer)

    @router.post("/code", summary="Issue or refresh this session's payment code")
    def code(body: CodeRequest, request: Request) -> JSONResponse:
        def work(conn: Connection, now: int) -> dict[str, object]:
            member, slot = signed_in(request, conn, now)
            if member.frozen:
                raise ApiError(ErrorCode.ACCOUNT_FROZEN)
            issued = paycodes.issue(
                conn, member.id, Issuer(body.wallet), slot, now, s_to_ms(settings.code_ttl_s)
            )
            return {
                "code": issued.code,
                "wallet": issued.wallet.value,
                "expires_at": ms_to_s(issued.expires_at_ms),
                "ttl_s": settings.code_ttl_s,
            }

        return plain_answer(in_transaction(backend, work))

    @router.get("/account", summary="Balances, limits and PIN status")
    def account(request: Request) -> JSONResponse:
        def work(conn: Connection, now: int) -> m.AccountView:
            member, _ = signed_in(request, conn, now)
            return m.account_view(conn, member, now, settings)

        return plain_answer(in_transaction(backend, work, write=False))

    @router.get("/records", summary="The member's payments, newest first")
    def records(
        request: Request,
        cursor: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> JSONResponse:
        def work(conn: Connection, now: int) -> object:
            member, _ = signed_in(request, conn, now)
            where = [trades.c.member_id == member.id]
            return list_trades(conn, where, cursor, limit, now, settings, language(request))

        return plain_answer(in_transaction(backend, work, write=False))

    @router.post("/limit", summary="Set the member's own no-PIN limit (at most the system's)")
    def limit(body: LimitRequest, request: Request) -> JSONResponse:
        def work(conn: Connection, now: int) -> m.AccountView:
            member, _ = signed_in(request, conn, now)
            m.set_no_pin_limit(conn, member, body.no_pin_limit_fen, settings)
            fresh = m.find_member(conn, member_id=member.id)
            assert fresh is not None
            return m.account_view(conn, fresh, now, settings)

        return plain_answer(in_transaction(backend, work))

    @router.post("/pin", summary="Set or reset the PIN with a 'reset' SMS code; lifts a lock")
    def pin(body: PinRequest, request: Request) -> JSONResponse:
        def work(conn: Connection, now: int) -> bool:
            member, _ = signed_in(request, conn, now)
            if not sms.accept(
                conn, member.id, sms.Purpose.RESET, body.sms_code, now, settings.sms_attempts
            ):
                return False
            m.set_pin(conn, member.id, ClearPin(body.new_pin))
            return True

        if not in_transaction(backend, work):
            raise ApiError(ErrorCode.SMS_CODE_WRONG)
        return plain_answer({"pin_set": True})

    return router


def _resend_pay_code(conn: Connection, member: Member, now_ms: int) -> None:
    row = conn.execute(
        select(trades.c.id, trades.c.amount_fen, trades.c.pin_deadline_ms, stores.c.name)
        .join(terminals, terminals.c.id == trades.c.terminal_id)
        .join(stores, stores.c.id == terminals.c.store_id)
        .where(
            trades.c.member_id == member.id,
            trades.c.state == TradeState.PIN_REQUIRED.value,
            trades.c.pin_deadline_ms > now_ms,
        )
        .order_by(trades.c.id.desc())
        .limit(1)
    ).first()
    if row is not None:
        sms.send_code(
            conn,
            member,
            sms.Purpose.PAY,
            now_ms,
            row.pin_deadline_ms - now_ms,
            trade_id=row.id,
            amount=format_fen(row.amount_fen),
            store=row.name,
        )
