"""What the member and operator APIs and the wallet page share: unsigned answers, bearer tokens.

These callers have no terminal secret, so answers carry ``sign: ""``; the
envelope (``code``, ``message``, ``data``) and the error codes are the
terminal API's. Every handler body runs through :func:`in_transaction`, which
turns database trouble into ``SERVICE_BUSY`` / ``SYSTEM_ERROR`` and never
shows the caller a stack, SQL or path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Connection
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend_stub.clock import ms_to_s
from backend_stub.context import Backend
from backend_stub.errors import (
    ApiError,
    http_status,
    nothing_changed,
    refusal_for,
    validation_message,
)
from protocol.errors import ErrorCode
from protocol.models import OK

__all__ = [
    "bearer_token",
    "in_transaction",
    "install_error_handlers",
    "language",
    "plain_answer",
]

log = logging.getLogger("scanpay.api")
T = TypeVar("T")


def _jsonable(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if is_dataclass(data) and not isinstance(data, type):
        return asdict(data)
    if isinstance(data, list):
        return [_jsonable(item) for item in data]
    return data


def plain_answer(
    data: Any = None, *, code: str = OK, message: str = "", now_ms: int = 0
) -> JSONResponse:
    body = {
        "code": code,
        "message": message,
        "nonce": "",
        "timestamp": ms_to_s(now_ms),
        "sign": "",
        "data": _jsonable(data),
    }
    return JSONResponse(body, status_code=http_status(code))


def in_transaction(
    backend: Backend, work: Callable[[Connection, int], T], *, write: bool = True
) -> T:
    """Run ``work(conn, now_ms)`` in one transaction; errors become :class:`ApiError`."""
    now = backend.now_ms()
    try:
        with backend.db.write() if write else backend.db.read() as conn:
            return work(conn, now)
    except Exception as exc:  # none of these APIs pays: a system error changed nothing
        raise nothing_changed(refusal_for(exc, log)) from None


def language(request: Request) -> str:
    """``zh`` if the caller prefers Chinese (``Accept-Language: zh...``), else ``en``."""
    return "zh" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(ErrorCode.NOT_AUTHORISED, "send Authorization: Bearer <token>")
    return token.strip()


def install_error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return plain_answer(code=exc.code.value, message=exc.message(language(request)))

    async def bad_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError | ValidationError)
        detail = (
            validation_message(exc)
            if isinstance(exc, ValidationError)
            else "; ".join(
                f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}"
                for e in exc.errors()[:3]
            )
        )
        error = ApiError(ErrorCode.BAD_REQUEST, detail)
        return plain_answer(code=error.code.value, message=error.message(language(request)))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        """Starlette's own refusals (no such path, method not allowed, unreadable body)."""
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else ""
        error = ApiError(ErrorCode.BAD_REQUEST, detail.lower())
        answer = plain_answer(code=error.code.value, message=error.message(language(request)))
        answer.status_code = exc.status_code
        answer.headers.update(exc.headers or {})
        return answer

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        """A bug outside any transaction: the plain envelope, never a stack or a bare 500."""
        error = nothing_changed(refusal_for(exc, log))
        return plain_answer(code=error.code.value, message=error.message(language(request)))

    app.add_exception_handler(Exception, unexpected)
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, bad_request)
    app.add_exception_handler(ValidationError, bad_request)
