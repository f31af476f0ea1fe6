"""The member wallet API, the operator API's guard, and terminal enrolment."""

from __future__ import annotations

import json
import time

import httpx

from protocol import pin
from protocol.errors import ErrorCode
from tests.harness import Member, SignedClient, unique


def test_sign_in_needs_the_sms_code(backend):
    made = backend.operator.create_member(points=10)
    http = httpx.Client(base_url=backend.url + "/member/v1", timeout=10)
    http.post("/sms", json={"member_no": made["member_no"], "purpose": "login"})
    real = backend.operator.last_sms_code(made["member_no"], "login")
    wrong = f"{(int(real) + 1) % 1_000_000:06d}"
    refused = http.post("/login", json={"member_no": made["member_no"], "sms_code": wrong}).json()
    assert refused["code"] == ErrorCode.SMS_CODE_WRONG
    good = http.post("/login", json={"member_no": made["member_no"], "sms_code": real}).json()
    assert good["code"] == "OK" and good["data"]["token"]
    used = http.post("/login", json={"member_no": made["member_no"], "sms_code": real}).json()
    assert used["code"] == ErrorCode.SMS_CODE_WRONG  # one use only
    http.close()


def test_sms_does_not_tell_who_is_a_member(backend):
    answer = httpx.post(backend.url + "/member/v1/sms", json={"member_no": "NOBODY123"}).json()
    assert answer["code"] == "OK"


def test_member_endpoints_need_a_live_session(backend):
    for method, path in (("GET", "/account"), ("GET", "/records"), ("POST", "/code")):
        answer = httpx.request(
            method,
            backend.url + "/member/v1" + path,
            json={},
            headers={"authorization": "Bearer not-a-token"},
        ).json()
        assert answer["code"] == ErrorCode.NOT_AUTHORISED, path


def test_a_member_sees_only_their_own_records_newest_first(backend):
    terminal = backend.terminal()
    alice = backend.member(points=5_000, pin=None)
    bob = backend.member(points=5_000, pin=None)
    numbers = [unique() for _ in range(3)]
    for number in numbers:
        terminal.pay(alice.code(), 10, number)
    terminal.pay(bob.code(), 10)
    page = alice.records(limit=2)
    assert [t["out_trade_no"] for t in page["items"]] == numbers[::-1][:2]
    rest = alice.records(cursor=page["next_cursor"], limit=2)
    assert [t["out_trade_no"] for t in rest["items"]] == numbers[:1]
    assert len(bob.records()["items"]) == 1


def test_each_session_has_its_own_code_and_refreshing_kills_only_its_old_one(backend):
    terminal = backend.terminal()
    phone = backend.member(points=5_000, pin=None)
    tablet = Member(backend.url, backend.operator, phone.member_no).login()
    phone_code, tablet_code = phone.code(), tablet.code()
    phone.code()  # refresh on the phone
    assert terminal.pay(phone_code, 10)["reason"] == ErrorCode.CODE_EXPIRED
    assert terminal.pay(tablet_code, 10)["state"] == "SUCCESS"
    tablet.close()


def test_operator_api_needs_the_operator_token(backend):
    answer = httpx.get(
        backend.url + "/admin/v1/sms-outbox", headers={"authorization": "Bearer wrong"}
    ).json()
    assert answer["code"] == ErrorCode.NOT_AUTHORISED
    assert httpx.get(backend.url + "/admin/v1/sms-outbox").status_code == 403


def test_enrolment_is_one_time_and_hands_out_the_pin_key(backend):
    code = backend.operator.activation_code("pda")
    terminal = SignedClient.enrol(backend.url, code, "pda")
    assert terminal.extra["kind"] == "pda" and terminal.extra["store_id"] == "S0001"
    public = terminal.extra["pin_public_key"].encode("ascii")
    assert terminal.extra["pin_key_id"] == pin.key_id(public)
    assert terminal.ok("pin-key") == {
        "pin_key_id": terminal.extra["pin_key_id"],
        "pin_public_key": terminal.extra["pin_public_key"],
    }
    again = httpx.post(backend.url + "/v1/enrol", json={"activation_code": code, "kind": "pda"})
    assert again.status_code == 400 and again.json()["code"] == ErrorCode.ACTIVATION_CODE_INVALID
    wrong_kind = httpx.post(
        backend.url + "/v1/enrol",
        json={"activation_code": backend.operator.activation_code("pos"), "kind": "pda"},
    ).json()
    assert wrong_kind["code"] == ErrorCode.ACTIVATION_CODE_INVALID
    terminal.close()


def test_an_activation_code_expires(backend):
    made = backend.server.run_cli("activation-code", "--ttl-s", "1", "--json")
    code = json.loads(made.stdout)["activation_code"]
    time.sleep(1.1)
    answer = httpx.post(backend.url + "/v1/enrol", json={"activation_code": code}).json()
    assert answer["code"] == ErrorCode.ACTIVATION_CODE_INVALID
