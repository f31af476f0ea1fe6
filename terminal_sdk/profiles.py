"""When to query and when to give up, per issuer: data, not code.

The timings are the ones the wallets publish for customer-presented codes:

- WeChat Pay (merchant guide for micropay): query every 3-5 s while the user
  is paying; reverse by about 45 s, when WeChat itself revokes unpaid orders.
- Alipay (face-to-face payment guide): first query about 5 s after the pay,
  then every 3-5 s; cancel right after the last query, at about 60 s.
- UnionPay: treated like Alipay.
- Our own wallets answer fast and hold nothing "in progress" except the PIN,
  so a lost answer is found out quickly.

Every deadline counts from the moment the pay request was first sent.
Reversal is then retried until the backend acknowledges it.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.paycode import Issuer

__all__ = ["PROFILES", "QueryProfile", "profile_for"]


@dataclass(frozen=True)
class QueryProfile:
    first_query_s: float
    intervals_s: tuple[float, ...]  # gaps between queries; the last one repeats
    deadline_s: float  # from the pay; still not final then -> reverse
    reverse_intervals_s: tuple[float, ...] = (0.0, 1.0, 2.0, 4.0, 8.0)
    reverse_deadline_s: float = 30.0  # then report "not charged, reversal pending"
    pin_margin_s: float = 2.0  # stop waiting for a PIN this long before the backend's deadline

    def gap(self, n: int) -> float:
        """Seconds to wait before query number ``n`` (0-based), after the first."""
        return self.intervals_s[min(n, len(self.intervals_s) - 1)]

    def reverse_gap(self, n: int) -> float:
        return self.reverse_intervals_s[min(n, len(self.reverse_intervals_s) - 1)]

    def scaled(self, factor: float) -> QueryProfile:
        """The same shape, ``factor`` times as long (tests and demos shorten it)."""
        return QueryProfile(
            first_query_s=self.first_query_s * factor,
            intervals_s=tuple(i * factor for i in self.intervals_s),
            deadline_s=self.deadline_s * factor,
            reverse_intervals_s=tuple(i * factor for i in self.reverse_intervals_s),
            reverse_deadline_s=self.reverse_deadline_s * factor,
            pin_margin_s=self.pin_margin_s * factor,
        )


_OWN = QueryProfile(first_query_s=0.5, intervals_s=(1.0, 1.0, 2.0, 2.0, 3.0), deadline_s=20.0)

PROFILES: dict[Issuer, QueryProfile] = {
    Issuer.POINTS: _OWN,
    Issuer.CARD: _OWN,
    Issuer.WECHAT: QueryProfile(first_query_s=3.0, intervals_s=(3.0, 4.0, 5.0), deadline_s=45.0),
    Issuer.ALIPAY: QueryProfile(first_query_s=5.0, intervals_s=(3.0, 4.0, 5.0), deadline_s=60.0),
    Issuer.UNIONPAY: QueryProfile(first_query_s=5.0, intervals_s=(5.0,), deadline_s=60.0),
}


def profile_for(issuer: Issuer | str | None) -> QueryProfile:
    try:
        return PROFILES[Issuer(issuer)] if issuer else _OWN
    except ValueError:
        return _OWN
