"""Transaction routing: which logical channel an external issuer's trade goes to (seed 001).

:meth:`RoutingPlan.decide` is a pure function of the compiled configuration,
the order and a :class:`RoutingState` read from the database (which channels
health or a breaker took out, and today's usage per rule), so a benchmark can
run it alone. The steps:

1. Basic routing: the issuer's rules whose merchants, stores, terminal kinds
   and hours in force match the order. A matching rule is excluded, with the
   reason, when the amount is outside its range or over what is left of its
   daily limit (``AMOUNT_OUT_OF_RANGE``), its channel is switched off or
   taken out by health or an open breaker (``CHANNEL_UNAVAILABLE``), or in
   maintenance (``CHANNEL_MAINTENANCE``). No matching rule at all:
   ``ISSUER_NOT_SUPPORTED`` (the merchant has not signed for this issuer).
2. Short circuit: the available short-circuit rule of highest priority wins,
   whatever the fees. When none is available, the others decide as usual.
3. Groups: each group puts forward one member: the one furthest below its
   guaranteed daily amount; when all have theirs, the one furthest behind its
   weight (the lowest ``(weighted picks today + 1) / weight``), so 3:5 is
   exact every 8 picks.
4. Fee order: the groups' picks and the rules in no group, cheapest fee for
   this amount first (integer fen), then higher priority, then rule number.

The decision lists the available candidates in the order to try (the first
:data:`MAX_CANDIDATES`): the first is the route; the others are where a
post-routing retry goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from protocol.errors import ErrorCode
from protocol.paycode import Issuer

from .config import Fee, PhysicalChannel, RoutingConfig, Rule, local_minute

__all__ = [
    "MAX_CANDIDATES",
    "Candidate",
    "Decision",
    "Order",
    "RoutingPlan",
    "RoutingState",
    "Usage",
]

MAX_CANDIDATES = 8  # the route and the fallbacks a retry may use

# When nothing is available, the reason shown is the first of these that applies.
_REFUSAL_ORDER = (
    ErrorCode.CHANNEL_MAINTENANCE,
    ErrorCode.CHANNEL_UNAVAILABLE,
    ErrorCode.AMOUNT_OUT_OF_RANGE,
)


@dataclass(frozen=True)
class Order:
    issuer: Issuer
    amount_fen: int
    merchant_id: str
    store_id: str
    terminal_kind: str
    now_ms: int


@dataclass(frozen=True)
class Usage:
    """A rule's routed volume today: amount, trades, and trades picked by group weight."""

    amount_fen: int = 0
    count: int = 0
    weighted: int = 0


_NO_USAGE = Usage()


@dataclass(frozen=True)
class RoutingState:
    unavailable: Mapping[str, ErrorCode]  # channel id -> why it cannot take trades now
    usage: Mapping[str, Usage]  # rule no -> today's usage


@dataclass(frozen=True)
class Candidate:
    rule: str
    channel: str
    fee_fen: int
    via: str  # "short_circuit", "group G1 quota", "group G1 weight", "fee"


