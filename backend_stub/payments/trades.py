"""Trades: ``pay``, the views terminals see, deadlines, and the charge itself (DESIGN.md 6).

``pay`` stores every trade it starts, failed ones too, under the unique
``(terminal_id, out_trade_no)``: a retry with the same content gets the
trade as it is now and is never charged twice; the same number with other
content is ``DUPLICATE_REQUEST_NUMBER``. Checks, in order: code routing
(ours, or declined), the code (invalid / expired / used; then bound to this
trade), the account (frozen), the limits (per trade and per 24 h ->
``OVER_LIMIT``), the balance, and the no-PIN limit (above it ->
``PIN_REQUIRED`` with a deadline, and a pay code sent by SMS). The member's
row is locked (``FOR UPDATE``) from the limit check to the debit, so a
member's payments happen one at a time and the limits hold under races.

Time: a trade waiting for its PIN is closed (``CLOSED``, ``TRADE_CLOSED``)
once the clock is past ``pin_deadline``: by the sweeper, or by whichever
request touches it first.

Routing (issue 5): every trade records the routing version in force. The
tender rules of the guide (merchant, terminal kind, product categories)
apply first (``TENDER_NOT_ALLOWED``...); codes of external issuers then go
to :mod:`backend_stub.routing.external`; our wallets check the risk rules after the
balance and before any deduction (they may ask for the PIN under the no-PIN
limit, or decline). ``allow_partial`` takes what the balance covers: the
limits, the risk rules and the no-PIN limit apply to what is taken.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from backend_stub.clock import ms_to_s, s_to_ms
from backend_stub.context import After, Backend, Call, Continue
from backend_stub.errors import ApiError
from backend_stub.ledger import postings as ledger
from backend_stub.ledger.postings import EntryKind, InsufficientBalance, post
from backend_stub.observability.metrics import TRADE_OUTCOMES
from backend_stub.routing import external, risk
from backend_stub.routing import versions as routing_versions
from backend_stub.routing.guide import tender_refusal
from backend_stub.routing.issuers import External, OwnWallet, route
from backend_stub.routing.versions import ActiveRouting
from backend_stub.settings import Settings
from backend_stub.storage.hashing import fingerprint
from backend_stub.storage.prepared import Prepared, Record
from backend_stub.storage.schema import trades
from protocol.errors import ErrorCode, message_for
from protocol.models import PayRequest, Tender, TenderPart, TradePage, TradeState, TradeView
from protocol.money import format_fen
from protocol.paycode import Issuer

from . import members as m
from . import paycodes, sms
from .members import Member

__all__ = [
    "PayPlan",
    "charge",
    "close_expired",
    "expire_if_due",
    "find_trade",
    "insert_trade",
    "list_trades",
    "pay",
    "plan_pay",
    "request_fingerprint",
    "set_outcome",
    "trade_view",
    "view_of",
]

_SIGNING_FIELDS = {"terminal_id", "timestamp", "nonce", "sign"}


def request_fingerprint(request: Any) -> str:
    """What makes two requests "the same": every business field, no signing fields, no ext_*."""
    content = request.model_dump(mode="json")
    return fingerprint(
        {k: v for k, v in content.items() if k not in _SIGNING_FIELDS and not k.startswith("ext_")}
    )


# The statements of the payment path are built once: building one costs more than running it.
_FIND_TRADE = select(trades).where(
    trades.c.terminal_id == bindparam("b_terminal_id"),
    trades.c.out_trade_no == bindparam("b_out_trade_no"),
)
_FIND_TRADE_FOR_UPDATE = _FIND_TRADE.with_for_update()
_RELOAD = select(trades).where(trades.c.id == bindparam("b_id"))
_INSERT_NEW = {
    name: dialect.insert(trades).on_conflict_do_nothing(
        index_elements=[trades.c.terminal_id, trades.c.out_trade_no]
    )
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}
_INSERT_TRADE = {name: stmt.returning(trades.c.id) for name, stmt in _INSERT_NEW.items()}


def _recording_routing(insert_trade: Any) -> Any:
    """A pay's insert: it also records the routing version in force and returns it with its
    digest, read inside the statement the trade needs anyway (one snapshot, no more query)."""
    return insert_trade.values(routing_version=routing_versions.ACTIVE_VERSION).returning(
        trades.c.id,
        trades.c.routing_version,
        routing_versions.digest_of(routing_versions.ACTIVE_VERSION).label("digest"),
    )


_INSERT_PAY = {name: Prepared(_recording_routing(stmt)) for name, stmt in _INSERT_NEW.items()}
# PostgreSQL, a pay from one of our wallets: the insert, the code's claim for the new
# trade and the member's lock in one statement (CTEs), one round trip instead of two.
# (Inside a CTE an insert takes its values as named, ``b_<column>``, not from the keys.)
_PAY_COLUMNS = (
    "trade_no",
    "terminal_id",
    "out_trade_no",
    "request_hash",
    "state",
    "issuer",
    "amount_fen",
    "charge",
    "order_total_fen",
    "other_tenders",
    "description",
    "created_at_ms",
    "updated_at_ms",
)
_NEW = _recording_routing(
    _INSERT_NEW["postgresql"].values({name: bindparam(f"b_{name}") for name in _PAY_COLUMNS})
).cte("new")
_CLAIMED_BY_NEW = paycodes.claim_statement(_NEW.c.id).cte("claimed_by_new")
_INSERT_CLAIM_AND_LOCK = Prepared(
    m.with_accounts(
        _CLAIMED_BY_NEW.c.member_id,
        _NEW.c.id,
        _NEW.c.routing_version,
        _NEW.c.digest,
        _CLAIMED_BY_NEW.c.id,
        _CLAIMED_BY_NEW.c.code_masked,
        for_update=True,
    ).where(_CLAIMED_BY_NEW.c.trade_id == _NEW.c.id)
)
_BY_TRADE_NO = Prepared(
    select(
        trades.c.id,
        trades.c.routing_version,
        routing_versions.digest_of(trades.c.routing_version).label("digest"),
    ).where(trades.c.trade_no == bindparam("b_trade_no"))
)
_UPDATE_TRADE = Prepared(
    update(trades).where(trades.c.id == bindparam("b_id")).returning(*trades.c)
)


def find_trade(
    conn: Connection, terminal_id: str, out_trade_no: str, *, for_update: bool = False
) -> Record | None:
    stmt = _FIND_TRADE_FOR_UPDATE if for_update else _FIND_TRADE
    params = {"b_terminal_id": terminal_id, "b_out_trade_no": out_trade_no}
    return conn.execute(stmt, params).first()


def _reload(conn: Connection, trade_id: int) -> Record:
    return conn.execute(_RELOAD, {"b_id": trade_id}).one()


def _new_trade(values: dict[str, Any], now_ms: int) -> dict[str, Any]:
    return dict(
        values,
        trade_no="SP" + secrets.token_hex(8).upper(),
        created_at_ms=now_ms,
        updated_at_ms=now_ms,
    )


def insert_trade(conn: Connection, values: dict[str, Any], now_ms: int) -> int | None:
    """Insert a new trade; ``None`` if the terminal already has one with that number."""
    found = conn.execute(_INSERT_TRADE[conn.dialect.name], _new_trade(values, now_ms)).scalar()
    return None if found is None else int(found)


_Claimed = tuple[paycodes.LiveCode, Member, dict[str, tuple[int, int]]]


def _insert_pay(
    conn: Connection,
    values: dict[str, Any],
    now_ms: int,
    utc_offset_min: int,
    code: tuple[str, Issuer] | None,
) -> tuple[int, ActiveRouting, _Claimed | None] | None:
    """:func:`insert_trade` for a pay, with the routing in force recorded on it and returned.

    ``code``: the payment code and its wallet, for a pay from one of ours. On
    PostgreSQL the same statement claims it and locks its member and
    accounts (:func:`_claim`'s result comes third). Elsewhere, or when the
    code could not be claimed, the third item is None and the caller claims
    as usual (and learns why not).
    """
    new = _new_trade(values, now_ms)
    if code is None or conn.dialect.name != "postgresql":
        row = _INSERT_PAY[conn.dialect.name].execute(conn, new).first()
        claimed = None
    else:
        payment_code, wallet = code
        assert new.keys() == set(_PAY_COLUMNS), "a pay's columns and _PAY_COLUMNS differ"
        params = {f"b_{name}": value for name, value in new.items()}
        params |= paycodes.claim_params(payment_code, wallet, now_ms)
        rows = _INSERT_CLAIM_AND_LOCK.execute(conn, params)
        if rows:
            row, claimed = rows[0], _claimed(rows, wallet, leading=5)
        else:  # the number was used before, or the code cannot pay: was the trade inserted?
            row = _BY_TRADE_NO.execute(conn, {"b_trade_no": new["trade_no"]}).first()
            claimed = None
    if row is None:
        return None
    routing = routing_versions.compiled(conn, row.routing_version, row.digest, utc_offset_min)
    return int(row.id), routing, claimed


def set_outcome(
    conn: Connection,
    trade_id: int,
    now_ms: int,
    state: TradeState,
    reason: ErrorCode | None = None,
    **values: Any,
) -> Record:
    """Record the trade's state (and other columns); returns the trade's row as it is now."""
    row = _UPDATE_TRADE.execute(
        conn,
        dict(
            values,
            b_id=trade_id,
            state=state.value,
            reason=reason.value if reason else None,
            updated_at_ms=now_ms,
        ),
    ).one()
    TRADE_OUTCOMES.labels(state.value, reason.value if reason else "").inc()
    return row


def _past_deadline(row: Record, now_ms: int) -> bool:
    return (
        row.state == TradeState.PIN_REQUIRED
        and row.pin_deadline_ms is not None
        and now_ms > row.pin_deadline_ms
    )


def expire_if_due(conn: Connection, row: Record, now_ms: int) -> Record:
    """Close a PIN_REQUIRED trade whose deadline passed; return the row as it is now."""
    if not _past_deadline(row, now_ms):
        return row
    closed = conn.execute(
        update(trades)
        .where(trades.c.id == row.id, trades.c.state == TradeState.PIN_REQUIRED.value)
        .values(
            state=TradeState.CLOSED.value,
            reason=ErrorCode.TRADE_CLOSED.value,
            updated_at_ms=now_ms,
        )
    ).rowcount
    TRADE_OUTCOMES.labels(TradeState.CLOSED.value, ErrorCode.TRADE_CLOSED.value).inc(closed)
    return _reload(conn, row.id)


def close_expired(conn: Connection, now_ms: int, batch: int = 100) -> int:
    """The sweeper's work: close trades past their PIN deadline, skipping rows others hold."""
    ids = (
        conn.execute(
            select(trades.c.id)
            .where(
                trades.c.state == TradeState.PIN_REQUIRED.value,
                trades.c.pin_deadline_ms < now_ms,
            )
            .order_by(trades.c.pin_deadline_ms)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        .scalars()
        .all()
    )
    if not ids:
        return 0
    closed: int = conn.execute(
        update(trades)
        .where(trades.c.id.in_(ids), trades.c.state == TradeState.PIN_REQUIRED.value)
        .values(
            state=TradeState.CLOSED.value,
            reason=ErrorCode.TRADE_CLOSED.value,
            updated_at_ms=now_ms,
        )
    ).rowcount
    TRADE_OUTCOMES.labels(TradeState.CLOSED.value, ErrorCode.TRADE_CLOSED.value).inc(closed)
    return closed


def view_of(row: Record, lang: str = "en", held: dict[str, int] | None = None) -> TradeView:
    """The trade as the terminal sees it, from its row alone; ``held``: the member's balances."""
    reason = ErrorCode(row.reason) if row.reason else None
    view = TradeView(
        out_trade_no=row.out_trade_no,
        trade_no=row.trade_no,
        state=TradeState(row.state),
        issuer=Issuer(row.issuer) if row.issuer else None,
        amount_fen=row.amount_fen,
        points=row.charge if row.issuer == Issuer.POINTS else 0,
        refunded_fen=row.refunded_fen,
        reason=reason,
        message=message_for(reason, lang) if reason else "",
        code_masked=row.code_masked,
        channel=row.channel,
        created_at=ms_to_s(row.created_at_ms),
        updated_at=ms_to_s(row.updated_at_ms),
        order_total_fen=row.order_total_fen,
        other_tenders=[TenderPart.model_validate(t) for t in json.loads(row.other_tenders)],
        other_refunded_fen=row.other_refunded_fen,
        routing_version=row.routing_version,
        routing_rule=row.routing_rule,
        risk=row.risk,
        channel_state=row.channel_state,
    )
    if view.state is TradeState.PIN_REQUIRED and row.pin_deadline_ms is not None:
        view.pin_deadline = ms_to_s(row.pin_deadline_ms)
    if held is not None:
        view.balance_points = held.get("points")
        view.balance_card_fen = held.get("card")
    return view


def trade_view(
    conn: Connection,
    row: Record,
    now_ms: int,
    settings: Settings,
    lang: str = "en",
    *,
    detail: bool = True,
) -> TradeView:
    """The trade as the terminal sees it; with ``detail``, the member's balances too."""
    if not detail or row.member_id is None:
        return view_of(row, lang)
    view = view_of(row, lang, m.balances(conn, row.member_id))
    if view.state is TradeState.PIN_REQUIRED:
        member = m.find_member(conn, member_id=row.member_id)
        assert member is not None
        view.attempts_left = m.attempts_left(conn, member, now_ms, settings)
    return view


def list_trades(
    conn: Connection,
    where: Sequence[Any],
    cursor: str | None,
    limit: int,
    now_ms: int,
    settings: Settings,
    lang: str,
) -> TradePage:
    """Newest first; ``cursor`` is the ``next_cursor`` of the page before."""
    stmt = select(trades).where(*where).order_by(trades.c.id.desc()).limit(limit + 1)
    if cursor:
        stmt = stmt.where(trades.c.id < trade_id_of(cursor))
    rows = conn.execute(stmt).all()
    items = [trade_view(conn, r, now_ms, settings, lang, detail=False) for r in rows[:limit]]
    next_cursor = cursor_of(rows[limit - 1].id) if len(rows) > limit else None
    return TradePage(items=items, next_cursor=next_cursor)


_CURSOR_PREFIX = b"trades:"
_ASCII_DIGITS = frozenset(b"0123456789")


def cursor_of(trade_id: int) -> str:
    """An opaque page cursor: the server makes it, a caller passes it back as it is."""
    return base64.urlsafe_b64encode(_CURSOR_PREFIX + str(trade_id).encode()).decode()


def trade_id_of(cursor: str) -> int:
    """The trade id in a cursor :func:`cursor_of` made; anything else is ``BAD_REQUEST``.

    Only ASCII digits (Python's ``int`` also takes ``²`` and ``٣``, which no
    database does), and no more than fit in 63 bits.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raw = b""
    digits = raw.removeprefix(_CURSOR_PREFIX)
    if (
        not raw.startswith(_CURSOR_PREFIX)
        or not 0 < len(digits) <= 18
        or set(digits) - _ASCII_DIGITS
    ):
        raise ApiError(ErrorCode.BAD_REQUEST, "cursor: use the next_cursor of the last page")
    return int(digits)


def charge(
    conn: Connection,
    trade_id: int,
    account_id: int,
    amount: int,
    member: Member,
    now_ms: int,
    /,
    **values: Any,
) -> tuple[Record, int | None]:
    """Take ``amount`` from the account now (the member's row is locked); record the outcome.

    Returns the trade's row and the account's new balance (None if nothing was taken).
    """
    if member.frozen:
        failed = ErrorCode.ACCOUNT_FROZEN
        return set_outcome(conn, trade_id, now_ms, TradeState.FAILED, failed, **values), None
    paid = _take(conn, trade_id, account_id, amount, now_ms, values)
    if paid is not None:
        return paid
    failed = ErrorCode.INSUFFICIENT_BALANCE
    return set_outcome(conn, trade_id, now_ms, TradeState.FAILED, failed, **values), None


_PAID_LINE = ledger.posting(debit=True).cte("line")
_PAID_STATEMENTS: dict[frozenset[str], Prepared] = {}


def _paid_statement(columns: frozenset[str]) -> Prepared:
    """PostgreSQL: debit, ledger line and the trade marked paid, in one statement.

    ``WITH moved AS (UPDATE accounts ...), line AS (INSERT INTO ledger_lines ...)
    UPDATE trades SET ... FROM line``: no row when the balance did not cover
    the debit, and then nothing was written. ``columns``: the trade's columns
    set besides the outcome's own (one statement per set, built once).
    """
    found = _PAID_STATEMENTS.get(columns)
    if found is None:
        every = sorted(columns | {"state", "reason", "paid_at_ms", "updated_at_ms"})
        found = Prepared(
            update(trades)
            .where(trades.c.id == bindparam("b_paid_id"), _PAID_LINE.c.balance_after.is_not(None))
            .values({name: bindparam(f"b_set_{name}") for name in every})
            .returning(*trades.c, _PAID_LINE.c.balance_after.label("new_balance"))
        )
        _PAID_STATEMENTS[columns] = found
    return found


def _take(
    conn: Connection,
    trade_id: int,
    account_id: int,
    amount: int,
    now_ms: int,
    values: dict[str, Any],
) -> tuple[Record, int] | None:
    """Debit and record the trade paid: its row and the new balance; None if short (no change).

    On PostgreSQL one round trip (:func:`_paid_statement`), elsewhere three.
    """
    if conn.dialect.name != "postgresql":
        try:
            balance = post(conn, account_id, -amount, EntryKind.PAY, now_ms, trade_id=trade_id)
        except InsufficientBalance:
            return None
        paid = set_outcome(conn, trade_id, now_ms, TradeState.SUCCESS, paid_at_ms=now_ms, **values)
        return paid, balance
    params = ledger.posting_params(account_id, -amount, EntryKind.PAY, now_ms, trade_id=trade_id)
    outcome = {"state": TradeState.SUCCESS.value, "reason": None, "paid_at_ms": now_ms}
    for name, value in (values | outcome | {"updated_at_ms": now_ms}).items():
        params[f"b_set_{name}"] = value
    params["b_paid_id"] = trade_id
    row = _paid_statement(frozenset(values)).execute(conn, params).first()
    if row is None:
        return None
    TRADE_OUTCOMES.labels(TradeState.SUCCESS.value, "").inc()
    return row, int(row.new_balance)


def _replay(
    conn: Connection, call: Call, row: Record, plan: PayPlan, settings: Settings
) -> TradeView:
    """A pay with a number this terminal used before: the trade as it is now, or a refusal."""
    if row.request_hash is not None and row.request_hash != plan.trade["request_hash"]:
        raise ApiError(
            ErrorCode.DUPLICATE_REQUEST_NUMBER,
            f"out_trade_no {row.out_trade_no} was used for another payment",
        )
    row = expire_if_due(conn, row, call.now_ms)
    return trade_view(conn, row, call.now_ms, settings, call.lang)


@dataclass(frozen=True)
class PayPlan:
    """What a pay works out from its request alone, before its transaction (off the writer)."""

    request: PayRequest
    where: OwnWallet | External  # who issued the code
    issuer: Issuer
    to_take: int  # points or fen from the wallet (0 for an external issuer's code)
    trade: dict[str, Any]  # the new trade's columns that come from the request


def plan_pay(request: PayRequest, settings: Settings) -> PayPlan:
    where = route(request.payment_code)
    issuer = where.wallet if isinstance(where, OwnWallet) else where.issuer
    amount = request.amount_fen
    to_take = 0 if isinstance(where, External) else amount
    if issuer is Issuer.POINTS:
        to_take = settings.rate.points_for_fen(amount)
    others = [t.model_dump(mode="json") for t in request.other_tenders]
    trade = {
        "out_trade_no": request.out_trade_no,
        "request_hash": request_fingerprint(request),
        "state": TradeState.PROCESSING.value,
        "issuer": issuer.value,
        "amount_fen": amount,
        "charge": to_take,
        "order_total_fen": (
            amount + sum(t["amount_fen"] for t in others) if others else request.order_total_fen
        ),
        "other_tenders": json.dumps(others),
        "description": request.description,
    }
    return PayPlan(request, where, issuer, to_take, trade)


def pay(
    conn: Connection, call: Call, plan: PayPlan, backend: Backend
) -> TradeView | Continue | After:
    settings = backend.settings
    request, where, issuer, to_take = plan.request, plan.where, plan.issuer, plan.to_take
    own_code = None if isinstance(where, External) else (request.payment_code, where.wallet)
    # The insert comes first (no look beforehand): a number this terminal used
    # before conflicts and is answered from the trade that has it.
    inserted = _insert_pay(
        conn,
        {"terminal_id": call.terminal_id, **plan.trade},
        call.now_ms,
        settings.utc_offset_min,
        own_code,
    )
    if inserted is None:  # the terminal used this number before (or a twin request just did)
        existing = find_trade(conn, call.terminal_id, request.out_trade_no)
        assert existing is not None
        return _replay(conn, call, existing, plan, settings)
    trade_id, routing, claimed = inserted
    if issuer is Issuer.POINTS and to_take == 0:  # the savepoint takes the trade back out
        raise ApiError(ErrorCode.BAD_REQUEST, "amount_fen: too small to pay with points")

    def view(conn2: Connection, now_ms: int) -> TradeView:
        return trade_view(conn2, _reload(conn2, trade_id), now_ms, settings, call.lang)

    refusal = tender_refusal(
        routing.config,
        Tender(issuer.value),
        call.terminal.merchant_id,
        call.terminal.kind,
        request.categories,
    )
    if refusal is not None:
        if claimed is not None:  # the code stays good for a tender the store takes
            paycodes.release(conn, claimed[0].id)
        set_outcome(conn, trade_id, call.now_ms, TradeState.FAILED, refusal, charge=0)
    elif isinstance(where, External):
        work = external.start_pay(
            conn, call, request, _reload(conn, trade_id), issuer, routing, backend
        )
        if work is not None:
            return Continue(work, lambda conn2, _: view(conn2, backend.now_ms()))
    else:
        done = _pay_from_wallet(
            conn, call, trade_id, request, where.wallet, to_take, settings, routing, claimed
        )
        if done is not None:  # the row and balances are at hand: the view needs no database
            row, held = done
            return After(lambda: view_of(row, call.lang, held))
    return view(conn, call.now_ms)


_CLAIMED = paycodes.claim_statement(bindparam("b_trade_id")).cte("claimed")
_CLAIM_AND_LOCK = Prepared(
    m.with_accounts(_CLAIMED.c.member_id, _CLAIMED.c.id, _CLAIMED.c.code_masked, for_update=True)
)


def _claimed(rows: Sequence[Record], wallet: Issuer, leading: int) -> _Claimed:
    """The claimed code, its member and accounts from rows whose ``leading`` columns end with
    the code's id and mask (:func:`~backend_stub.payments.members.with_accounts`)."""
    code_id, code_masked = rows[0][leading - 2 : leading]
    member, accounts = m.member_and_accounts(rows, leading=leading)
    return paycodes.LiveCode(code_id, member.id, wallet, code_masked), member, accounts


def _claim(
    conn: Connection, code: str, wallet: Issuer, trade_id: int, now_ms: int
) -> _Claimed | ErrorCode:
    """Bind the code to the trade, then lock and read its member and accounts; or say why not.

    On PostgreSQL one statement (``WITH claimed AS (UPDATE pay_codes ...)
    SELECT ... FOR UPDATE OF members, accounts``), elsewhere two.
    """
    if conn.dialect.name != "postgresql":
        live = paycodes.claim(conn, code, wallet, trade_id, now_ms)
        if isinstance(live, ErrorCode):
            return live
        return (live, *m.member_with_accounts(conn, live.member_id, for_update=True))
    rows = _CLAIM_AND_LOCK.execute(conn, paycodes.claim_params(code, wallet, now_ms, trade_id))
    if not rows:
        return paycodes.refusal(conn, code, now_ms)
    return _claimed(rows, wallet, leading=2)


def _partial(balance: int, wallet: Issuer, settings: Settings) -> tuple[int, int]:
    """``allow_partial`` with a balance short of the amount: (fen paid, points or fen taken)."""
    if wallet is Issuer.POINTS:
        return settings.rate.fen_for_points(balance), balance
    return balance, balance


def _pay_from_wallet(
    conn: Connection,
    call: Call,
    trade_id: int,
    request: PayRequest,
    wallet: Issuer,
    to_take: int,
    settings: Settings,
    routing: ActiveRouting,
    claimed: _Claimed | None,
) -> tuple[Record, dict[str, int] | None] | None:
    """The payment from one of our wallets: the final row and the member's balances (if known).

    ``claimed``: the code already claimed with the insert (PostgreSQL), else
    claimed here. None when the trade waits for the PIN (the view then reads
    what it needs).
    """
    now = call.now_ms
    found = claimed or _claim(conn, request.payment_code, wallet, trade_id, now)
    if isinstance(found, ErrorCode):
        return set_outcome(conn, trade_id, now, TradeState.FAILED, found, charge=0), None
    code, member, accounts = found
    account_id, balance = accounts[wallet.value]
    held = {kind: held_balance for kind, (_, held_balance) in accounts.items()}
    known: dict[str, Any] = {
        "member_id": member.id,
        "account_id": account_id,
        "code_masked": code.masked,
    }
    amount = request.amount_fen
    if member.frozen:
        failed = ErrorCode.ACCOUNT_FROZEN
        return set_outcome(conn, trade_id, now, TradeState.FAILED, failed, **known), held
    if request.allow_partial and 0 < balance < to_take:
        amount, to_take = _partial(balance, wallet, settings)
        known |= {"amount_fen": amount, "charge": to_take}
    rules = routing.config.risk
    day = risk.member_day(conn, rules, member.id, trade_id, now)
    if amount > settings.max_trade_fen or day.spent_fen + amount > settings.max_day_fen:
        failed = ErrorCode.OVER_LIMIT
        return set_outcome(conn, trade_id, now, TradeState.FAILED, failed, **known), held
    if balance < to_take:
        failed = ErrorCode.INSUFFICIENT_BALANCE
        return set_outcome(conn, trade_id, now, TradeState.FAILED, failed, **known), held
    no_pin = amount <= m.no_pin_limit(member, settings)
    judged = risk.evaluate(
        conn,
        rules,
        member=day,
        terminal_id=call.terminal_id,
        amount_fen=amount,
        now_ms=now,
        pin_possible=no_pin,
    )
    known["risk"] = judged.note
    if judged.action == "decline":
        failed = ErrorCode.RISK_DECLINED
        return set_outcome(conn, trade_id, now, TradeState.FAILED, failed, **known), held
    if no_pin and judged.action == "pass":
        row, new_balance = charge(conn, trade_id, account_id, to_take, member, now, **known)
        if new_balance is not None:
            held[wallet.value] = new_balance
        return row, held
    deadline = now + s_to_ms(settings.pin_deadline_s)
    set_outcome(
        conn,
        trade_id,
        now,
        TradeState.PIN_REQUIRED,
        ErrorCode.PIN_LOCKED if member.pin_locked else None,
        pin_deadline_ms=deadline,
        **known,
    )
    sms.send_code(
        conn,
        member,
        sms.Purpose.PAY,
        now,
        deadline - now,
        trade_id=trade_id,
        amount=format_fen(amount),
        store=call.terminal.store_name,
    )
    return None
