"""The configuration document and the routing decision in-process: no server, many decisions."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from pydantic import ValidationError

from backend_stub.cli.routing_demo import DEMO_ROUTING
from backend_stub.routing.config import Fee, RoutingConfig
from backend_stub.routing.plan import Order, RoutingPlan, RoutingState, Usage
from protocol.errors import ErrorCode
from protocol.paycode import Issuer
from tests.harness import REPO

NOON_MS = 1_800_000_000_000 - (1_800_000_000_000 % 86_400_000) + 4 * 3_600_000  # 12:00 UTC+8


def test_the_readme_example_and_the_demo_configuration_are_valid():
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### Routing and external channels") :]
    example = re.search(r"```json\n(.*?)```", section, re.S)
    assert example is not None
    config = RoutingConfig.model_validate(json.loads(example.group(1)))
    assert [r.no for r in config.rules] == ["WX-1", "WX-2", "WX-PDA"]
    assert RoutingConfig.model_validate(DEMO_ROUTING).groups[0].members[0].weight == 3


def test_fees_are_integer_fen_rounded_half_up_within_their_bounds():
    fee = Fee(rate_ppm=3800, min_fen=1, max_fen=2_000)
    assert [fee.for_amount(a) for a in (1, 131, 132, 10_000, 10_000_000)] == [1, 1, 1, 38, 2_000]
    assert Fee(rate_ppm=5000).for_amount(100) == 1  # 0.5 fen rounds up
    assert Fee(fixed_fen=30, rate_ppm=1000).for_amount(10_000) == 40


def test_a_maintenance_period_needs_a_time_zone():
    with pytest.raises(ValidationError, match="time zone"):
        RoutingConfig.model_validate(
            {
                "channels": [
                    {
                        "id": "c",
                        "issuers": ["wechat"],
                        "maintenance_periods": [
                            {"start": "2027-01-01T00:00:00", "end": "2027-01-01T01:00:00"}
                        ],
                    }
                ]
            }
        )


def _split_plan() -> RoutingPlan:
    return RoutingPlan(
        RoutingConfig.model_validate(
            {
                "channels": [{"id": c, "issuers": ["alipay"]} for c in ("a", "b", "c")],
                "rules": [
                    {"no": "A", "channel": "a", "issuer": "alipay"},
                    {"no": "B", "channel": "b", "issuer": "alipay"},
                    {"no": "C", "channel": "c", "issuer": "alipay"},
                ],
                "groups": [
                    {
                        "id": "G",
                        "members": [
                            {"rule": "A", "weight": 3},
                            {"rule": "B", "weight": 5},
                            {"rule": "C", "weight": 2},
                        ],
                    }
                ],
            }
        ),
        480,
    )


def test_the_weight_split_holds_over_thousands_of_decisions():
    plan = _split_plan()
    usage: dict[str, Usage] = {}
    picks: Counter[str] = Counter()
    order = Order(Issuer.ALIPAY, 1_000, "M1", "S1", "pos", NOON_MS)
    for n in range(1, 10_001):
        route = plan.decide(order, RoutingState({}, usage)).route
        assert route is not None and route.via == "group G weight"
        picks[route.rule] += 1
        was = usage.get(route.rule, Usage())
        usage[route.rule] = Usage(was.amount_fen + 1_000, was.count + 1, was.weighted + 1)
        for rule, weight in (("A", 3), ("B", 5), ("C", 2)):
            assert abs(picks[rule] - n * weight / 10) <= 1  # never more than one trade off
    assert picks == Counter({"A": 3_000, "B": 5_000, "C": 2_000})


def test_a_channel_taken_out_leaves_its_share_to_the_others():
    plan = _split_plan()
    order = Order(Issuer.ALIPAY, 1_000, "M1", "S1", "pos", NOON_MS)
    down = RoutingState({"b": ErrorCode.CHANNEL_UNAVAILABLE}, {})
    decision = plan.decide(order, down)
    assert decision.route is not None and decision.route.channel != "b"
    assert ("B", ErrorCode.CHANNEL_UNAVAILABLE) in decision.excluded
    assert [c.channel for c in decision.candidates] == ["a", "c"]
    gone = RoutingState({c: ErrorCode.CHANNEL_UNAVAILABLE for c in "abc"}, {})
    assert plan.decide(order, gone).refusal is ErrorCode.CHANNEL_UNAVAILABLE
