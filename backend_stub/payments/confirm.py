"""``confirm``: a PIN envelope or an SMS code for a trade waiting in PIN_REQUIRED.

The PIN path runs in two transactions so no lock is held during the slow
part. The first (the gateway's, with the request nonce) checks the trade is
waiting and reads the member's PIN hash; then, with no transaction open, the
envelope is opened (``protocol.pin``, trade reference
``"{terminal_id}:{out_trade_no}"``) and the PIN checked against the Argon2id
hash; the second transaction locks the trade again, re-checks its state and
deadline, records the envelope's nonce (an envelope seen before gets the
trade as it is, and counts no attempt: that is a retry), and applies the
result: charge, or count a wrong PIN (``PIN_WRONG`` with attempts left; the
last one locks PIN payments, ``PIN_LOCKED``, and a fresh SMS code is sent).

The SMS path is one transaction: the code must be a live ``pay`` code for
this trade. A trade past its deadline is closed first and answered as
``CLOSED`` / ``TRADE_CLOSED``, whatever the PIN.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from backend_stub.context import Backend, Call, Continue
from backend_stub.errors import ApiError
from backend_stub.storage.db import insert_ignoring_conflict
from backend_stub.storage.prepared import Record
from backend_stub.storage.schema import pin_envelopes
from protocol.errors import ErrorCode
from protocol.models import ConfirmRequest, TradeState, TradeView
from protocol.money import format_fen
from protocol.pin import ClearPin, PinEnvelope, PinEnvelopeError, open_envelope

from . import members as m
from . import sms
from .members import Member
from .trades import charge, expire_if_due, find_trade, set_outcome, trade_view

__all__ = ["confirm", "trade_reference"]


def trade_reference(terminal_id: str, out_trade_no: str) -> str:
    """What a PIN envelope is sealed for; the terminal SDK seals with the same string."""
    return f"{terminal_id}:{out_trade_no}"


@dataclass(frozen=True)
class _PinChecked:
    envelope_nonce: str
    pin: ClearPin
    checked_hash: str | None
    matches: bool


def _waiting_trade(conn: Connection, call: Call, out_trade_no: str, now_ms: int) -> Record:
    row = find_trade(conn, call.terminal_id, out_trade_no, for_update=True)
    if row is None:
        raise ApiError(ErrorCode.TRADE_NOT_FOUND)
    return expire_if_due(conn, row, now_ms)


def _view(
    conn: Connection, backend: Backend, call: Call, out_trade_no: str, now_ms: int
) -> TradeView:
    row = find_trade(conn, call.terminal_id, out_trade_no)
    assert row is not None
    return trade_view(conn, row, now_ms, backend.settings, call.lang)


def confirm(
    conn: Connection, call: Call, request: ConfirmRequest, backend: Backend
) -> TradeView | Continue:
    row = _waiting_trade(conn, call, request.out_trade_no, call.now_ms)
    if row.state != TradeState.PIN_REQUIRED:
        return trade_view(conn, row, call.now_ms, backend.settings, call.lang)
    if request.sms_code is not None:
        return _confirm_sms(conn, call, row, request.sms_code, backend)
    member = m.find_member(conn, member_id=row.member_id)
    assert member is not None and request.pin_envelope is not None
    if member.pin_locked:
        set_outcome(conn, row.id, call.now_ms, TradeState.PIN_REQUIRED, ErrorCode.PIN_LOCKED)
        return _view(conn, backend, call, request.out_trade_no, call.now_ms)
    envelope = PinEnvelope(**request.pin_envelope.model_dump(include=set(_ENVELOPE_FIELDS)))
    reference = trade_reference(call.terminal_id, request.out_trade_no)
    pin_hash = member.pin_hash

    def check_outside_any_lock() -> _PinChecked:
        try:
            opened = open_envelope(envelope, reference, backend.pin_key.private_key)
        except PinEnvelopeError as exc:
            raise ApiError(ErrorCode.BAD_REQUEST, f"pin_envelope: {exc}") from None
        return _PinChecked(opened.nonce, opened.pin, pin_hash, m.pin_matches(pin_hash, opened.pin))

    def apply(conn2: Connection, checked: _PinChecked) -> TradeView:
        return _apply_pin(conn2, call, request.out_trade_no, checked, backend)

    return Continue(check_outside_any_lock, apply)


_ENVELOPE_FIELDS = ("key_id", "wrapped_key", "iv", "ciphertext")


def _apply_pin(
    conn: Connection, call: Call, out_trade_no: str, checked: _PinChecked, backend: Backend
) -> TradeView:
    now = backend.now_ms()
    row = _waiting_trade(conn, call, out_trade_no, now)
    if row.state != TradeState.PIN_REQUIRED:
        return trade_view(conn, row, now, backend.settings, call.lang)
    first_use = insert_ignoring_conflict(
        conn,
        pin_envelopes,
        {"nonce": checked.envelope_nonce, "trade_id": row.id, "created_at_ms": now},
    )
    if not first_use:  # the same envelope again: a retry, not a new attempt
        return trade_view(conn, row, now, backend.settings, call.lang)
    member = m.find_member(conn, member_id=row.member_id, for_update=True)
    assert member is not None
    if member.pin_locked:
        set_outcome(conn, row.id, now, TradeState.PIN_REQUIRED, ErrorCode.PIN_LOCKED)
        return _view(conn, backend, call, out_trade_no, now)
    matches = (
        checked.matches
        if member.pin_hash == checked.checked_hash
        else m.pin_matches(member.pin_hash, checked.pin)  # the PIN was reset meanwhile
    )
    if matches:
        m.clear_pin_failures(conn, member.id)
        charge(conn, row.id, row.account_id, row.charge, member, now)
    else:
        _wrong_pin(conn, call, row, member, now, backend)
    return _view(conn, backend, call, out_trade_no, now)


def _wrong_pin(
    conn: Connection, call: Call, row: Record, member: Member, now_ms: int, backend: Backend
) -> None:
    left = m.record_pin_failure(conn, member, now_ms, backend.settings)
    if left > 0:
        set_outcome(conn, row.id, now_ms, TradeState.PIN_REQUIRED, ErrorCode.PIN_WRONG)
        return
    set_outcome(conn, row.id, now_ms, TradeState.PIN_REQUIRED, ErrorCode.PIN_LOCKED)
    sms.send_code(
        conn,
        member,
        sms.Purpose.PAY,
        now_ms,
        max(1000, row.pin_deadline_ms - now_ms),
        trade_id=row.id,
        amount=format_fen(row.amount_fen),
        store=call.terminal.store_name,
    )


def _confirm_sms(
    conn: Connection, call: Call, row: Record, code: str, backend: Backend
) -> TradeView:
    now = call.now_ms
    member = m.find_member(conn, member_id=row.member_id, for_update=True)
    assert member is not None
    accepted = sms.accept(
        conn, member.id, sms.Purpose.PAY, code, now, backend.settings.sms_attempts, trade_id=row.id
    )
    if accepted:
        charge(conn, row.id, row.account_id, row.charge, member, now)
    else:
        set_outcome(conn, row.id, now, TradeState.PIN_REQUIRED, ErrorCode.SMS_CODE_WRONG)
    return _view(conn, backend, call, row.out_trade_no, now)
