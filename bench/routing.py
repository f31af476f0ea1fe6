"""Channel routing benchmark: decisions per second, 50 channels and 200 rules, beside a dict lookup.

    .venv/bin/python -m bench.routing [--orders 20000] [--rounds 5]

The configuration has 50 physical channels over the three external issuers
and 200 logical channel rules: merchant, store and terminal-kind scopes,
amount ranges, daily limits, hours in force, per-rule fees, short-circuit
rules, and groups split by weight and guaranteed amounts; some channels in
fixed maintenance windows, some taken out by health. Orders are random
(issuer, amount, merchant, store, terminal kind). Measured, on the same
orders in the same run:

- the peer: a bare dictionary lookup ``table[(issuer, merchant)]``, the least
  a router can do (no amounts, limits, health, fees or weights);
- ``RoutingPlan.decide``: the full decision, with its fallback list;
- the decision as ``pay`` makes it: the active version and the channel
  states and today's usage read from a SQLite file, then decided.

Figures are the best of ``--rounds`` rounds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend_stub.routing import health as channel_state
from backend_stub.routing import versions as routing_versions
from backend_stub.routing.config import RoutingConfig
from backend_stub.routing.plan import Order, RoutingPlan, RoutingState, Usage
from backend_stub.storage.db import Database
from backend_stub.storage.migrate import upgrade
from bench.table import Row
from protocol.errors import ErrorCode
from protocol.paycode import Issuer

ISSUERS = (Issuer.WECHAT, Issuer.ALIPAY, Issuer.UNIONPAY)
MERCHANTS = [f"M{i:04d}" for i in range(40)]
STORES = [f"S{i:04d}" for i in range(120)]
NOW_MS = 1_800_000_000_000
OFFSET = 480


def build_config(rng: random.Random) -> dict[str, Any]:
    channels = []
    for i in range(50):
        issuer = ISSUERS[i % 3]
        spec: dict[str, Any] = {
            "id": f"ch-{i:02d}",
            "issuers": [issuer.value],
            "fee": {"rate_ppm": rng.choice([2500, 3000, 3800, 6000]), "min_fen": 1},
        }
        if i % 10 == 0:
            spec["maintenance"] = [{"start": "02:00", "end": "02:30"}]
        channels.append(spec)
    rules = []
    for i in range(200):
        ch = channels[i % 50]
        rule: dict[str, Any] = {
            "no": f"R{i:03d}",
            "channel": ch["id"],
            "issuer": ch["issuers"][0],
            "priority": rng.randrange(10),
            "min_fen": rng.choice([1, 100, 1_000]),
            "max_fen": rng.choice([None, 50_000, 500_000, 5_000_000]),
        }
        if i % 4 == 0:
            rule["merchants"] = rng.sample(MERCHANTS, 5)
        if i % 6 == 0:
            rule["stores"] = rng.sample(STORES, 20)
        if i % 9 == 0:
            rule["terminal_kinds"] = [rng.choice(["pos", "pda"])]
        if i % 7 == 0:
            rule["daily_limit_fen"] = 10_000_000
        if i % 11 == 0:
            rule["active"] = {"start": "08:00", "end": "22:00"}
        if i % 5 == 0:
            rule["fee"] = {"rate_ppm": rng.choice([2000, 3500]), "min_fen": 1}
        if i % 25 == 0:
            rule["short_circuit"] = True
        rules.append(rule)
    groups = []
    for g in range(10):  # members of one issuer, never short-circuit rules
        members = [r for r in rules[g * 3 : 200 : 30] if not r.get("short_circuit")]
        members = [m for m in members if m["issuer"] == members[0]["issuer"]][:3]
        groups.append(
            {
                "id": f"G{g}",
                "members": [
                    {"rule": m["no"], "weight": w, "guaranteed_daily_fen": q}
                    for m, w, q in zip(members, (3, 5, 2), (100_000, 0, 0), strict=False)
                ],
            }
        )
    return {"channels": channels, "rules": rules, "groups": groups}


def make_orders(rng: random.Random, n: int) -> list[Order]:
    return [
        Order(
            rng.choice(ISSUERS),
            rng.choice([99, 1_234, 8_800, 25_000, 120_000, 999_999]),
            rng.choice(MERCHANTS),
            rng.choice(STORES),
            rng.choice(["pos", "pos", "pda"]),
            NOW_MS + rng.randrange(86_400_000),
        )
        for _ in range(n)
    ]


def best_rate(work, count: int, rounds: int) -> tuple[float, float]:
    """(per second, microseconds each) of the best round."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    best = min(times)
    return count / best, best / count * 1e6


