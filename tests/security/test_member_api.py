"""A member's session reaches that member only; sessions end; SMS codes cannot be guessed.

The wallet page and the phone app use the member API with a bearer token.
No endpoint takes another member's number once signed in, a token is only
ever the member's (never the operator's), and a session dies at its time.
Asking for SMS codes is capped, so their fresh tries cannot add up to a guess.
"""

from __future__ import annotations

import time

import httpx

from protocol.errors import ErrorCode
from tests.conftest import _start
from tests.harness import Member, unique


def answer(member: Member, method: str, path: str, **kw) -> dict:
    body = member.http.request(method, path, **kw).json()
    assert isinstance(body, dict)
    return body


def test_a_member_session_reaches_only_that_member(backend):
    terminal = backend.terminal()
    alice = backend.member(points=5_000, pin=None)
    bob = backend.member(points=7_000, pin=None)
    bobs_code = bob.code()
    bobs_trade = terminal.pay(bobs_code, 100)["out_trade_no"]
    seen = [
        answer(alice, "GET", "/account", params={"member_no": bob.member_no}),
        answer(alice, "GET", "/records", params={"member_no": bob.member_no}),
        answer(alice, "POST", "/code", json={"wallet": "points"}),
    ]
    assert seen[0]["data"]["member_no"] == alice.member_no
    assert seen[0]["data"]["balance_points"] == 5_000
    assert seen[1]["data"]["items"] == []
    for text in map(str, seen):
        assert bob.member_no not in text and bobs_code not in text and bobs_trade not in text
    for path, body in (
        ("/code", {"wallet": "points", "member_no": bob.member_no}),
        ("/limit", {"no_pin_limit_fen": 0, "member_no": bob.member_no}),
    ):
        refused = answer(alice, "POST", path, json=body)
        assert refused["code"] == ErrorCode.BAD_REQUEST and "member_no" in refused["message"]
    assert bob.account()["no_pin_limit_fen"] > 0
    # A member's token is not the operator's.
    for path in (f"/members/{bob.member_no}", "/sms-outbox", "/verify"):
        refused = httpx.get(
            backend.url + "/admin/v1" + path, headers={"authorization": f"Bearer {alice.token}"}
        ).json()
        assert refused["code"] == ErrorCode.NOT_AUTHORISED, path


def test_the_wallet_page_serves_no_member_data(backend):
    bob = backend.member(points=7_000, pin=None)
    plain = httpx.get(backend.url + "/wallet").content
    assert httpx.get(backend.url + "/wallet", params={"member": bob.member_no}).content == plain
    images = httpx.post(backend.url + "/wallet/v1/images", json={"code": bob.code()}).json()
    assert images["code"] == ErrorCode.NOT_AUTHORISED


def test_a_session_expires_and_a_signed_out_one_ends_at_once(backend_sqlite):
    short = backend_sqlite.sibling(backend_sqlite.server.data_dir, session_ttl_s=1)
    try:
        made = short.operator.create_member(points=100)
        member = Member(short.url, short.operator, made["member_no"]).login()
        assert member.account()["member_no"] == made["member_no"]
        time.sleep(1.3)
        for method, path in (("GET", "/account"), ("GET", "/records"), ("POST", "/code")):
            body = answer(member, method, path, json={})
            assert body["code"] == ErrorCode.NOT_AUTHORISED and "expired" in body["message"]
        member.close()
    finally:
        short.close()
    member = backend_sqlite.member(points=100, pin=None)
    assert answer(member, "POST", "/logout")["code"] == "OK"
    assert answer(member, "GET", "/account")["code"] == ErrorCode.NOT_AUTHORISED


def test_wrong_sms_codes_kill_the_code(backend):
    made = backend.operator.create_member(points=100)
    member = Member(backend.url, backend.operator, made["member_no"])
    real = member.request_sms("login")
    wrong = [f"{(int(real) + n) % 1_000_000:06d}" for n in range(1, 6)]
    for code in wrong:
        login = answer(
            member, "POST", "/login", json={"member_no": made["member_no"], "sms_code": code}
        )
        assert login["code"] == ErrorCode.SMS_CODE_WRONG
    late = answer(member, "POST", "/login", json={"member_no": made["member_no"], "sms_code": real})
    assert late["code"] == ErrorCode.SMS_CODE_WRONG  # five wrong tries: the code is dead
    member.close()


def test_asking_for_sms_codes_is_capped_per_number_and_purpose_alike_for_non_members(backend):
    made = backend.operator.create_member(points=100)
    member = Member(backend.url, backend.operator, made["member_no"])
    nobody = unique("N")
    answers: dict[str, list[tuple[int, str]]] = {}
    for number in (made["member_no"], nobody):
        sms = {"member_no": number, "purpose": "login"}
        seen = [member.http.post("/sms", json=sms) for _ in range(11)]
        answers[number] = [(r.status_code, r.json()["code"]) for r in seen]
        assert "SMS codes of this number and purpose" in seen[-1].json()["message"]
    # the same answers for a member and a number that is none: nobody learns who is a member
    assert (
        answers[made["member_no"]]
        == answers[nobody]
        == [(200, "OK")] * 10 + [(429, ErrorCode.SERVICE_BUSY)]
    )
    assert len([m for m in backend.operator.outbox(made["member_no"], 50)]) == 10
    # Other purposes and other numbers are not held up.
    sms = {"member_no": made["member_no"], "purpose": "reset"}
    assert answer(member, "POST", "/sms", json=sms)["code"] == "OK"
    assert answer(member, "POST", "/sms", json={**sms, "member_no": unique("N")})["code"] == "OK"
    member.close()


def test_one_source_cannot_spend_anyone_s_allowance(tmp_path):
    live = _start(tmp_path, None, "sqlite", {"sms_per_source": 3})
    try:
        http = httpx.Client(base_url=live.url + "/member/v1", timeout=10)
        codes = [
            http.post("/sms", json={"member_no": unique("N"), "purpose": "login"}).json()["code"]
            for _ in range(4)
        ]
        assert codes == ["OK", "OK", "OK", ErrorCode.SERVICE_BUSY]
        refused = http.post("/sms", json={"member_no": "M10001", "purpose": "login"}).json()
        assert "SMS requests from this address" in refused["message"]  # before any lookup
        http.close()
    finally:
        live.close()


def test_signing_in_often_is_never_held_up(backend):
    made = backend.operator.create_member(points=100)
    for _ in range(12):  # each code is used, so none counts against the cap
        Member(backend.url, backend.operator, made["member_no"]).login().close()
