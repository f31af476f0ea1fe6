"""The customer wallet page, ``/wallet``: one HTML page, its script and style, and its helpers.

The page is plain HTML, CSS and JavaScript shipped in ``backend_stub/wallet/``
(no build step, nothing from a CDN). It talks to the member API
(``/member/v1/...``) like any other client, plus two routes of its own:
``/wallet/v1/images`` draws a payment code as QR and Code128 SVG for a
signed-in member, and ``/member/v1/logout`` ends a session (and kills that
phone's live codes).

Security, in short (the README says more): the session token lives only in
the page's memory and travels as ``Authorization: Bearer``; there is no
cookie, so another site cannot make the browser send a request as the member
(no CSRF). The page and every member answer are ``no-store``; a
Content-Security-Policy allows only this server's own script, style and
data-URI images, and no framing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy.engine import Connection

from backend_stub.context import Backend
from backend_stub.errors import ApiError
from backend_stub.gateway.pages import NoStoreMiddleware, packaged_file
from backend_stub.gateway.plain import bearer_token, in_transaction, plain_answer
from backend_stub.payments import paycodes, sessions
from protocol.errors import ErrorCode
from protocol.paycode import CodeKind, classify

from .images import code128_svg, qr_svg

__all__ = ["install_wallet_page", "wallet_router"]

_FILES = frozenset({"wallet.js", "wallet-text.js", "wallet.css"})


class ImagesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{18}$")]

    def __repr__(self) -> str:
        return "ImagesRequest(****)"


def wallet_router(backend: Backend) -> APIRouter:
    router = APIRouter(tags=["wallet"])

    @router.get("/wallet", include_in_schema=False)
    def page() -> Response:
        return packaged_file("backend_stub.wallet", "index.html", frozenset({"index.html"}))

    @router.get("/wallet/", include_in_schema=False)
    def page_slash() -> RedirectResponse:
        return RedirectResponse("/wallet", status_code=308)

    @router.get("/wallet/static/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        return packaged_file("backend_stub.wallet", name, _FILES)

    @router.post("/wallet/v1/images", summary="A payment code as QR and Code128 SVG (signed in)")
    def images(body: ImagesRequest, request: Request) -> JSONResponse:
        token = bearer_token(request)
        in_transaction(
            backend, lambda conn, now: sessions.member_for_token(conn, token, now), write=False
        )
        if classify(body.code).kind is not CodeKind.OWN:
            raise ApiError(ErrorCode.BAD_REQUEST, "code: not a payment code of ours")
        return plain_answer({"qr_svg": qr_svg(body.code), "barcode_svg": code128_svg(body.code)})

    @router.post("/member/v1/logout", tags=["member"], summary="Sign out; this phone's codes die")
    def logout(request: Request) -> JSONResponse:
        token = bearer_token(request)

        def work(conn: Connection, now: int) -> None:
            member, slot = sessions.member_for_token(conn, token, now)
            paycodes.retire_slot(conn, member.id, slot, now)
            sessions.end_session(conn, token)

        in_transaction(backend, work)
        return plain_answer({"signed_out": True})

    return router


def install_wallet_page(app: FastAPI, backend: Backend) -> None:
    """Add the page, its helper routes and the no-store rule to the application."""
    app.include_router(wallet_router(backend))
    app.add_middleware(NoStoreMiddleware, prefixes=("/wallet", "/member/"))
