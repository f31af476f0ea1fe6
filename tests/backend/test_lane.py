"""The lane answers the terminal routes as FastAPI's routes and middleware would.

``serve --no-lane`` answers the same paths through FastAPI (routing, the
body limit, no-store, the metrics middleware). The same requests to a
server with the lane and to one without get the same status, code and
headers (JSON, ``no-store``), an answer signed with the terminal's secret
(or unsigned for an unknown terminal), in the caller's language, and both
count them in ``/metrics`` under the route (the lane a too large body too).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from protocol.errors import ErrorCode
from tests.backend.test_races import twin
from tests.harness import SignedClient, unique


def _answers(till: SignedClient, code: str) -> list[tuple[Any, ...]]:
    """What a terminal relies on, for a handful of requests: OK, refused, too large, unknown."""
    seen: list[tuple[Any, ...]] = []
    echo = till.signed_body({})
    failed = till.signed_body({"out_trade_no": unique(), "payment_code": code, "amount_fen": 1})
    refused = till.signed_body({"out_trade_no": unique(), "payment_code": code, "amount_fen": 0})
    too_large = till.signed_body({"ext_padding": "x" * 70_000})
    requests = (("echo", echo), ("pay", failed), ("pay", refused), ("echo", too_large))
    for name, body in requests:
        response = till.post_raw(name, body)
        reply = response.json()
        if response.status_code != 413:
            assert till.check(response, body["nonce"]).body.sign  # signed with our secret
        seen.append(
            (
                name,
                response.status_code,
                reply["code"],
                response.headers["content-type"],
                response.headers["cache-control"] if response.status_code != 413 else "",
                (reply["data"] or {}).get("state"),
            )
        )
    stranger = {**echo, "terminal_id": "T-nobody"}
    response = httpx.post(
        f"{till.base_url}/v1/echo", json=stranger, headers={"accept-language": "zh"}, timeout=10
    )
    reply = response.json()
    assert reply["sign"] == "" and re.search(r"[\u4e00-\u9fff]", reply["message"])
    seen.append(("stranger", response.status_code, reply["code"], reply["message"]))
    return seen


def test_the_lane_and_fastapis_routes_give_the_same_answers(backend, tmp_path):
    data_dir = backend.server.data_dir if backend.kind == "sqlite" else tmp_path
    plain = backend.sibling(data_dir, no_lane=True)
    try:
        till = backend.terminal()
        code = "28" + "0" * 16  # well formed, never issued
        lane = _answers(till, code)
        through_fastapi = _answers(twin(till, plain.url), code)
        assert lane == through_fastapi
        assert [(row[1], row[2], row[5]) for row in lane[:4]] == [
            (200, "OK", None),
            (200, "OK", "FAILED"),  # the trade is recorded, failed: the code was never issued
            (400, ErrorCode.BAD_REQUEST, None),
            (413, ErrorCode.REQUEST_TOO_LARGE, None),
        ]
        assert lane[0][3:5] == ("application/json", "no-store")
        for url in (backend.url, plain.url):
            metrics = httpx.get(url + "/metrics", timeout=10).text
            assert re.search(r'_requests_total\{code="OK",route="/v1/echo",status="200"\}', metrics)
        # a body refused as too large is counted under its route too (FastAPI: "unmatched")
        metrics = httpx.get(backend.url + "/metrics", timeout=10).text
        assert 'code="REQUEST_TOO_LARGE",route="/v1/echo",status="413"' in metrics
    finally:
        plain.close()
