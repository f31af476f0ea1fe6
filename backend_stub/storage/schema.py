"""The tables. Everything instances must share lives here (DESIGN.md section 13).

Times are integer milliseconds (``*_ms``), money integer fen, points integer
points. Constraints carry the rules the code also checks, as the last line
of defence: a balance never below zero (``CHECK``), a payment code bound to
one trade (``UNIQUE``), one trade per ``(terminal_id, out_trade_no)``.
The Alembic migrations in ``migrations/versions`` create exactly these.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

__all__ = [
    "accounts",
    "activation_codes",
    "channel_calls",
    "channel_events",
    "channel_status",
    "channel_usage",
    "cod_orders",
    "courier_devices",
    "couriers",
    "credits",
    "ledger_lines",
    "member_sessions",
    "members",
    "merchants",
    "metadata",
    "nonces",
    "pay_codes",
    "pin_envelopes",
    "pin_failures",
    "rate_counters",
    "refunds",
    "routing_active",
    "routing_draft",
    "routing_events",
    "routing_versions",
    "sim_orders",
    "sim_outages",
    "sim_refunds",
    "sim_scripts",
    "sms_codes",
    "sms_outbox",
    "stores",
    "system_keys",
    "terminal_actions",
    "terminal_heartbeats",
    "terminals",
    "trades",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# An auto-incrementing 64-bit key on PostgreSQL, SQLite's rowid alias on SQLite.
_Id = BigInteger().with_variant(Integer(), "sqlite")

system_keys = Table(
    "system_keys",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)

merchants = Table(
    "merchants",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)

stores = Table(
    "stores",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("merchant_id", String(32), ForeignKey("merchants.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)

terminals = Table(
    "terminals",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("store_id", String(32), ForeignKey("stores.id"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("device_name", String(128), nullable=False, server_default=""),
    Column("secret", String(128), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    # the fleet (migration 0006): switched off by store IT; a new secret waiting for its
    # confirmation; a rotation store IT asked for, told in the next heartbeat's answer
    Column("disabled_at_ms", BigInteger, nullable=True),
    Column("disabled_reason", String(256), nullable=False, server_default=""),
    Column("pending_secret", String(128), nullable=True),
    Column("rotate_requested_at_ms", BigInteger, nullable=True),
)

# Every heartbeat, kept for a while (the sweeper purges old ones); the latest per terminal
# is its state. One INSERT a heartbeat: the write lock is held for that statement only.
terminal_heartbeats = Table(
    "terminal_heartbeats",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("terminal_id", String(64), nullable=False),
    Column("received_at_ms", BigInteger, nullable=False),
    Column("app", String(32), nullable=False),
    Column("version", String(32), nullable=False),
    Column("devices", Text, nullable=False),  # JSON: [{kind, url, state, error, last_scan_at}]
    Column("devices_in_error", Integer, nullable=False),
    Column("in_doubt", Integer, nullable=False),
    Column("queued_signoffs", Integer, nullable=False),
    Column("clock_offset_s", Integer, nullable=False),
    Index("ix_terminal_heartbeats_terminal_id", "terminal_id", "id"),
    Index("ix_terminal_heartbeats_received_at_ms", "received_at_ms"),
)

# What store IT did to a terminal, who did it and why.
terminal_actions = Table(
    "terminal_actions",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("terminal_id", String(64), ForeignKey("terminals.id"), nullable=False),
    Column("action", String(16), nullable=False),  # disable, enable, rotate, rename, move
    Column("operator", String(64), nullable=False),
    Column("reason", String(256), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Index("ix_terminal_actions_terminal_id", "terminal_id", "id"),
)

activation_codes = Table(
    "activation_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("store_id", String(32), ForeignKey("stores.id"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("used_at_ms", BigInteger),
    Column("terminal_id", String(64), ForeignKey("terminals.id")),
    Column("created_at_ms", BigInteger, nullable=False),
)

nonces = Table(
    "nonces",
    metadata,
    Column("terminal_id", String(64), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("request_ts", BigInteger, nullable=False),
    Index("ix_nonces_request_ts", "request_ts"),
)

members = Table(
    "members",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("member_no", String(32), nullable=False, unique=True),
    Column("phone", String(32), nullable=False),
    Column("name", String(128), nullable=False, server_default=""),
    Column("pin_hash", String(255)),
    Column("no_pin_limit_fen", BigInteger),
    Column("frozen", Boolean, nullable=False, server_default=false()),
    Column("pin_locked_at_ms", BigInteger),
    Column("created_at_ms", BigInteger, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("member_id", _Id, ForeignKey("members.id"), nullable=False),
    Column("kind", String(8), nullable=False),  # "points" | "card"
    Column("balance", BigInteger, nullable=False),
    UniqueConstraint("member_id", "kind"),
    CheckConstraint("balance >= 0", name="balance_not_negative"),
    CheckConstraint("kind IN ('points', 'card')", name="kind_known"),
)

pay_codes = Table(
    "pay_codes",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("code_masked", String(32), nullable=False),
    Column("member_id", _Id, ForeignKey("members.id"), nullable=False),
    Column("wallet", String(8), nullable=False),
    Column("slot", String(64), nullable=False),  # one live code per (member, wallet, slot)
    Column("issued_at_ms", BigInteger, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("superseded_at_ms", BigInteger),
    Column("trade_id", _Id, ForeignKey("trades.id"), unique=True),
    Index("ix_pay_codes_member_slot", "member_id", "wallet", "slot"),
)

trades = Table(
    "trades",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("trade_no", String(32), nullable=False, unique=True),
    Column("terminal_id", String(64), ForeignKey("terminals.id"), nullable=False),
    Column("out_trade_no", String(32), nullable=False),
    Column("request_hash", String(64)),  # NULL for a cancel's tombstone
    Column("state", String(24), nullable=False),
    Column("reason", String(40)),
    Column("issuer", String(16)),
    Column("channel", String(32)),
    Column("member_id", _Id, ForeignKey("members.id")),
    Column("account_id", _Id, ForeignKey("accounts.id")),
    Column("code_masked", String(32), nullable=False, server_default=""),
    Column("amount_fen", BigInteger, nullable=False),
    Column("charge", BigInteger, nullable=False, server_default="0"),  # points or fen to take
    Column("refunded_fen", BigInteger, nullable=False, server_default="0"),
    Column("returned", BigInteger, nullable=False, server_default="0"),  # of charge, given back
    Column("order_total_fen", BigInteger),
    Column("other_tenders", Text, nullable=False, server_default="[]"),
    Column("description", String(128), nullable=False, server_default=""),
    Column("pin_deadline_ms", BigInteger),
    Column("paid_at_ms", BigInteger),  # set when the charge left the account
    Column("created_at_ms", BigInteger, nullable=False),
    Column("updated_at_ms", BigInteger, nullable=False),
    # routing (0002): the version and logical channel rule it was routed by, the risk decision
    Column("routing_version", Integer),
    Column("routing_rule", String(16)),
    Column("risk", String(64)),
    Column("fee_fen", BigInteger, nullable=False, server_default="0"),
    Column("other_refunded_fen", BigInteger, nullable=False, server_default="0"),
    # external channels: the channel's order number and last word, and what is left to do there
    Column("channel_trade_no", String(40)),
    Column("channel_state", String(12)),
    Column("channel_code", String(32)),
    Column("channel_todo", String(12)),  # "query" | "reverse" | "watch" | NULL
    Column("poll_at_ms", BigInteger),  # when the channel work is due
    Column("channel_deadline_ms", BigInteger),  # PROCESSING past this is reversed
    Column("watch_until_ms", BigInteger),  # after a reverse: watch for a late success
    Column("route_trace", Text, nullable=False, server_default=""),
    UniqueConstraint("terminal_id", "out_trade_no"),
    CheckConstraint("refunded_fen >= 0 AND refunded_fen <= amount_fen", name="refund_in_range"),
    CheckConstraint("returned >= 0 AND returned <= charge", name="returned_in_range"),
    # Partial (0005): a no-PIN payment has no deadline, and writes no page of it.
    Index(
        "ix_trades_state_deadline",
        "state",
        "pin_deadline_ms",
        sqlite_where=text("pin_deadline_ms IS NOT NULL"),
        postgresql_where=text("pin_deadline_ms IS NOT NULL"),
    ),
    Index("ix_trades_member", "member_id", "id"),
    # Partial (0004): trades of our own wallets have neither, and write no index page for them.
    Index(
        "ix_trades_poll_at_ms",
        "poll_at_ms",
        sqlite_where=text("poll_at_ms IS NOT NULL"),
        postgresql_where=text("poll_at_ms IS NOT NULL"),
    ),
    Index(
        "ix_trades_channel_trade_no",
        "channel",
        "channel_trade_no",
        sqlite_where=text("channel_trade_no IS NOT NULL"),
        postgresql_where=text("channel_trade_no IS NOT NULL"),
    ),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("terminal_id", String(64), ForeignKey("terminals.id"), nullable=False),
    Column("out_refund_no", String(32), nullable=False),
    Column("trade_id", _Id, ForeignKey("trades.id"), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("returned", BigInteger, nullable=False),
    Column("reason", String(128), nullable=False, server_default=""),
    Column("created_at_ms", BigInteger, nullable=False),
    # routing (0002): external refunds wait for the channel; the parts given back, in order
    Column("state", String(12), nullable=False, server_default="SUCCESS"),
    Column("parts", Text, nullable=False, server_default="[]"),
    Column("poll_at_ms", BigInteger),
    UniqueConstraint("terminal_id", "out_refund_no"),
)

credits = Table(
    "credits",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("terminal_id", String(64), ForeignKey("terminals.id"), nullable=False),
    Column("out_request_no", String(32), nullable=False),
    Column("kind", String(8), nullable=False),  # "earn" | "topup"
    Column("request_hash", String(64), nullable=False),
    Column("member_id", _Id, ForeignKey("members.id"), nullable=False),
    Column("earned_on_trade_id", _Id, ForeignKey("trades.id"), unique=True),
    Column("points", BigInteger, nullable=False, server_default="0"),
    Column("card_fen", BigInteger, nullable=False, server_default="0"),
    Column("tender", String(16)),
    Column("created_at_ms", BigInteger, nullable=False),
    UniqueConstraint("terminal_id", "out_request_no"),
)

ledger_lines = Table(
    "ledger_lines",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("account_id", _Id, ForeignKey("accounts.id"), nullable=False),
    Column("delta", BigInteger, nullable=False),
    Column("balance_after", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("trade_id", _Id, ForeignKey("trades.id")),
    Column("refund_id", _Id, ForeignKey("refunds.id")),
    Column("credit_id", _Id, ForeignKey("credits.id")),
    Column("note", String(128), nullable=False, server_default=""),
    Column("created_at_ms", BigInteger, nullable=False),
    CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
    Index("ix_ledger_lines_account", "account_id", "id"),
    Index("ix_ledger_lines_trade", "trade_id"),
)

pin_failures = Table(
    "pin_failures",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("member_id", _Id, ForeignKey("members.id"), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Index("ix_pin_failures_member", "member_id", "at_ms"),
)

pin_envelopes = Table(
    "pin_envelopes",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("trade_id", _Id, ForeignKey("trades.id"), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)

sms_codes = Table(
    "sms_codes",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("member_id", _Id, ForeignKey("members.id"), nullable=False),
    Column("purpose", String(8), nullable=False),  # "login" | "reset" | "pay"
    Column("code_hash", String(64), nullable=False),
    Column("trade_id", _Id, ForeignKey("trades.id")),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("used_at_ms", BigInteger),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at_ms", BigInteger, nullable=False),
    Index("ix_sms_codes_member", "member_id", "purpose"),
)

sms_outbox = Table(
    "sms_outbox",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("member_id", _Id, ForeignKey("members.id"), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("purpose", String(8), nullable=False),
    Column("text", String(255), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)

member_sessions = Table(
    "member_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("member_id", _Id, ForeignKey("members.id"), nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)


# -- routing configuration with versions (0002) -------------------------------------------

routing_draft = Table(
    "routing_draft",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: there is one draft
    Column("config", Text, nullable=False),
    Column("updated_at_ms", BigInteger, nullable=False),
)

routing_versions = Table(
    "routing_versions",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("config", Text, nullable=False),  # immutable once made
    Column("digest", String(64), nullable=False),
    Column("note", String(128), nullable=False, server_default=""),
    Column("created_at_ms", BigInteger, nullable=False),
)

routing_active = Table(
    "routing_active",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("version", Integer, ForeignKey("routing_versions.version"), nullable=False),
    Column("published_at_ms", BigInteger, nullable=False),
)

routing_events = Table(
    "routing_events",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("kind", String(12), nullable=False),  # draft | snapshot | publish | rollback
    Column("version", Integer),
    Column("note", String(128), nullable=False, server_default=""),
    Column("at_ms", BigInteger, nullable=False),
    # who and why (0007): the console's signed-in name or the CLI's login name; a publish's reason
    Column("operator", String(64), nullable=False, server_default=""),
    Column("reason", String(256), nullable=False, server_default=""),
)

# -- channel health, breakers, usage (0002) -----------------------------------------------

channel_status = Table(
    "channel_status",
    metadata,
    Column("channel", String(32), primary_key=True),
    Column("health", String(4), nullable=False, server_default="in"),  # in | out
    Column("health_since_ms", BigInteger, nullable=False, server_default="0"),
    Column("breaker", String(10), nullable=False, server_default="closed"),  # closed|open|half_open
    Column("failures", Integer, nullable=False, server_default="0"),  # in a row
    Column("open_until_ms", BigInteger, nullable=False, server_default="0"),
)

channel_events = Table(
    "channel_events",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("detail", String(255), nullable=False, server_default=""),
    Column("at_ms", BigInteger, nullable=False),
    Index("ix_channel_events_at", "at_ms"),
)

channel_calls = Table(
    "channel_calls",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("kind", String(8), nullable=False),  # pay | query | reverse | refund | probe
    Column("ok", Boolean, nullable=False),  # False: the channel's own fault
    Column("code", String(32), nullable=False, server_default=""),
    Column("elapsed_ms", Integer, nullable=False, server_default="0"),
    Column("at_ms", BigInteger, nullable=False),
    Index("ix_channel_calls_channel_at", "channel", "at_ms"),
)

channel_usage = Table(
    "channel_usage",
    metadata,
    Column("day", String(10), primary_key=True),  # business day, YYYY-MM-DD
    Column("rule", String(16), primary_key=True),
    Column("amount_fen", BigInteger, nullable=False, server_default="0"),
    Column("count", Integer, nullable=False, server_default="0"),
    Column("weighted", Integer, nullable=False, server_default="0"),  # picked by group weight
)

# -- the simulated channels' own books (0002) ---------------------------------------------

sim_scripts = Table(
    "sim_scripts",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("channel", String(32)),  # NULL: every simulated channel
    Column("code_hash", String(64)),
    Column("code_masked", String(32), nullable=False, server_default=""),
    Column("amount_min", BigInteger),
    Column("amount_max", BigInteger),
    Column("behaviour", String(64), nullable=False),
    Column("uses_left", Integer),  # NULL: no limit
    Column("created_at_ms", BigInteger, nullable=False),
)

sim_outages = Table(
    "sim_outages",
    metadata,
    Column("channel", String(32), primary_key=True),
    Column("since_ms", BigInteger, nullable=False),
)

sim_orders = Table(
    "sim_orders",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("channel_trade_no", String(40), nullable=False),
    Column("code_masked", String(32), nullable=False, server_default=""),
    Column("amount_fen", BigInteger, nullable=False),
    Column("behaviour", String(64), nullable=False),
    Column("state", String(12), nullable=False),  # PAYING PAID CLOSED FAILED REFUNDED
    Column("code", String(32), nullable=False, server_default=""),
    Column("settle_at_ms", BigInteger),  # PAYING (or a late success) settles then
    Column("settle_to", String(32)),  # PAID | PAID_LATE | a decline code
    Column("refunded_fen", BigInteger, nullable=False, server_default="0"),
    Column("paid_at_ms", BigInteger),
    Column("created_at_ms", BigInteger, nullable=False),
    UniqueConstraint("channel", "channel_trade_no"),
)

sim_refunds = Table(
    "sim_refunds",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("refund_no", String(48), nullable=False),
    Column("channel_trade_no", String(40), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    UniqueConstraint("channel", "refund_no"),
)

# -- cash on delivery: couriers, the PDAs enrolled for them, their orders ------------------

couriers = Table(
    "couriers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("store_id", String(32), ForeignKey("stores.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)

# A PDA belongs to the courier whose activation code it was enrolled with.
courier_devices = Table(
    "courier_devices",
    metadata,
    Column(
        "activation_code_hash",
        String(64),
        ForeignKey("activation_codes.code_hash"),
        primary_key=True,
    ),
    Column("courier_id", String(32), ForeignKey("couriers.id"), nullable=False),
    Index("ix_courier_devices_courier", "courier_id"),
)

cod_orders = Table(
    "cod_orders",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("order_no", String(32), nullable=False, unique=True),
    Column("courier_id", String(32), ForeignKey("couriers.id"), nullable=False),
    Column("delivery_day", String(10), nullable=False),  # YYYY-MM-DD
    Column("recipient", String(128), nullable=False),
    Column("address", String(255), nullable=False, server_default=""),
    Column("amount_fen", BigInteger, nullable=False),
    Column("signed_off_at_ms", BigInteger),
    Column("signed_by", String(128)),
    Column("paid_cash", Boolean, nullable=False, server_default=false()),
    Column("trade_id", _Id, ForeignKey("trades.id"), unique=True),  # the wallet payment
    Column("signed_off_terminal_id", String(64), ForeignKey("terminals.id")),
    Column("created_at_ms", BigInteger, nullable=False),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    Index("ix_cod_orders_courier_day", "courier_id", "delivery_day"),
)


# -- gateway rate limits (0004) ----------------------------------------------------------

rate_counters = Table(
    "rate_counters",
    metadata,
    Column("key", String(80), primary_key=True),  # "t:<terminal_id>" | "m:<merchant_id>"
    Column("until_ms", BigInteger, primary_key=True),  # the end of the window counted
    Column("count", Integer, nullable=False),
    # no index on until_ms: the purge once a minute scans a small table; every insert is cheaper
)
