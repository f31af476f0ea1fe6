"""Demo glue: the till with a simulated scanner whose key "scans" the demo customer's code.

Not part of the till itself: ``make demo`` runs this module. The demo
customer's current payment code is fetched over HTTP the way the customer's
wallet does it (member API: an SMS login, then ``/member/v1/code``); the
SMS code is read from the demo backend's outbox with the operator token,
since there is no phone. Nothing here imports the backend.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import httpx

from appkit.cli import terminal_config

from .app import PosApp
from .cli import add_till_arguments
from .pinpad import open_till_pad

__all__ = ["DemoCustomer", "main"]


class DemoError(Exception):
    """The demo backend did not answer as expected; the message says what failed."""


class DemoCustomer:
    """A customer's wallet, reduced to what the demo needs: "show me my current code"."""

    def __init__(self, backend_url: str, member_no: str, admin_token: str) -> None:
        self.backend_url = backend_url.rstrip("/")
        self.member_no = member_no
        self.admin_token = admin_token
        self.session = ""
        self._http: httpx.AsyncClient | None = None

    async def current_code(self) -> str:
        if self._http is None:  # one client: making one loads the CA bundle, tens of ms
            self._http = httpx.AsyncClient(base_url=self.backend_url, timeout=10)
        http = self._http
        if not self.session:
            self.session = await self._login(http)
        try:
            data = await self._ok(http, "POST", "/member/v1/code", json={"wallet": "points"})
        except DemoError:  # the wallet session ran out: sign in again
            self.session = await self._login(http)
            data = await self._ok(http, "POST", "/member/v1/code", json={"wallet": "points"})
        return str(data["code"])

    async def _login(self, http: httpx.AsyncClient) -> str:
        await self._ok(
            http, "POST", "/member/v1/sms", json={"member_no": self.member_no, "purpose": "login"}
        )
        outbox = await self._ok(
            http,
            "GET",
            "/admin/v1/sms-outbox",
            params={"member_no": self.member_no, "limit": 10},
            admin=True,
        )
        for message in outbox:
            found = re.search(r"\b(\d{6})\b", str(message.get("text", "")))
            if message.get("purpose") == "login" and found:
                data = await self._ok(
                    http,
                    "POST",
                    "/member/v1/login",
                    json={"member_no": self.member_no, "sms_code": found.group(1)},
                )
                return str(data["token"])
        raise DemoError(f"no login SMS for member {self.member_no} in the outbox")

    async def _ok(
        self, http: httpx.AsyncClient, method: str, path: str, *, admin: bool = False, **kw: Any
    ) -> Any:
        token = self.admin_token if admin else self.session
        headers = {"authorization": f"Bearer {token}"} if token else {}
        try:
            response = await http.request(method, path, headers=headers, **kw)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise DemoError(f"{path}: {type(exc).__name__}") from None
        if not isinstance(body, dict) or body.get("code") != "OK":
            code = body.get("code") if isinstance(body, dict) else "?"
            raise DemoError(f"{path}: {code}")
        return body.get("data")


def main(argv: list[str] | None = None) -> int:
    parser = add_till_arguments(
        argparse.ArgumentParser(
            prog="python -m pos_client.demo",
            description="The till for the demo: F8 scans the demo customer's current code.",
        )
    )
    parser.add_argument("--member", default="M10001", help="the demo customer's member number")
    parser.add_argument(
        "--admin-token-file", required=True, help="file with the demo backend's operator token"
    )
    args = parser.parse_args(argv)
    config = terminal_config(args)
    if config is None:
        return 2
    token = Path(args.admin_token_file).read_text(encoding="utf-8").strip()
    customer = DemoCustomer(config.backend.url, args.member, token)
    PosApp(config, pad_opener=open_till_pad, demo_scan=customer.current_code).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
