"""The gateway: what every terminal request passes before it reaches the core (DESIGN.md 7-8).

In this order; steps 1-5 need no write lock, so a refused request costs little:

1. Parse the body: a JSON object, integers only (a float is refused, since
   no amount may be one). (Bodies over ``max_body_bytes`` never get here: see
   :mod:`backend_stub.gateway.body_limit`.)
2. Find the terminal by ``terminal_id`` (:class:`~backend_stub.payments.terminals.TerminalCache`);
   unknown -> ``UNKNOWN_TERMINAL``.
3. Check the signature over the *raw* object's top-level keys, so extension
   fields (``ext_*``) are covered too -> ``BAD_SIGNATURE``.
4. The timestamp within 5 minutes -> else ``STALE_REQUEST``; the nonce's form.
5. Validate with the request's pydantic model -> ``BAD_REQUEST`` naming the field
   (the nonce of a signed, fresh request is used up all the same).
6. In the request's one write transaction (``Database.transaction``: on
   SQLite it may share its commit with other requests', each in a savepoint
   of its own; no answer leaves before the commit is on disk): the rate limits
   (:mod:`backend_stub.gateway.rate_limits` -> ``SERVICE_BUSY`` with ``retry_after_s``);
   the nonce, inserted into the ``nonces`` table, unique per terminal, so
   every instance sees it -> ``REPLAYED_REQUEST``. The same statement checks
   the terminal's row as it is now, not as this instance cached it: switched
   off by store IT -> ``TERMINAL_DISABLED``; signed with a secret that was
   rotated away -> ``BAD_SIGNATURE``. So revoking takes effect on every
   instance at the next request, at no extra statement. Then the action: if
   it refuses the request (:class:`ApiError`), its writes are undone
   (:class:`~backend_stub.storage.db.Instead`: all of the transaction's, then
   the count and the nonce are written again) but the nonce stays recorded.
   A route's ``prepare`` (the pay's: routing the code, the request's
   fingerprint) runs before this step, off the writer; a refusal from it is
   answered the same way, nonce spent.

A disabled terminal may still ``query`` and ``cancel`` (``while_disabled``):
they only settle what it started before, so no payment is left unknown. Only
``rotate-secret/confirm`` may be signed with the new, pending secret
(``by_pending_secret``); its answer is signed with that secret too.

Every answer is :class:`~protocol.models.ApiResponse` signed with the
terminal's secret over ``code``, ``message``, ``nonce`` (the request's,
echoed), ``timestamp`` and ``data``. Only when the terminal is unknown or the
body cannot be read is the answer unsigned (``sign: ""``): there is no
secret to sign with. A ``SERVICE_BUSY`` answer carries ``data.retry_after_s``.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import bindparam, delete, literal_column, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from backend_stub.clock import ms_to_s
from backend_stub.context import After, Backend, Call, Continue, Result
from backend_stub.errors import (
    ApiError,
    http_status,
    nothing_changed,
    refusal_for,
    validation_message,
)
from backend_stub.observability.metrics import RATE_LIMITED
from backend_stub.payments.terminals import Terminal, find_terminal
from backend_stub.storage.db import Instead
from backend_stub.storage.prepared import Prepared
from backend_stub.storage.schema import nonces
from protocol import replay, signing
from protocol.errors import ErrorCode
from protocol.models import OK

from .text import refusal, unstorable

__all__ = [
    "MAX_BODY_BYTES",
    "Answer",
    "answer_error",
    "answer_ok",
    "busy_answer",
    "data_of",
    "parse_body",
    "purge_nonces",
    "record_nonce",
    "run_signed",
    "secret_for",
]

log = logging.getLogger("scanpay.gateway")

MAX_BODY_BYTES = 64 * 1024
M = TypeVar("M", bound=BaseModel)
Answer = tuple[int, dict[str, Any]]


class _NotAFloat(ValueError):
    pass


def _refuse_float(text: str) -> Any:
    raise _NotAFloat(text)


def parse_body(raw: bytes) -> dict[str, Any]:
    """The request's JSON object, or :class:`ApiError` ``BAD_REQUEST`` in plain words."""
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(ErrorCode.REQUEST_TOO_LARGE, f"at most {MAX_BODY_BYTES} bytes")
    try:  # UTF-8, as JSON on the network must be (decoded in C: json's own guess is Python)
        body = json.loads(
            raw.decode("utf-8"), parse_float=_refuse_float, parse_constant=_refuse_float
        )
    except _NotAFloat:
        raise ApiError(
            ErrorCode.BAD_REQUEST, "numbers must be whole: amounts are integer fen or points"
        ) from None
    except (ValueError, RecursionError):
        raise ApiError(ErrorCode.BAD_REQUEST, "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(ErrorCode.BAD_REQUEST, "the body must be a JSON object")
    return body


def data_of(result: Result) -> dict[str, Any] | None:
    if result is None:
        return None
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    return result


def _envelope(
    code: str, message: str, nonce: str, now_ms: int, data: dict[str, Any] | None, secret: str
) -> dict[str, Any]:
    # ApiResponse's fields, in its order (a dict made here costs less than the model's dump)
    body = {
        "code": code,
        "message": message,
        "nonce": nonce,
        "timestamp": ms_to_s(now_ms),
        "sign": "",
        "data": data,
    }
    body["sign"] = signing.sign(body, secret) if secret else ""
    return body


def answer_ok(result: Result, nonce: str, now_ms: int, secret: str) -> Answer:
    return 200, _envelope(OK, "", nonce, now_ms, data_of(result), secret)


def answer_error(error: ApiError, nonce: str, now_ms: int, secret: str, lang: str) -> Answer:
    data = None
    if error.code is ErrorCode.SERVICE_BUSY:
        data = {"retry_after_s": int(getattr(error, "retry_after_s", 1))}
    return http_status(error.code), _envelope(
        error.code.value, error.message(lang), nonce, now_ms, data, secret
    )


def _echo_nonce(body: dict[str, Any]) -> str:
    nonce = body.get("nonce")
    return nonce if isinstance(nonce, str) and len(nonce) <= 64 else ""


def _check_fresh(body: dict[str, Any], now_ms: int) -> str:
    """The request's nonce, once its timestamp and form are right (no database yet)."""
    timestamp = body.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise ApiError(ErrorCode.BAD_REQUEST, "timestamp: must be unix seconds as an integer")
    nonce = body.get("nonce")
    if not replay.is_valid_nonce(nonce):
        raise ApiError(ErrorCode.BAD_REQUEST, "nonce: must be 16-64 letters or digits")
    assert isinstance(nonce, str)
    if not replay.is_fresh(timestamp, now=ms_to_s(now_ms)):
        raise ApiError(ErrorCode.STALE_REQUEST)
    return nonce


_INSERT_NONCE = {
    name: dialect.insert(nonces)
    .values(
        terminal_id=bindparam("terminal_id"),
        nonce=bindparam("nonce"),
        request_ts=bindparam("request_ts"),
    )
    .on_conflict_do_nothing()
    .returning(literal_column("1"))
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}


# The nonce, recorded only while the terminal's row still accepts this secret (and is not
# switched off, unless the route may run while disabled): one statement on both databases,
# run on the driver (every signed request runs it: storage.prepared).
_INSERT_NONCE_IF_ACCEPTED = Prepared(
    text(
        "INSERT INTO nonces (terminal_id, nonce, request_ts) "
        "SELECT CAST(:terminal_id AS VARCHAR(64)), CAST(:nonce AS VARCHAR(64)), "
        "CAST(:request_ts AS BIGINT) WHERE EXISTS ("
        "SELECT 1 FROM terminals WHERE id = CAST(:terminal_id AS VARCHAR(64)) "
        "AND CAST(:secret AS VARCHAR(128)) IN (secret, pending_secret) "
        "AND (disabled_at_ms IS NULL OR CAST(:while_disabled AS BOOLEAN))) "
        "ON CONFLICT DO NOTHING RETURNING (SELECT rotate_requested_at_ms IS NOT NULL "
        "FROM terminals WHERE id = CAST(:terminal_id AS VARCHAR(64)))"
    )
)


def record_nonce(conn: Connection, terminal_id: str, nonce: str, request_ts: int) -> bool:
    """True if the nonce is new for this terminal (and is now recorded)."""
    params = {"terminal_id": terminal_id, "nonce": nonce, "request_ts": request_ts}
    return conn.execute(_INSERT_NONCE[conn.dialect.name], params).first() is not None


def admit(conn: Connection, call: Call, request_ts: int, while_disabled: bool) -> Call | ApiError:
    """Record the nonce if the terminal's row accepts the call now; else why not.

    The call comes back with what the row says now of a rotation store IT asked for.
    """
    params = {
        "terminal_id": call.terminal_id,
        "nonce": call.nonce,
        "request_ts": request_ts,
        "secret": call.secret,
        "while_disabled": while_disabled,
    }
    row = _INSERT_NONCE_IF_ACCEPTED.execute(conn, params).first()
    if row is not None:
        asked = bool(row[0])
        if asked is call.terminal.rotate_asked:
            return call
        return replace(call, terminal=replace(call.terminal, rotate_asked=asked))
    now = find_terminal(conn, call.terminal_id)
    if now is None:
        return ApiError(ErrorCode.UNKNOWN_TERMINAL)
    if now.disabled and not while_disabled:
        return ApiError(ErrorCode.TERMINAL_DISABLED)
    if call.secret not in (now.secret, now.pending_secret):
        return ApiError(ErrorCode.BAD_SIGNATURE)
    return ApiError(ErrorCode.REPLAYED_REQUEST)


def _signing_secret(
    backend: Backend, body: dict[str, Any], by_pending_secret: bool
) -> tuple[Terminal, str]:
    """The terminal and the secret ``body`` is signed with (step 3), or why not.

    A signature this instance's cached row does not accept is checked once
    more against the row as it is now: the secret may have been rotated
    through another instance.
    """
    terminal = backend.terminals.get(body.get("terminal_id"))
    if terminal is None:
        raise _Unknown
    for fresh in (False, True):
        if fresh:
            terminal = backend.terminals.reload(terminal.id)
            if terminal is None:
                raise _Unknown
        wanted = terminal.pending_secret if by_pending_secret else terminal.secret
        if wanted and signing.verify(body, wanted):
            return terminal, wanted
        if by_pending_secret and signing.verify(body, terminal.secret):
            return terminal, terminal.secret  # confirmed already: the pending one is the secret
    raise _Refused(terminal, ApiError(ErrorCode.BAD_SIGNATURE))


def authenticate(
    backend: Backend,
    body: dict[str, Any],
    model: type[M],
    now_ms: int,
    lang: str,
    by_pending_secret: bool = False,
) -> tuple[Call, M]:
    """Steps 2-5 above, outside any transaction. Raises :class:`_Unknown` or :class:`_Refused`."""
    terminal = backend.terminals.get(body.get("terminal_id"))
    if terminal is None:
        raise _Unknown
    bad_name = signing.bad_name(body)
    if bad_name is not None:  # it could not be signed unambiguously: say so, not "bad signature"
        detail = f"{bad_name[:64]!r}: field names may only be letters, digits, _ - and ."
        raise _Refused(terminal, ApiError(ErrorCode.BAD_REQUEST, detail))
    terminal, secret = _signing_secret(backend, body, by_pending_secret)
    try:
        nonce = _check_fresh(body, now_ms)
    except ApiError as exc:
        raise _Refused(terminal, exc) from None
    bad_text = unstorable(body)
    if bad_text is not None:
        raise _Refused(terminal, ApiError(ErrorCode.BAD_REQUEST, refusal(bad_text)), spends=nonce)
    try:  # empty values are outside the signature: read as absent (signing.drop_empty)
        request = model.model_validate(signing.drop_empty(body))
    except ValidationError as exc:
        error = ApiError(ErrorCode.BAD_REQUEST, validation_message(exc))
        raise _Refused(terminal, error, spends=nonce) from None
    return Call(terminal, nonce, now_ms, lang, secret), request


class _Unknown(Exception):
    """The terminal is not enrolled: answer unsigned."""


class _Refused(Exception):
    """Refused before the action ran; the terminal is known, so the answer is signed.

    ``spends``: the nonce of a request signed and fresh but not valid; it is
    used up all the same (a replay of it is ``REPLAYED_REQUEST``), as on a
    request the action refuses.
    """

    def __init__(self, terminal: Terminal, error: ApiError, spends: str | None = None) -> None:
        self.terminal = terminal
        self.error = error
        self.spends = spends


def run_signed(
    backend: Backend,
    raw: bytes,
    lang: str,
    model: type[M],
    action: Callable[[Connection, Call, Any], Result | Continue | After],
    *,
    while_disabled: bool = False,
    by_pending_secret: bool = False,
    pays: bool = True,
    prepare: Callable[[M], Any] | None = None,
) -> Answer:
    """Authenticate ``raw`` and run ``action`` in one transaction; always return an answer.

    ``prepare``: the work on the request that needs no database, done before
    the transaction (off the writer); ``action`` gets what it returns instead
    of the request.
    """
    now_ms = backend.now_ms()
    try:
        body = parse_body(raw)
    except ApiError as exc:
        return answer_error(exc, "", now_ms, "", lang)
    nonce = _echo_nonce(body)
    secret = ""
    try:
        try:
            call, request = authenticate(backend, body, model, now_ms, lang, by_pending_secret)
        except _Refused as refused:
            error = refused.error
            if refused.spends is not None:
                terminal_id, ts, spent = refused.terminal.id, body["timestamp"], refused.spends
                if not backend.db.transaction(lambda c: record_nonce(c, terminal_id, spent, ts)):
                    error = ApiError(ErrorCode.REPLAYED_REQUEST)
            return answer_error(error, nonce, now_ms, refused.terminal.secret, lang)
        secret = call.secret
        limited = backend.limits.before_transaction(call.terminal, now_ms)
        if limited is not None:
            RATE_LIMITED.labels(limited.scope).inc()
            return answer_error(limited, nonce, now_ms, secret, lang)
        try:
            work = request if prepare is None else prepare(request)
        except ApiError as exc:  # refused from the request alone: answered once the nonce is spent
            work = exc

        def admitted(conn: Connection) -> Call | ApiError:
            """The rate count and the nonce (both commit, whatever the answer)."""
            limited = backend.limits.in_transaction(conn, call.terminal, now_ms)
            if limited is not None:
                RATE_LIMITED.labels(limited.scope).inc()
                return limited
            found = admit(conn, call, body["timestamp"], while_disabled)
            if isinstance(found, ApiError) and found.code is not ErrorCode.REPLAYED_REQUEST:
                backend.terminals.forget(call.terminal_id)
            return found

        def answer_refusal(conn: Connection, error: ApiError) -> tuple[ApiError, None]:
            found = admitted(conn)
            return (found if isinstance(found, ApiError) else error), None

        def transaction(conn: Connection) -> tuple[ApiError | None, Result | Continue | After]:
            admitted_call = admitted(conn)
            if isinstance(admitted_call, ApiError):
                return admitted_call, None
            if isinstance(work, ApiError):
                return work, None
            try:
                return None, action(conn, admitted_call, work)
            except ApiError as exc:  # its writes undone; the count and the nonce written again
                raise Instead(functools.partial(answer_refusal, error=exc)) from None

        refused_error, result = backend.db.transaction(transaction)
        # committed (on SQLite perhaps with other requests' transactions: storage.group_commit)
        if refused_error is not None:
            return answer_error(refused_error, nonce, now_ms, secret, lang)
        if isinstance(result, After):
            result = result.make()
        elif isinstance(result, Continue):
            value, then = result.outside(), result.then
            result = backend.db.transaction(lambda conn: then(conn, value))
        return answer_ok(result, nonce, now_ms, secret)
    except _Unknown:
        return answer_error(ApiError(ErrorCode.UNKNOWN_TERMINAL), nonce, now_ms, "", lang)
    except ApiError as exc:  # refused by a continuation
        return answer_error(exc, nonce, now_ms, secret, lang)
    except Exception as exc:  # the database or a bug: never the details to the caller
        refusal = refusal_for(exc, log) if pays else nothing_changed(refusal_for(exc, log))
        return answer_error(refusal, nonce, now_ms, secret or secret_for(backend, body), lang)


def busy_answer(backend: Backend, raw: bytes, lang: str, error: ApiError) -> Answer:
    """``SERVICE_BUSY`` for a request refused before any work (a full pool), without a database."""
    now_ms = backend.now_ms()
    try:
        body = parse_body(raw)
    except ApiError:
        return answer_error(error, "", now_ms, "", lang)
    return answer_error(error, _echo_nonce(body), now_ms, secret_for(backend, body), lang)


def secret_for(backend: Backend, body: dict[str, Any]) -> str:
    """For an answer that failed before authentication (a busy database): sign it if we can.

    Only a request whose own signature checks out gets a signed answer; the
    terminal is looked up in this instance's memory only (the database may be
    what is busy).
    """
    terminal = backend.terminals.known(body.get("terminal_id"))
    if terminal is None or not signing.verify(body, terminal.secret):
        return ""
    return terminal.secret


def purge_nonces(conn: Connection, now_ms: int) -> int:
    """Forget nonces whose request time is out of the window: their replays are stale anyway."""
    oldest = ms_to_s(now_ms) - replay.TIMESTAMP_WINDOW_S
    return conn.execute(delete(nonces).where(nonces.c.request_ts < oldest)).rowcount
