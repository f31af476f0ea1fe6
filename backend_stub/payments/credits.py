"""Credits at the till: points earned on a sale, and stored-value card top-up.

Both are idempotent on ``(terminal_id, out_request_no)``: the same request
again gets the first answer, the same number with other content is
``DUPLICATE_REQUEST_NUMBER``. Both are ledger lines in the request's
transaction.

- ``earn``: ``earn_points_per_cny`` points per whole CNY of ``paid_fen``
  (rounded down: a rule of the loyalty scheme, not a conversion). The member
  is found by one of this terminal's paid trades (a trade earns once) or by a
  live payment code, which stays usable (earning spends nothing).
- ``topup``: ``amount_fen`` onto the card account of the member whose live
  code was scanned, paid at the till with cash or another outside tender.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from backend_stub.context import Call
from backend_stub.errors import ApiError
from backend_stub.ledger.postings import EntryKind, post
from backend_stub.settings import Settings
from backend_stub.storage.schema import credits
from protocol.errors import ErrorCode
from protocol.models import CreditView, EarnPointsRequest, Tender, TopUpRequest, TradeState
from protocol.paycode import Issuer

from . import members as m
from . import paycodes
from .members import Member
from .trades import find_trade, request_fingerprint

__all__ = ["earn", "topup"]

_PAID = (TradeState.SUCCESS.value, TradeState.PARTIALLY_REFUNDED.value)
_TOPUP_TENDERS = {Tender.CASH, Tender.BANK_CARD, Tender.WECHAT, Tender.ALIPAY, Tender.UNIONPAY}


def _existing(conn: Connection, call: Call, out_request_no: str) -> Row[Any] | None:
    return conn.execute(
        select(credits).where(
            credits.c.terminal_id == call.terminal_id, credits.c.out_request_no == out_request_no
        )
    ).first()


def _view(conn: Connection, credit: Row[Any]) -> CreditView:
    held = m.balances(conn, credit.member_id)
    return CreditView(
        out_request_no=credit.out_request_no,
        points=credit.points,
        card_fen=credit.card_fen,
        balance_points=held.get("points", 0),
        balance_card_fen=held.get("card", 0),
    )


def _replayed(conn: Connection, call: Call, out_request_no: str, digest: str) -> CreditView | None:
    before = _existing(conn, call, out_request_no)
    if before is None:
        return None
    if before.request_hash != digest:
        raise ApiError(
            ErrorCode.DUPLICATE_REQUEST_NUMBER,
            f"out_request_no {out_request_no} was used for another request",
        )
    return _view(conn, before)


def _member_by_code(conn: Connection, code: str, now_ms: int) -> Member:
    live = paycodes.check(conn, code, now_ms, allow_bound=True)
    if isinstance(live, ErrorCode):
        raise ApiError(live)
    member = m.find_member(conn, member_id=live.member_id, for_update=True)
    assert member is not None
    return member


def _credit(
    conn: Connection,
    call: Call,
    member: Member,
    values: dict[str, Any],
    wallet: Issuer,
    amount: int,
    kind: EntryKind,
) -> CreditView:
    if member.frozen:
        raise ApiError(ErrorCode.ACCOUNT_FROZEN)
    try:
        with conn.begin_nested():
            credit_id = conn.execute(
                insert(credits)
                .values(
                    terminal_id=call.terminal_id,
                    member_id=member.id,
                    kind=kind.value,
                    created_at_ms=call.now_ms,
                    **values,
                )
                .returning(credits.c.id)
            ).scalar_one()
    except IntegrityError:
        raise ApiError(
            ErrorCode.DUPLICATE_REQUEST_NUMBER,
            "this request number, or points for this payment, were already used",
        ) from None
    if amount:
        account, _ = m.account_of(conn, member.id, wallet)
        post(conn, account, amount, kind, call.now_ms, credit_id=credit_id)
    row = conn.execute(select(credits).where(credits.c.id == credit_id)).one()
    return _view(conn, row)


def earn(
    conn: Connection, call: Call, request: EarnPointsRequest, settings: Settings
) -> CreditView:
    digest = request_fingerprint(request)
    if (again := _replayed(conn, call, request.out_request_no, digest)) is not None:
        return again
    trade_id = None
    if request.out_trade_no is not None:
        trade = find_trade(conn, call.terminal_id, request.out_trade_no)
        if trade is None:
            raise ApiError(ErrorCode.TRADE_NOT_FOUND)
        if trade.state not in _PAID or trade.member_id is None:
            raise ApiError(ErrorCode.BAD_REQUEST, "out_trade_no: points are earned on paid trades")
        member = m.find_member(conn, member_id=trade.member_id, for_update=True)
        assert member is not None
        trade_id = trade.id
    else:
        assert request.payment_code is not None
        member = _member_by_code(conn, request.payment_code, call.now_ms)
    points = request.paid_fen // 100 * settings.earn_points_per_cny
    values = {
        "out_request_no": request.out_request_no,
        "request_hash": digest,
        "earned_on_trade_id": trade_id,
        "points": points,
    }
    return _credit(conn, call, member, values, Issuer.POINTS, points, EntryKind.EARN)


def topup(conn: Connection, call: Call, request: TopUpRequest, settings: Settings) -> CreditView:
    digest = request_fingerprint(request)
    if (again := _replayed(conn, call, request.out_request_no, digest)) is not None:
        return again
    if request.tender not in _TOPUP_TENDERS:
        raise ApiError(
            ErrorCode.BAD_REQUEST, f"tender: a top-up cannot be paid with {request.tender}"
        )
    member = _member_by_code(conn, request.payment_code, call.now_ms)
    values = {
        "out_request_no": request.out_request_no,
        "request_hash": digest,
        "card_fen": request.amount_fen,
        "tender": request.tender.value,
    }
    return _credit(conn, call, member, values, Issuer.CARD, request.amount_fen, EntryKind.TOPUP)
