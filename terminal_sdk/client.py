"""The signed HTTP client: one method per backend call, errors translated at this seam.

What reaches the caller is either a verified model or one of the protocol's
exceptions, chosen by what is *known* about the request:

- ``ServiceUnavailable(BACKEND_UNREACHABLE)``: the connection was never made,
  so the request never left; nothing can have been charged.
- ``OutcomeUnknown``: it may have arrived (timeout, dropped connection, 5xx,
  an answer whose signature or nonce is wrong); the caller must query.
- ``PaymentDeclined`` / ``RequestRejected`` / ``ServiceUnavailable``: a
  verified answer said no.

Tests swap the network by passing an httpx transport (``MockTransport``,
an ASGI transport, or a fault-injecting one) instead of patching internals.
"""

from __future__ import annotations

import ssl
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from protocol.errors import ErrorCode, OutcomeUnknown, ScanPayError, ServiceUnavailable, error_for
from protocol.models import (
    CodOrderList,
    CodOrderView,
    CreditView,
    EnrolResponse,
    GuideResponse,
    HeartbeatResponse,
    RefundView,
    RotateSecretResponse,
    Tender,
    TenderPart,
    TerminalKind,
    TradePage,
    TradeView,
)
from protocol.pin import PinEnvelope
from protocol.replay import now_s

from .auth import SignedAuth, check_response
from .credentials import Credentials

__all__ = ["ScanPayClient", "enrol"]

M = TypeVar("M", bound=BaseModel)


def _tls(ca_file: str) -> ssl.SSLContext | bool:
    return ssl.create_default_context(cafile=ca_file) if ca_file else True


def _timeouts(connect_s: float, request_s: float) -> httpx.Timeout:
    return httpx.Timeout(request_s, connect=connect_s)


async def _send(
    http: httpx.AsyncClient,
    path: str,
    body: dict[str, Any],
    time_limit_s: float | None,
    auth: httpx.Auth | None = None,
) -> httpx.Response:
    extra: dict[str, Any] = {} if auth is None else {"auth": auth}
    try:
        if time_limit_s is None:
            return await http.post(path, json=body, **extra)
        return await http.post(path, json=body, timeout=time_limit_s, **extra)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise ServiceUnavailable(ErrorCode.BACKEND_UNREACHABLE, type(exc).__name__) from None
    except httpx.TransportError as exc:  # timeouts after connecting, resets, protocol errors
        raise OutcomeUnknown(ErrorCode.NETWORK_ERROR, type(exc).__name__) from None


