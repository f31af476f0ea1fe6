"""The page's HTTP surface: headers, its two helper routes, and why there is nothing to forge."""

from __future__ import annotations

import httpx

from protocol import paycode
from protocol.errors import ErrorCode
from protocol.symbols import code128_modules, qr_modules
from tests.harness import Member


def test_the_page_and_member_answers_are_never_cached_and_run_only_our_script(backend_sqlite):
    page = httpx.get(backend_sqlite.url + "/wallet", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert '<script src="/wallet/static/wallet.js"' in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN, nothing outside

    script = httpx.get(backend_sqlite.url + "/wallet/static/wallet.js", timeout=10)
    assert script.headers["content-type"].startswith("text/javascript")
    assert "https://" not in script.text and "http://" not in script.text
    for name in ("../app.py", "index.html", "nothing.js"):
        assert httpx.get(f"{backend_sqlite.url}/wallet/static/{name}").status_code == 404

    member = backend_sqlite.member(points=10, pin=None)
    for answer in (member.http.get("/account"), member.http.post("/code", json={})):
        assert answer.headers["cache-control"] == "no-store"


def test_there_is_no_cookie_to_forge_a_request_with(backend_sqlite):
    made = backend_sqlite.operator.create_member(points=10)
    http = httpx.Client(base_url=backend_sqlite.url + "/member/v1", timeout=10)
    http.post("/sms", json={"member_no": made["member_no"], "purpose": "login"})
    code = backend_sqlite.operator.last_sms_code(made["member_no"], "login")
    login = http.post("/login", json={"member_no": made["member_no"], "sms_code": code})
    assert login.json()["code"] == "OK"
    assert "set-cookie" not in login.headers  # the token is in the answer, for the page's memory

    # What another site can make a browser send: a form post, no Authorization header.
    sent_before = len(backend_sqlite.operator.outbox(made["member_no"]))
    form = http.post(
        "/sms",
        content=f"member_no={made['member_no']}&purpose=login",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert form.json()["code"] == ErrorCode.BAD_REQUEST
    assert len(backend_sqlite.operator.outbox(made["member_no"])) == sent_before
    # A text/plain form can carry JSON; it is not read as JSON, and it has no session anyway.
    forged = '{"no_pin_limit_fen": 0, "x": "="}'
    limit = http.post("/limit", content=forged, headers={"content-type": "text/plain"})
    assert limit.json()["code"] in (ErrorCode.BAD_REQUEST, ErrorCode.NOT_AUTHORISED)
    token = login.json()["data"]["token"]
    account = http.get("/account", headers={"authorization": f"Bearer {token}"}).json()["data"]
    assert account["own_no_pin_limit_fen"] is None
    http.close()


def test_code_images_need_a_session_and_draw_exactly_that_code(backend_sqlite):
    member = backend_sqlite.member(points=10, pin=None)
    code = member.code()
    url = backend_sqlite.url + "/wallet/v1/images"
    anonymous = httpx.post(url, json={"code": code}, timeout=10).json()
    assert anonymous["code"] == ErrorCode.NOT_AUTHORISED
    ean = member.http.post(url, json={"code": "690123456789012345"}).json()
    assert ean["code"] == ErrorCode.BAD_REQUEST
    drawn = member.http.post(url, json={"code": code}).json()["data"]
    qr, bars = drawn["qr_svg"], drawn["barcode_svg"]
    size = len(qr_modules(code)) + 8
    assert qr.startswith("<svg") and f'viewBox="0 0 {size} {size}"' in qr
    assert f'viewBox="0 0 {len(code128_modules(code)) + 20} 40"' in bars
    assert code not in qr + bars  # the digits are drawn, never written into the picture


def test_sign_out_ends_the_session_and_kills_only_that_phones_codes(backend):
    terminal = backend.terminal()
    phone = backend.member(points=1_000, pin=None)
    tablet = Member(backend.url, backend.operator, phone.member_no).login()
    phone_points, phone_card, tablet_code = phone.code("points"), phone.code("card"), tablet.code()
    answer = phone.http.post("/logout").json()
    assert answer["code"] == "OK" and answer["data"] == {"signed_out": True}
    assert phone.http.get("/account").json()["code"] == ErrorCode.NOT_AUTHORISED
    assert phone.http.post("/logout").json()["code"] == ErrorCode.NOT_AUTHORISED
    assert terminal.pay(phone_points, 10)["reason"] == ErrorCode.CODE_EXPIRED
    assert terminal.pay(phone_card, 10)["reason"] == ErrorCode.CODE_EXPIRED
    assert terminal.pay(tablet_code, 10)["state"] == "SUCCESS"
    tablet.close()


def test_symbols_of_a_code():
    code = paycode.generate(paycode.Issuer.POINTS)
    bars = code128_modules(code)
    # start (11) + 9 pairs of digits in code set C (11 each) + check (11) + stop (13)
    assert len(bars) == 11 + 9 * 11 + 11 + 13 and bars[0] and bars[-1]
    matrix = qr_modules(code)
    assert len(matrix) == 21 and all(len(row) == 21 for row in matrix)  # version 1 fits 18 digits


def test_serve_prints_the_wallet_pages_address(backend_sqlite):
    printed = backend_sqlite.server.log_path.read_text()
    assert f"Customer wallet page: {backend_sqlite.url}/wallet" in printed
