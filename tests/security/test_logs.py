"""No secret reaches a log: a whole session with every log captured, then grepped.

One backend on SQLite with ``--log-level debug --access-log`` writes its log
to a file; the terminal SDK's own logging (httpx included) goes to another.
The session: enrol, a wallet sign-in, a PIN set by SMS, a payment without
PIN, one with a wrong then the right PIN, one confirmed by SMS code, a
refund, the wallet's code images and records, sign-out. Then neither log,
nor the terminal's journal, may hold any payment code, PIN, PIN block or
envelope, SMS code, terminal secret, session token, activation code or
operator token that was used. Masked codes (``81************1234``) are fine.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import httpx

from protocol import signing
from protocol.paycode import mask
from protocol.pin import PinEnvelope, seal_pin
from terminal_sdk.client import enrol
from terminal_sdk.session import PinRequest, SmsCode
from terminal_sdk.terminal import Terminal
from tests.harness import BackendServer, Member, Operator, seed_and_token
from tests.sdk.conftest import QUICK, terminal_config

PIN = "904172638150"
WRONG_PIN = "5550123456"
BAD_NEW_PIN = "73915204863317"  # 14 digits: refused, and its refusal must not echo it


class Secrets:
    """What was used in the session, by kind; and the masked forms that may appear."""

    def __init__(self) -> None:
        self.exact: dict[str, str] = {}  # secret -> kind
        self.digits: dict[str, str] = {}  # short digit strings: matched as whole numbers

    def add(self, kind: str, value: str) -> None:
        assert value, kind
        (self.digits if value.isdigit() and len(value) <= 8 else self.exact)[value] = kind

    def found_in(self, text: str) -> list[str]:
        lower = text.lower()
        hits = [f"{kind}: {v}" for v, kind in self.exact.items() if v.lower() in lower]
        for value, kind in self.digits.items():
            if re.search(rf"(?<![0-9]){value}(?![0-9])", text):
                hits.append(f"{kind}: {value}")
        return hits


def sms_codes(operator: Operator, member_no: str) -> list[str]:
    texts = [m["text"] for m in operator.outbox(member_no, limit=50)]
    return sorted({code for text in texts for code in re.findall(r"\b\d{6}\b", text)})


async def whole_session(url: str, operator: Operator, work: Path, secrets: Secrets) -> None:
    activation = operator.activation_code("pos")
    secrets.add("activation code", activation)
    credentials = await enrol(url, activation)
    secrets.add("terminal secret", credentials.secret)
    made = operator.create_member(points=100_000)
    member = Member(url, operator, made["member_no"]).login()
    secrets.add("session token", member.token)
    member.set_pin(PIN)

    def code() -> str:
        fresh = member.code()
        secrets.add("payment code", fresh)
        return fresh

    envelopes: list[PinEnvelope] = []

    async def pad(request: PinRequest) -> PinEnvelope:
        pin = WRONG_PIN if not envelopes else PIN
        envelopes.append(seal_pin(pin, request.trade_ref, request.pin_public_key.encode()))
        return envelopes[-1]

    async def read_out(request: PinRequest) -> SmsCode:
        return SmsCode(operator.last_sms_code(made["member_no"], "pay"))

    async with Terminal(terminal_config(url, work), credentials, profile=QUICK) as terminal:
        plain = await terminal.session().pay(code(), 1_200)
        with_pin = await terminal.session(pin_source=pad).pay(code(), 30_000)
        by_sms = await terminal.session(pin_source=read_out).pay(code(), 25_000)
        assert plain.paid and with_pin.paid and by_sms.paid
        assert plain.out_trade_no
        assert (await terminal.refund(plain.out_trade_no, 1_200)).done
    wallet_part(url, credentials.secret, member, code)
    for envelope in envelopes:
        secrets.add("PIN envelope key", envelope.wrapped_key)
        secrets.add("PIN envelope", envelope.ciphertext)
    for sms in sms_codes(operator, made["member_no"]):
        secrets.add("SMS code", sms)


def refused_requests(url: str, secret: str, fresh_code: str, wallet: httpx.Client) -> None:
    """Requests the backend turns away, each carrying a secret; the refusals echo none."""
    refusals = [
        wallet.post("/member/v1/pin", json={"sms_code": "000000", "new_pin": BAD_NEW_PIN}),
        httpx.post(
            url + "/v1/pay",
            json={
                "terminal_id": "TNOSUCH",
                "timestamp": 0,
                "nonce": "0" * 32,
                "out_trade_no": "X1",
                "payment_code": fresh_code,
                "amount_fen": 1,
                "sign": signing.sign({"payment_code": fresh_code}, secret),
            },
        ),
        httpx.post(url + "/v1/pay", content=b'{"payment_code": "' + fresh_code.encode() + b'", '),
    ]
    for refusal in refusals:
        assert refusal.json()["code"] != "OK"
        assert BAD_NEW_PIN not in refusal.text and fresh_code not in refusal.text


def wallet_part(url: str, secret: str, member: Member, code: Callable[[], str]) -> None:
    """The wallet's side after the payments, with a few refused requests among it."""
    wallet = httpx.Client(base_url=url, headers={"authorization": f"Bearer {member.token}"})
    refused_requests(url, secret, code(), wallet)
    shown = code()
    assert wallet.post("/wallet/v1/images", json={"code": shown}).json()["code"] == "OK"
    assert len(member.records()["items"]) == 3 and member.account()["balance_points"] > 0
    assert wallet.post("/member/v1/logout").json()["code"] == "OK"
    wallet.close()
    member.close()


async def test_no_secret_reaches_any_log(tmp_path):
    server = BackendServer(
        tmp_path / "backend", settings={"log_level": "debug"}, flags=["--access-log"]
    )
    _, token = seed_and_token(server)
    server.start()
    secrets = Secrets()
    secrets.add("operator token", token)
    for pin in (PIN, WRONG_PIN, BAD_NEW_PIN):
        secrets.add("PIN", pin)
        secrets.add("PIN block", f"4{len(pin):x}{pin}")
    sdk_log = tmp_path / "terminal.log"
    handler = logging.FileHandler(sdk_log)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    operator = Operator(server.url, token)
    try:
        await whole_session(server.url, operator, tmp_path / "terminal", secrets)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()
        operator.close()
        server.stop()
    backend_log = server.log_path.read_text(errors="replace")
    terminal_log = sdk_log.read_text(errors="replace")
    # The logs did see the session (so finding nothing means something).
    assert "POST /v1/pay" in backend_log and "POST /member/v1/login" in backend_log
    assert "/v1/confirm" in terminal_log and "/v1/refund" in terminal_log
    codes = [v for v, kind in secrets.exact.items() if kind == "payment code"]
    assert len(codes) == 5 and len(secrets.digits) >= 4  # codes; login, reset, pay SMS codes
    for name, text in (("backend log", backend_log), ("terminal log", terminal_log)):
        assert secrets.found_in(text) == [], name
    journal = (tmp_path / "terminal" / "journal.db").read_bytes().decode("latin-1")
    assert secrets.found_in(journal) == []
    assert mask(codes[0]) in journal  # the journal keeps the masked code only