class ScanPayClient:
    """One terminal's connection to the backend. Use as ``async with``."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        ca_file: str = "",
        connect_timeout_s: float = 3.0,
        request_timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.credentials = credentials
        self.clock_offset_s = 0  # the backend's clock minus ours, from the last answer
        self._http = httpx.AsyncClient(
            base_url=base_url,
            auth=SignedAuth(credentials.terminal_id, credentials.secret),
            timeout=_timeouts(connect_timeout_s, request_timeout_s),
            verify=_tls(ca_file),
            transport=transport,
        )

    async def __aenter__(self) -> ScanPayClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def use(self, credentials: Credentials) -> None:
        """Sign with these credentials from now on (after a secret rotation)."""
        self.credentials = credentials
        self._http.auth = SignedAuth(credentials.terminal_id, credentials.secret)

    async def call(
        self,
        name: str,
        fields: dict[str, Any],
        *,
        time_limit_s: float | None = None,
        secret: str | None = None,
    ) -> dict[str, Any]:
        """POST ``/v1/<name>`` and return the verified ``data`` of an OK answer.

        ``secret``: sign with this one instead of the terminal's (a rotation's new secret).
        """
        body = {k: v for k, v in fields.items() if v is not None}
        auth = None if secret is None else SignedAuth(self.credentials.terminal_id, secret)
        response = await _send(self._http, f"/v1/{name}", body, time_limit_s, auth)
        try:
            answer = check_response(response, secret or self.credentials.secret)
        except OutcomeUnknown:
            if secret is None:
                raise
            # a refusal of the new secret comes signed with the one the backend still has
            answer = check_response(response, self.credentials.secret)
        self.clock_offset_s = answer.timestamp - now_s()
        if not answer.ok:
            try:
                raise error_for(answer.code, answer.message)
            except ValueError:  # a code this version does not know: treat as unknown
                raise OutcomeUnknown(
                    ErrorCode.BAD_RESPONSE, f"unknown code {answer.code}"
                ) from None
        return answer.data or {}

    async def _model(
        self, model: type[M], name: str, fields: dict[str, Any], time_limit_s: float | None = None
    ) -> M:
        data = await self.call(name, fields, time_limit_s=time_limit_s)
        try:
            return model.model_validate(data)
        except ValueError:
            raise OutcomeUnknown(ErrorCode.BAD_RESPONSE, f"{name}: unexpected data") from None

    async def pay(
        self,
        *,
        out_trade_no: str,
        payment_code: str,
        amount_fen: int,
        order_total_fen: int | None = None,
        other_tenders: list[TenderPart] | None = None,
        description: str = "",
        categories: list[str] | None = None,
        allow_partial: bool = False,
    ) -> TradeView:
        """Pay with a scanned code; ``allow_partial``: take what the wallet's balance covers."""
        return await self._model(
            TradeView,
            "pay",
            {
                "out_trade_no": out_trade_no,
                "payment_code": payment_code,
                "amount_fen": amount_fen,
                "order_total_fen": order_total_fen,
                "other_tenders": [t.model_dump(mode="json") for t in other_tenders or []] or None,
                "description": description or None,
                "categories": categories or None,
                "allow_partial": allow_partial or None,
            },
        )

    async def guide(self, amount_fen: int, categories: list[str] | None = None) -> GuideResponse:
        """The tenders to offer for an order, in order, and why the others are hidden."""
        return await self._model(
            GuideResponse, "guide", {"amount_fen": amount_fen, "categories": categories or None}
        )

    async def record_tenders(self, out_trade_no: str, other_tenders: list[TenderPart]) -> TradeView:
        """The rest of a combination payment, on a trade paid with ``allow_partial``."""
        return await self._model(
            TradeView,
            "tenders",
            {
                "out_trade_no": out_trade_no,
                "other_tenders": [t.model_dump(mode="json") for t in other_tenders],
            },
        )

    async def confirm(
        self,
        out_trade_no: str,
        *,
        pin_envelope: PinEnvelope | None = None,
        sms_code: str | None = None,
    ) -> TradeView:
        return await self._model(
            TradeView,
            "confirm",
            {
                "out_trade_no": out_trade_no,
                "pin_envelope": pin_envelope.to_dict() if pin_envelope else None,
                "sms_code": sms_code,
            },
        )

    async def query(self, out_trade_no: str) -> TradeView:
        return await self._model(TradeView, "query", {"out_trade_no": out_trade_no})

    async def cancel(self, out_trade_no: str, reason: str = "") -> TradeView:
        return await self._model(
            TradeView, "cancel", {"out_trade_no": out_trade_no, "reason": reason or None}
        )

    async def refund(
        self, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str = ""
    ) -> RefundView:
        return await self._model(
            RefundView,
            "refund",
            {
                "out_trade_no": out_trade_no,
                "out_refund_no": out_refund_no,
                "amount_fen": amount_fen,
                "reason": reason or None,
            },
        )

    async def trades(self, cursor: str | None = None, limit: int = 20) -> TradePage:
        return await self._model(TradePage, "trades", {"cursor": cursor, "limit": limit})

    async def earn(
        self,
        out_request_no: str,
        paid_fen: int,
        *,
        out_trade_no: str | None = None,
        payment_code: str | None = None,
    ) -> CreditView:
        return await self._model(
            CreditView,
            "earn",
            {
                "out_request_no": out_request_no,
                "paid_fen": paid_fen,
                "out_trade_no": out_trade_no,
                "payment_code": payment_code,
            },
        )

    async def topup(
        self, out_request_no: str, payment_code: str, amount_fen: int, tender: Tender = Tender.CASH
    ) -> CreditView:
        return await self._model(
            CreditView,
            "topup",
            {
                "out_request_no": out_request_no,
                "payment_code": payment_code,
                "amount_fen": amount_fen,
                "tender": tender.value,
            },
        )

    async def pin_key(self) -> tuple[str, str]:
        """The backend's current PIN key: (key id, PEM)."""
        data = await self.call("pin-key", {})
        return str(data.get("pin_key_id", "")), str(data.get("pin_public_key", ""))

    async def cod_orders(self, day: str | None = None) -> CodOrderList:
        """This PDA's courier's cash-on-delivery orders for ``day`` (YYYY-MM-DD; default today)."""
        return await self._model(CodOrderList, "cod-orders", {"day": day})

    async def cod_sign_off(
        self,
        order_no: str,
        recipient_name: str,
        *,
        out_trade_no: str | None = None,
        paid_cash: bool = False,
    ) -> CodOrderView:
        """Record who took the parcel and how it was paid (a trade of ours, or cash)."""
        return await self._model(
            CodOrderView,
            "cod-sign-off",
            {
                "order_no": order_no,
                "recipient_name": recipient_name,
                "out_trade_no": out_trade_no,
                "paid_cash": paid_cash,
            },
        )

    async def echo(self) -> None:
        """A signed round trip: proves the backend is there and knows this terminal."""
        await self.call("echo", {})

    async def heartbeat(self, report: dict[str, Any]) -> HeartbeatResponse:
        """This terminal's state for store IT; the answer says what store IT wants done."""
        return await self._model(HeartbeatResponse, "heartbeat", report)

    async def rotate_secret(self) -> str:
        """A new secret from the backend: pending until :meth:`confirm_secret`."""
        data = await self._model(RotateSecretResponse, "rotate-secret", {})
        return data.secret

    async def confirm_secret(self, secret: str) -> None:
        """Signed with the new ``secret``: the backend makes it the secret; the old one dies."""
        await self.call("rotate-secret/confirm", {}, secret=secret)


