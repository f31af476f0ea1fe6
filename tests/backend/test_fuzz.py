"""Bad input from an API fuzzer: schemathesis against the app's own ``/openapi.json``, no 5xx.

Every operation of the schema gets generated requests, valid and invalid
(positive and negative data: wrong types, missing and unknown fields, odd
strings, NUL), with a deterministic seed, against a server of its own on SQLite and one on
PostgreSQL, each as the caller it is meant for: terminal requests are signed by an enrolled
terminal (so they pass the gateway and reach the core), member requests
carry a signed-in member's session, operator requests the operator token.
No answer may be a server error, and each must be our JSON envelope with a
code. ``SCANPAY_FUZZ_EXAMPLES`` sets the number per operation (``make fuzz``
runs many more); the figures per API are printed at the end.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from protocol import signing
from tests.conftest import LiveBackend, _start
from tests.harness import Member, signed_request

EXAMPLES = int(os.environ.get("SCANPAY_FUZZ_EXAMPLES", "12"))
TRIED: Counter[str] = Counter()
SERVER_ERRORS: Counter[str] = Counter()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveBackend]:
    """A server of its own on each database (NUL and large numbers differ between them)."""
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").create_database("scanpay_fuzz")
    live = _start(tmp_path_factory.mktemp("fuzz"), url, request.param)
    try:
        yield live
    finally:
        live.close()
        if TRIED:
            figures = ", ".join(
                f"{api}: {n} requests, {SERVER_ERRORS[api]} server errors"
                for api, n in sorted(TRIED.items())
            )
            print(f"\n{request.param}, {EXAMPLES} examples an operation: {figures}")
            TRIED.clear()
            SERVER_ERRORS.clear()


@pytest.fixture(scope="module")
def callers(fuzzed: LiveBackend) -> dict[str, Any]:
    terminal = fuzzed.terminal()
    member = Member(fuzzed.url, fuzzed.operator, fuzzed.seeded["members"][0]["member_no"])
    member.login()
    return {"terminal": terminal, "member": member}


@pytest.fixture
def api_schema(fuzzed: LiveBackend) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(fuzzed.url + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


def api_of(path: str) -> str:
    if path.startswith("/v1/"):
        return "terminal"
    if path.startswith(("/member/", "/wallet/")):
        return "member"
    if path.startswith("/admin/"):
        return "operator"
    return "other"


def as_caller(case: Any, fuzzed: LiveBackend, callers: dict[str, Any]) -> dict[str, str]:
    """Sign a terminal request; the headers of the caller the operation is meant for."""
    api = api_of(case.path)
    if api == "terminal" and isinstance(case.body, dict) and case.path != "/v1/enrol":
        terminal = callers["terminal"]
        # floats, names or text no one can sign: sent as generated, refused unsigned
        with contextlib.suppress(TypeError, ValueError, UnicodeError):
            case.body = signed_request(terminal.terminal_id, terminal.secret, case.body)
    if api == "member":
        return {"authorization": f"Bearer {callers['member'].token}"}
    return {"authorization": f"Bearer {fuzzed.token}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_a_server_error(case, fuzzed, callers):
    headers = as_caller(case, fuzzed, callers)
    response = case.call(headers=headers, timeout=30)
    api = api_of(case.path)
    TRIED[api] += 1
    where = f"{case.method} {case.formatted_path}"
    if response.status_code >= 500:
        SERVER_ERRORS[api] += 1
    assert response.status_code < 500, (where, response.status_code, response.text[:300])
    content_type = (response.headers.get("content-type") or [""])[0]
    if content_type.startswith("application/json"):
        body = response.json()
        if isinstance(body, dict) and response.status_code >= 400:
            assert body.get("code") and body.get("message"), (where, body)


def test_signed_fuzz_requests_reach_past_the_gateway(fuzzed, callers):
    """The signing above is right: a signed echo is answered OK, not BAD_SIGNATURE."""
    terminal = callers["terminal"]
    body = signed_request(terminal.terminal_id, terminal.secret, {"ext_note": "a&b=c"})
    assert signing.verify(body, terminal.secret)
    assert terminal.check(terminal.post_raw("echo", body), body["nonce"]).code == "OK"
