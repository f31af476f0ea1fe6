"""A demo routing configuration over simulated channels (``scanpay-backend routing demo``).

WeChat Pay: a direct channel (cheapest), a backup; codes at Demo Mart's PDAs
go through a short-circuit rule to the backup. Alipay: two channels in a
group at 3:5, the first with CNY 1,000.00 guaranteed a day. UnionPay: one
channel, down for maintenance every night 02:00-02:30. Risk: the built-in
no-PIN count, and payments of CNY 1,000.00 or more from a terminal enrolled
in the last hour are declined. Guide: prepaid cards cannot be bought with
points or the stored-value card; tobacco not with points.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEMO_ROUTING"]

_SIM_FEE = {"rate_ppm": 3800, "min_fen": 1}

DEMO_ROUTING: dict[str, Any] = {
    "channels": [
        {"id": "wx-direct", "issuers": ["wechat"], "fee": _SIM_FEE},
        {"id": "wx-backup", "issuers": ["wechat"], "fee": {"rate_ppm": 6000, "min_fen": 1}},
        {"id": "ali-a", "issuers": ["alipay"], "fee": _SIM_FEE},
        {"id": "ali-b", "issuers": ["alipay"], "fee": _SIM_FEE},
        {
            "id": "up-main",
            "issuers": ["unionpay"],
            "fee": {"rate_ppm": 5000, "min_fen": 1},
            "maintenance": [{"start": "02:00", "end": "02:30"}],
        },
    ],
    "rules": [
        {"no": "WX-1", "channel": "wx-direct", "issuer": "wechat", "max_fen": 5_000_000},
        {"no": "WX-2", "channel": "wx-backup", "issuer": "wechat", "max_fen": 5_000_000},
        {
            "no": "WX-PDA",
            "channel": "wx-backup",
            "issuer": "wechat",
            "short_circuit": True,
            "priority": 10,
            "terminal_kinds": ["pda"],
        },
        {"no": "ALI-A", "channel": "ali-a", "issuer": "alipay"},
        {"no": "ALI-B", "channel": "ali-b", "issuer": "alipay"},
        {"no": "UP-1", "channel": "up-main", "issuer": "unionpay", "max_fen": 2_000_000},
    ],
    "groups": [
        {
            "id": "ALI",
            "members": [
                {"rule": "ALI-A", "weight": 3, "guaranteed_daily_fen": 100_000},
                {"rule": "ALI-B", "weight": 5},
            ],
        }
    ],
    "risk": [
        {"kind": "no_pin_count", "limit": 10, "window_s": 86400, "action": "pin"},
        {"kind": "new_terminal", "window_s": 3600, "min_fen": 100_000, "action": "decline"},
    ],
    "guide": {
        "categories": {
            "prepaid-card": {"deny": ["points", "card"]},
            "tobacco": {"deny": ["points"]},
        }
    },
}