async def enrol(
    base_url: str,
    activation_code: str,
    *,
    device_name: str = "",
    kind: TerminalKind = TerminalKind.POS,
    ca_file: str = "",
    transport: httpx.AsyncBaseTransport | None = None,
) -> Credentials:
    """Trade a one-time activation code for this terminal's identity and secret."""
    async with httpx.AsyncClient(
        base_url=base_url, verify=_tls(ca_file), timeout=_timeouts(3, 10), transport=transport
    ) as http:
        body = {"activation_code": activation_code, "device_name": device_name, "kind": kind.value}
        response = await _send(http, "/v1/enrol", body, None)
        try:
            answer = response.json()
        except ValueError:
            raise OutcomeUnknown(ErrorCode.BAD_RESPONSE, "enrol: not JSON") from None
    if not isinstance(answer, dict):
        raise OutcomeUnknown(ErrorCode.BAD_RESPONSE, "enrol: not an object")
    if answer.get("code") != "OK":
        try:
            raise error_for(str(answer.get("code")), str(answer.get("message", "")))
        except ValueError:
            raise ScanPayError(ErrorCode.SYSTEM_ERROR, "enrol failed") from None
    try:
        got = EnrolResponse.model_validate(answer.get("data"))
    except ValueError:
        raise OutcomeUnknown(ErrorCode.BAD_RESPONSE, "enrol: unexpected data") from None
    return Credentials(
        terminal_id=got.terminal_id,
        secret=got.secret,
        merchant_id=got.merchant_id,
        store_id=got.store_id,
        kind=got.kind.value,
        pin_key_id=got.pin_key_id,
        pin_public_key=got.pin_public_key,
    )
