"""The routing configuration: one JSON document, validated here (DESIGN.md 8, seed 001).

What it holds:

- ``channels``: physical channels (one adapter each, e.g. a simulated WeChat
  Pay acquirer), the issuers they carry, what they charge, their fixed daily
  and temporary maintenance windows, and an on/off switch.
- ``rules``: logical channels, numbered (``no``). Each sends one issuer's
  codes to one physical channel for a slice of trades: an amount range, a
  daily limit, some merchants / stores / terminal kinds, the hours it is in
  force, its own fee. ``short_circuit`` rules win, highest ``priority``
  first, whenever their channel is available; the rest compete on fee.
- ``groups``: logical channels that share an issuer's traffic: first each
  member's guaranteed daily amount, then by weight (e.g. 3:5).
- ``risk``: rules checked before a deduction that force the PIN under the
  no-PIN limit or decline.
- ``guide``: which tenders a till may offer, in what order, per merchant,
  per terminal kind and per product category.

Fees are integer fen: ``fixed_fen`` plus ``rate_ppm`` parts per million of
the amount, rounded half up, then kept within ``min_fen``/``max_fen``.
Times of day are the stores' local time (setting ``utc_offset_min``).
An empty document is valid: no external channel, the default risk rule
(more than 10 no-PIN payments a member in 24 h needs the PIN, as WeChat Pay
caps them), every tender offered.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from protocol.models import Tender, TerminalKind
from protocol.paycode import Issuer

__all__ = [
    "DEFAULT_RISK",
    "EXTERNAL_ISSUERS",
    "CategoryRule",
    "DailyWindow",
    "Fee",
    "Group",
    "GroupMember",
    "Guide",
    "Period",
    "PhysicalChannel",
    "RiskRule",
    "RoutingConfig",
    "Rule",
    "local_minute",
]

EXTERNAL_ISSUERS = (Issuer.WECHAT, Issuer.ALIPAY, Issuer.UNIONPAY)

ChannelId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]
RuleNo = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,16}$")]
ScopeId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
Category = Annotated[str, StringConstraints(min_length=1, max_length=128)]
HourMinute = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Fen = Annotated[int, Field(ge=0, strict=True)]
_DAY_MIN = 1440


def local_minute(now_ms: int, utc_offset_min: int) -> int:
    """Minute of the local day (0-1439) at ``now_ms``."""
    return (now_ms // 60_000 + utc_offset_min) % _DAY_MIN


def _minute(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fee(_Config):
    rate_ppm: Annotated[int, Field(ge=0, le=1_000_000, strict=True)] = 0
    fixed_fen: Fen = 0
    min_fen: Fen = 0
    max_fen: Fen | None = None

    def for_amount(self, amount_fen: int) -> int:
        fee = self.fixed_fen + (amount_fen * self.rate_ppm + 500_000) // 1_000_000
        fee = max(fee, self.min_fen)
        return fee if self.max_fen is None else min(fee, self.max_fen)


class DailyWindow(_Config):
    """``start`` to ``end`` (exclusive) every day, local time; ``22:00``-``02:00`` wraps."""

    start: HourMinute
    end: HourMinute

    def minutes(self) -> tuple[int, int]:
        """(start, end) as minutes of the day."""
        return _minute(self.start), _minute(self.end)


class Period(_Config):
    """A one-off window (temporary maintenance), with its time zone."""

    start: datetime
    end: datetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("give start and end with a time zone, e.g. 2026-01-02T01:00:00+08:00")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def millis(self) -> tuple[int, int]:
        """(start, end) as epoch milliseconds."""
        return int(self.start.timestamp() * 1000), int(self.end.timestamp() * 1000)


class PhysicalChannel(_Config):
    id: ChannelId
    adapter: Literal["sim"] = "sim"
    issuers: list[Issuer] = Field(min_length=1)
    fee: Fee = Fee()
    enabled: bool = True
    maintenance: list[DailyWindow] = Field(default_factory=list)
    maintenance_periods: list[Period] = Field(default_factory=list)

    @model_validator(mode="after")
    def _external_only(self) -> Self:
        ours = [i.value for i in self.issuers if i not in EXTERNAL_ISSUERS]
        if ours:
            raise ValueError(f"issuers: {', '.join(ours)} are our own wallets, not a channel's")
        return self


class Rule(_Config):
    """A logical channel: a slice of one issuer's trades sent to one physical channel."""

    no: RuleNo
    channel: ChannelId
    issuer: Issuer
    short_circuit: bool = False
    priority: int = 0
    min_fen: Annotated[int, Field(ge=1, strict=True)] = 1
    max_fen: Fen | None = None
    daily_limit_fen: Fen | None = None
    merchants: list[ScopeId] | None = None
    stores: list[ScopeId] | None = None
    terminal_kinds: list[TerminalKind] | None = None
    active: DailyWindow | None = None
    fee: Fee | None = None  # None: the physical channel's

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.max_fen is not None and self.max_fen < self.min_fen:
            raise ValueError(f"rule {self.no}: max_fen is below min_fen")
        return self