@dataclass(frozen=True)
class Measured:
    channels: int
    rules: int
    groups: int
    orders: int
    routed: int
    fallbacks: float
    bare: tuple[float, float]  # (per second, microseconds each)
    full: tuple[float, float]
    with_db: tuple[float, float]


def measure(orders_n: int, rounds: int, db_orders: int) -> Measured:
    rng = random.Random(5)
    config = RoutingConfig.model_validate(build_config(rng))
    plan = RoutingPlan(config, OFFSET)
    orders = make_orders(rng, orders_n)
    state = RoutingState(
        unavailable={f"ch-{i:02d}": ErrorCode.CHANNEL_UNAVAILABLE for i in (3, 17, 29)},
        usage={f"R{i:03d}": Usage(i * 1_000, i, i // 2) for i in range(0, 200, 3)},
    )
    table = {(i, m): f"ch-{hash((i, m)) % 50:02d}" for i in ISSUERS for m in MERCHANTS}

    def bare() -> None:
        for o in orders:
            table[(o.issuer, o.merchant_id)]

    decide = plan.decide

    def full() -> None:
        for o in orders:
            decide(o, state)

    decisions = [decide(o, state) for o in orders]
    routed = sum(1 for d in decisions if d.route is not None)
    fallbacks = statistics.mean(len(d.candidates) for d in decisions if d.route is not None)
    bare_rate = best_rate(bare, len(orders), rounds)
    full_rate = best_rate(full, len(orders), rounds)

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(db)
        with db.write() as conn:
            routing_versions.set_draft(conn, config.model_dump(mode="json"), NOW_MS)
            routing_versions.publish(conn, routing_versions.snapshot(conn, "bench", NOW_MS), NOW_MS)
        some = orders[:db_orders]

        def with_db() -> None:
            for o in some:
                with db.read() as conn:
                    active = routing_versions.active(conn, OFFSET)
                    got, _ = channel_state.routing_state(conn, "2027-01-15", o.now_ms)
                active.plan.decide(o, got)

        db_rate = best_rate(with_db, len(some), max(1, rounds // 2))
        db.dispose()
    return Measured(
        len(config.channels),
        len(config.rules),
        len(config.groups),
        len(orders),
        routed,
        fallbacks,
        bare_rate,
        full_rate,
        db_rate,
    )


def rows(orders: int = 10_000, rounds: int = 3, db_orders: int = 1_000) -> list[Row]:
    """For ``make bench``: decisions/s beside a bare lookup (DESIGN.md 14 sets no target here)."""
    m = measure(orders, rounds, db_orders)
    peer = "bare dict lookup (issuer, merchant)"
    return [
        Row("routing: RoutingPlan.decide, 200 rules", m.full[0], "/s", peer, m.bare[0]),
        Row("routing: as pay does it (SQLite reads + decide)", m.with_db[0], "/s", peer, m.bare[0]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db-orders", type=int, default=2_000, help="orders for the SQLite line")
    args = parser.parse_args()
    m = measure(args.orders, args.rounds, args.db_orders)
    print(
        f"Channel routing: {m.channels} channels, {m.rules} rules, "
        f"{m.groups} groups; {m.orders} random orders, best of {args.rounds}"
    )
    print(f"  {m.routed} routed, {m.orders - m.routed} refused; {m.fallbacks:.1f} candidates each")
    print(f"{'':44}{'decisions/s':>14}{'us each':>10}")
    (bare_rate, bare_us), (full_rate, full_us), (db_rate, db_us) = m.bare, m.full, m.with_db
    print(f"{'bare dict lookup (issuer, merchant)':44}{bare_rate:>14,.0f}{bare_us:>10.2f}")
    print(f"{'RoutingPlan.decide (all rules, fees, groups)':44}{full_rate:>14,.0f}{full_us:>10.2f}")
    print(f"  decide costs {full_us / bare_us:,.0f}x the bare lookup")
    print(f"{'as pay does it: read version + state, decide':44}{db_rate:>14,.0f}{db_us:>10.2f}")


if __name__ == "__main__":
    main()