@dataclass(frozen=True)
class Decision:
    candidates: tuple[Candidate, ...]
    refusal: ErrorCode | None = None  # why there is no candidate
    excluded: tuple[tuple[str, ErrorCode], ...] = ()

    @property
    def route(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def _window_has(window: tuple[int, int], minute: int) -> bool:
    start, end = window
    return start <= minute < end if start <= end else (minute >= start or minute < end)


class _Channel:
    """A physical channel with its maintenance windows as numbers."""

    __slots__ = ("enabled", "id", "periods", "windows")

    def __init__(self, spec: PhysicalChannel) -> None:
        self.id = spec.id
        self.enabled = spec.enabled
        self.windows = tuple(w.minutes() for w in spec.maintenance)
        self.periods = tuple(p.millis() for p in spec.maintenance_periods)

    def in_maintenance(self, now_ms: int, minute: int) -> bool:
        return any(_window_has(w, minute) for w in self.windows) or any(
            start <= now_ms < end for start, end in self.periods
        )


class _Rule:
    """A rule flattened for speed: sets instead of lists, windows and fee as plain numbers."""

    __slots__ = (
        "active",
        "channel",
        "daily_limit",
        "fee",
        "group",
        "guaranteed",
        "kinds",
        "max_fen",
        "merchants",
        "min_fen",
        "no",
        "priority",
        "short_circuit",
        "stores",
        "weight",
    )

    def __init__(self, rule: Rule, channel: _Channel, fee: Fee) -> None:
        self.no = rule.no
        self.channel = channel
        self.fee = (fee.fixed_fen, fee.rate_ppm, fee.min_fen, fee.max_fen)
        self.short_circuit = rule.short_circuit
        self.priority = rule.priority
        self.min_fen = rule.min_fen
        self.max_fen = rule.max_fen
        self.daily_limit = rule.daily_limit_fen
        self.merchants = frozenset(rule.merchants) if rule.merchants is not None else None
        self.stores = frozenset(rule.stores) if rule.stores is not None else None
        self.kinds = (
            frozenset(k.value for k in rule.terminal_kinds)
            if rule.terminal_kinds is not None
            else None
        )
        self.active = rule.active.minutes() if rule.active is not None else None
        self.group: str | None = None
        self.weight = 1
        self.guaranteed = 0

    def fee_for(self, amount: int) -> int:
        """:meth:`Fee.for_amount`, on plain numbers."""
        fixed, ppm, low, high = self.fee
        fee = max(fixed + (amount * ppm + 500_000) // 1_000_000, low)
        return fee if high is None else min(fee, high)

    def fits(self, amount: int, usage: Mapping[str, Usage]) -> bool:
        """In the amount range, and within what is left of the daily limit."""
        if amount < self.min_fen or (self.max_fen is not None and amount > self.max_fen):
            return False
        if self.daily_limit is None:
            return True
        return usage.get(self.no, _NO_USAGE).amount_fen + amount <= self.daily_limit

    def order_key(self, amount_fen: int) -> tuple[int, int, str]:
        return (self.fee_for(amount_fen), -self.priority, self.no)


class RoutingPlan:
    """A configuration compiled for routing; build once per published version."""

    def __init__(self, config: RoutingConfig, utc_offset_min: int) -> None:
        self.config = config
        self.utc_offset_min = utc_offset_min
        specs = {c.id: c for c in config.channels}
        channels = {c.id: _Channel(c) for c in config.channels}
        membership = {m.rule: (g.id, m) for g in config.groups for m in g.members}
        by_issuer: dict[Issuer, list[_Rule]] = {}
        for rule in config.rules:
            compiled = _Rule(rule, channels[rule.channel], rule.fee or specs[rule.channel].fee)
            if rule.no in membership:
                group_id, member = membership[rule.no]
                compiled.group = group_id
                compiled.weight = member.weight
                compiled.guaranteed = member.guaranteed_daily_fen
            by_issuer.setdefault(rule.issuer, []).append(compiled)
        self._by_issuer = {issuer: tuple(rules) for issuer, rules in by_issuer.items()}

    def issuers(self) -> frozenset[Issuer]:
        return frozenset(self._by_issuer)

    def decide(self, order: Order, state: RoutingState) -> Decision:
        rules = self._by_issuer.get(order.issuer, ())
        amount = order.amount_fen
        minute = local_minute(order.now_ms, self.utc_offset_min)
        maintenance: dict[str, bool] = {}
        available: list[_Rule] = []
        excluded: list[tuple[str, ErrorCode]] = []
        in_scope = False
        for rule in rules:
            if (
                (rule.merchants is not None and order.merchant_id not in rule.merchants)
                or (rule.stores is not None and order.store_id not in rule.stores)
                or (rule.kinds is not None and order.terminal_kind not in rule.kinds)
                or (rule.active is not None and not _window_has(rule.active, minute))
            ):
                continue
            in_scope = True
            channel = rule.channel
            reason: ErrorCode | None = None
            if not rule.fits(amount, state.usage):
                reason = ErrorCode.AMOUNT_OUT_OF_RANGE
            elif not channel.enabled:
                reason = ErrorCode.CHANNEL_UNAVAILABLE
            else:
                down = maintenance.get(channel.id)
                if down is None:
                    down = maintenance[channel.id] = channel.in_maintenance(order.now_ms, minute)
                if down:
                    reason = ErrorCode.CHANNEL_MAINTENANCE
                else:
                    reason = state.unavailable.get(channel.id)
            if reason is None:
                available.append(rule)
            else:
                excluded.append((rule.no, reason))
        if not available:
            found = {reason for _, reason in excluded}
            refusal = next(
                (r for r in _REFUSAL_ORDER if r in found),
                ErrorCode.ISSUER_NOT_SUPPORTED,
            )
            if not in_scope:
                refusal = ErrorCode.ISSUER_NOT_SUPPORTED
            return Decision((), refusal, tuple(excluded))
        return Decision(self._order(available, amount, state.usage), None, tuple(excluded))

    def _order(
        self, available: list[_Rule], amount: int, usage: Mapping[str, Usage]
    ) -> tuple[Candidate, ...]:
        """The route first; then the fallbacks for a retry, cheapest first."""
        shorts = [r for r in available if r.short_circuit]
        if shorts:
            best = min(shorts, key=lambda r: (-r.priority, r.no))
            head: list[tuple[_Rule, str]] = [(best, "short_circuit")]
            rest = [r for r in available if r is not best]
        else:
            groups: dict[str, list[_Rule]] = {}
            competing: list[tuple[_Rule, str]] = []
            for rule in available:
                if rule.group is None:
                    competing.append((rule, "fee"))
                else:
                    groups.setdefault(rule.group, []).append(rule)
            picked = set()
            for group_id, members in groups.items():
                pick, how = _group_pick(members, amount, usage)
                competing.append((pick, f"group {group_id} {how}"))
                picked.add(pick.no)
            head = sorted(competing, key=lambda item: item[0].order_key(amount))
            rest = [r for r in available if r.group is not None and r.no not in picked]
        rest.sort(key=lambda r: r.order_key(amount))
        ordered = head + [(r, "fee") for r in rest]
        return tuple(
            Candidate(rule.no, rule.channel.id, rule.fee_for(amount), via)
            for rule, via in ordered[:MAX_CANDIDATES]
        )


def _group_pick(members: list[_Rule], amount: int, usage: Mapping[str, Usage]) -> tuple[_Rule, str]:
    """The member whose turn it is: first the guaranteed amounts, then the weights."""
    short_of = [
        (m.guaranteed - usage.get(m.no, _NO_USAGE).amount_fen, m)
        for m in members
        if m.guaranteed > usage.get(m.no, _NO_USAGE).amount_fen
    ]
    if short_of:
        return max(short_of, key=lambda item: (item[0], item[1].weight, item[1].no))[1], "quota"
    weighted = [m for m in members if m.weight > 0]
    if not weighted:
        return min(members, key=lambda m: m.order_key(amount)), "fee"
    return (
        min(
            weighted,
            key=lambda m: ((usage.get(m.no, _NO_USAGE).weighted + 1) / m.weight, -m.weight, m.no),
        ),
        "weight",
    )