class GroupMember(_Config):
    rule: RuleNo
    weight: Annotated[int, Field(ge=0, le=1_000_000, strict=True)] = 1
    guaranteed_daily_fen: Fen = 0


class Group(_Config):
    id: RuleNo
    members: list[GroupMember] = Field(min_length=1)


class RiskRule(_Config):
    """``no_pin_count``: more than ``limit`` no-PIN payments in ``window_s``;
    ``velocity``: more than ``limit`` fen paid in ``window_s`` (this one included);
    ``new_terminal``: a terminal enrolled less than ``window_s`` ago.
    Each applies to payments of at least ``min_fen``."""

    kind: Literal["no_pin_count", "velocity", "new_terminal"]
    action: Literal["pin", "decline"] = "pin"
    limit: Fen = 0
    window_s: Annotated[int, Field(gt=0, le=31 * 86_400, strict=True)] = 86_400
    min_fen: Fen = 0


DEFAULT_RISK = (RiskRule(kind="no_pin_count", action="pin", limit=10, window_s=86_400),)


class CategoryRule(_Config):
    deny: list[Tender] = Field(default_factory=list)
    only: list[Tender] | None = None

    def allows(self, tender: Tender) -> bool:
        return tender not in self.deny and (self.only is None or tender in self.only)


_DEFAULT_ORDER = (
    Tender.POINTS,
    Tender.CARD,
    Tender.WECHAT,
    Tender.ALIPAY,
    Tender.UNIONPAY,
    Tender.BANK_CARD,
    Tender.CASH,
)


class Guide(_Config):
    order: list[Tender] = Field(default_factory=lambda: list(_DEFAULT_ORDER))
    merchants: dict[ScopeId, list[Tender]] = Field(default_factory=dict)  # signed; absent: all
    terminal_kinds: dict[TerminalKind, list[Tender]] = Field(default_factory=dict)
    categories: dict[Category, CategoryRule] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _order_complete(self) -> Self:
        twice = [t.value for t, n in Counter(self.order).items() if n > 1]
        if twice:
            raise ValueError(f"guide.order: {', '.join(twice)} listed twice")
        return self


class RoutingConfig(_Config):
    channels: list[PhysicalChannel] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    risk: list[RiskRule] = Field(default_factory=lambda: list(DEFAULT_RISK))
    guide: Guide = Field(default_factory=Guide)

    @model_validator(mode="after")
    def _references(self) -> Self:
        problems: list[str] = []
        for what, ids in (
            ("channel id", [c.id for c in self.channels]),
            ("rule no", [r.no for r in self.rules]),
            ("group id", [g.id for g in self.groups]),
        ):
            problems += [f"{what} {i!r} is used twice" for i, n in Counter(ids).items() if n > 1]
        channels = {c.id: c for c in self.channels}
        for rule in self.rules:
            channel = channels.get(rule.channel)
            if channel is None:
                problems.append(f"rule {rule.no}: no channel {rule.channel!r} in channels")
            elif rule.issuer not in channel.issuers:
                problems.append(
                    f"rule {rule.no}: channel {rule.channel} does not carry {rule.issuer.value}"
                )
        rules = {r.no: r for r in self.rules}
        seen: dict[str, str] = {}
        for group in self.groups:
            issuers = set()
            for member in group.members:
                if member.rule not in rules:
                    problems.append(f"group {group.id}: no rule {member.rule!r}")
                    continue
                if member.rule in seen:
                    problems.append(
                        f"rule {member.rule} is in groups {seen[member.rule]} and {group.id}"
                    )
                seen[member.rule] = group.id
                issuers.add(rules[member.rule].issuer)
                if rules[member.rule].short_circuit:
                    problems.append(f"group {group.id}: rule {member.rule} is a short-circuit rule")
            if len(issuers) > 1:
                problems.append(f"group {group.id}: its rules carry different issuers")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def channel(self, channel_id: str) -> PhysicalChannel | None:
        return next((c for c in self.channels if c.id == channel_id), None)
