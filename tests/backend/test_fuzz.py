"""Bad input from an API fuzzer: schemathesis against the app's own ``/openapi.json``, no 5xx.

Every operation of the schema gets a fixed number of generated requests,
valid and invalid (wrong types, missing and unknown fields, odd strings),
with a deterministic seed, against a server of its own (the operator token
is sent, so the operator API is exercised beyond its bearer check; terminal
requests are unsigned and stop at the gateway, which is the point). No
answer may be a server error, and each must be our JSON envelope with a code.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import LiveBackend, _start

EXAMPLES = 12


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBackend]:
    live = _start(tmp_path_factory.mktemp("fuzz"), None, "sqlite")
    try:
        yield live
    finally:
        live.close()


@pytest.fixture
def api_schema(fuzzed: LiveBackend) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(fuzzed.url + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_a_server_error(case, fuzzed):
    response = case.call(headers={"authorization": f"Bearer {fuzzed.token}"}, timeout=30)
    where = f"{case.method} {case.formatted_path}"
    assert response.status_code < 500, (where, response.status_code, response.text[:300])
    content_type = (response.headers.get("content-type") or [""])[0]
    if content_type.startswith("application/json"):
        body = response.json()
        if isinstance(body, dict) and response.status_code >= 400:
            assert body.get("code") and body.get("message"), (where, body)
