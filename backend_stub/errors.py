"""The backend's errors: one exception that carries an :class:`~protocol.errors.ErrorCode`.

Domain code raises :class:`ApiError` for a request it refuses (trade not
found, duplicate number, bad field...). A *business outcome* of ``pay`` or
``confirm`` is not an error: it is a stored trade whose ``reason`` says what
happened. :func:`classify_exception` turns anything else into the code the
terminal is told: a lock or pool timeout is ``SERVICE_BUSY`` (nothing was
done, try again), everything unexpected is ``SYSTEM_ERROR`` (the terminal
queries). Neither ever carries a stack, SQL or a path to the caller.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from sqlalchemy import exc as sa_exc

from backend_stub.storage.db import DatabaseBusy
from protocol.errors import ERRORS, ErrorCode, message_for

__all__ = [
    "ApiError",
    "classify_exception",
    "http_status",
    "nothing_changed",
    "refusal_for",
    "validation_message",
]

# PostgreSQL: lock_not_available, serialization_failure, deadlock_detected,
# too_many_connections, cannot_connect_now.
_PG_BUSY_STATES = {"55P03", "40001", "40P01", "53300", "57P03"}


class ApiError(Exception):
    """A refused request: ``code`` goes on the wire, ``detail`` is appended to its message."""

    def __init__(self, code: ErrorCode, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else str(code))

    def message(self, lang: str = "en") -> str:
        base = message_for(self.code, lang)
        return f"{base} ({self.detail})" if self.detail else base


def http_status(code: ErrorCode | str) -> int:
    return 200 if code == "OK" else ERRORS[ErrorCode(code)].http_status


def _is_busy(error: BaseException) -> bool:
    if isinstance(error, DatabaseBusy | sa_exc.TimeoutError):
        return True
    if isinstance(error, sa_exc.OperationalError):
        orig = error.orig
        sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        if sqlstate in _PG_BUSY_STATES:
            return True
        text = str(orig).lower()
        return "database is locked" in text or "database is busy" in text
    return False


def classify_exception(error: BaseException) -> ApiError:
    """The :class:`ApiError` a terminal is told for ``error``."""
    if isinstance(error, ApiError):
        return error
    if _is_busy(error):
        return ApiError(ErrorCode.SERVICE_BUSY)
    return ApiError(ErrorCode.SYSTEM_ERROR)


def refusal_for(error: BaseException, log: logging.Logger) -> ApiError:
    """:func:`classify_exception`, logging what was unexpected (type and stack, no values)."""
    refusal = classify_exception(error)
    if refusal is not error:
        if refusal.code is ErrorCode.SYSTEM_ERROR:
            log.error("request failed: %s", type(error).__name__, exc_info=error)
        else:
            log.warning("request refused as %s: %s", refusal.code, type(error).__name__)
    return refusal


def validation_message(error: ValidationError, limit: int = 3) -> str:
    """``field: what is wrong`` for the first few problems; never the values themselves."""
    parts = []
    for item in error.errors(include_input=False, include_url=False)[:limit]:
        where = ".".join(str(p) for p in item["loc"]) or "body"
        msg = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


def nothing_changed(error: ApiError) -> ApiError:
    """On a call that moves no money, a system error says so: nothing changed, try again.

    (``SYSTEM_ERROR`` tells a terminal to check whether a payment went through.)
    """
    return ApiError(ErrorCode.INTERNAL_ERROR) if error.code is ErrorCode.SYSTEM_ERROR else error
