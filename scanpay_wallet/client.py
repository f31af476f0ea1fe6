"""The member API over HTTP, as the customer's phone uses it (and the operator's SMS outbox).

Only HTTP: nothing of the backend is imported, so the simulator runs against
any ScanPay backend it can reach. Every refusal becomes a :class:`WalletError`
with the backend's code and its plain message (in the language asked for).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import httpx

from protocol.errors import ErrorCode, message_for
from protocol.paycode import mask

__all__ = ["DEFAULT_BACKEND", "IssuedCode", "MemberApi", "WalletError", "outbox_code"]

DEFAULT_BACKEND = "http://127.0.0.1:8700"
_SIX_DIGITS = re.compile(r"\b(\d{6})\b")


class WalletError(Exception):
    """A refusal or failure, with the code the backend (or this client) gave it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IssuedCode:
    code: str
    wallet: str
    ttl_s: float
    issued_at: float  # this machine's clock (time.time()) when the request left

    @property
    def expires_at(self) -> float:
        return self.issued_at + self.ttl_s

    def __repr__(self) -> str:
        return f"IssuedCode({mask(self.code)}, {self.wallet})"


def _answer(response: httpx.Response, lang: str) -> Any:
    try:
        body = response.json()
    except ValueError:
        code = ErrorCode.SYSTEM_ERROR
        raise WalletError(
            code, message_for(code, lang) + f" (HTTP {response.status_code})"
        ) from None
    if not isinstance(body, dict) or "code" not in body:
        raise WalletError(ErrorCode.BAD_RESPONSE, message_for(ErrorCode.BAD_RESPONSE, lang))
    if body["code"] != "OK":
        raise WalletError(str(body["code"]), str(body.get("message") or body["code"]))
    return body.get("data")


class _Http:
    def __init__(self, base_url: str, lang: str, timeout_s: float, headers: dict[str, str]) -> None:
        self.base_url = base_url.rstrip("/")
        self.lang = lang
        self.http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout_s,
            headers={"accept-language": "zh-CN" if lang == "zh" else "en", **headers},
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            code = ErrorCode.BACKEND_UNREACHABLE
            detail = f"{self.base_url}: {type(exc).__name__}"
            raise WalletError(code, f"{message_for(code, self.lang)} ({detail})") from None
        return _answer(response, self.lang)

    def close(self) -> None:
        self.http.close()


class MemberApi:
    """``/member/v1`` for one member; :meth:`login` (or ``token=``) gives the session."""

    def __init__(
        self,
        base_url: str = DEFAULT_BACKEND,
        *,
        token: str = "",
        lang: str = "en",
        timeout_s: float = 10.0,
    ) -> None:
        self._http = _Http(base_url + "/member/v1", lang, timeout_s, {})
        self.token = token

    def _auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}

    def send_sms(self, member_no: str, purpose: str = "login") -> None:
        self._http.call("POST", "/sms", json={"member_no": member_no, "purpose": purpose})

    def login(self, member_no: str, sms_code: str) -> float:
        """Sign in; returns when the session expires (unix seconds)."""
        data = self._http.call(
            "POST", "/login", json={"member_no": member_no, "sms_code": sms_code}
        )
        self.token = str(data["token"])
        return float(data["expires_at"])

    def issue_code(self, wallet: str = "points") -> IssuedCode:
        """A fresh code; this session's previous code for the wallet dies at once."""
        sent = time.time()
        data = self._http.call("POST", "/code", json={"wallet": wallet}, headers=self._auth())
        return IssuedCode(str(data["code"]), str(data["wallet"]), float(data["ttl_s"]), sent)

    def account(self) -> dict[str, Any]:
        return dict(self._http.call("GET", "/account", headers=self._auth()))

    def records(self, limit: int = 10) -> list[dict[str, Any]]:
        data = self._http.call("GET", "/records", params={"limit": limit}, headers=self._auth())
        return list(data["items"])

    def logout(self) -> None:
        self._http.call("POST", "/logout", headers=self._auth())

    def close(self) -> None:
        self._http.close()


def outbox_code(
    base_url: str, admin_token: str, member_no: str, purpose: str = "login", *, lang: str = "en"
) -> str:
    """The newest ``purpose`` SMS code sent to the member, read from the operator API's outbox."""
    http = _Http(base_url + "/admin/v1", lang, 10.0, {"authorization": f"Bearer {admin_token}"})
    try:
        messages = http.call("GET", "/sms-outbox", params={"member_no": member_no, "limit": 20})
    finally:
        http.close()
    for message in messages:
        found = _SIX_DIGITS.search(str(message.get("text", "")))
        if message.get("purpose") == purpose and found:
            return found.group(1)
    raise WalletError(
        ErrorCode.SMS_CODE_WRONG, f"no {purpose} SMS for member {member_no} in the outbox"
    )
