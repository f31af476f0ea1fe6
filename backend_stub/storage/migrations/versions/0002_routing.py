"""routing, channels, simulator (issue 5)

Revision ID: 0002_routing
Revises: 0001
Create Date: 2026-11-24 11:33:17
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_routing"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "channel_calls",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("code", sa.String(length=32), server_default="", nullable=False),
        sa.Column("elapsed_ms", sa.Integer(), server_default="0", nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_calls")),
    )
    with op.batch_alter_table("channel_calls", schema=None) as batch_op:
        batch_op.create_index("ix_channel_calls_channel_at", ["channel", "at_ms"], unique=False)

    op.create_table(
        "channel_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=255), server_default="", nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_events")),
    )
    with op.batch_alter_table("channel_events", schema=None) as batch_op:
        batch_op.create_index("ix_channel_events_at", ["at_ms"], unique=False)

    op.create_table(
        "channel_status",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("health", sa.String(length=4), server_default="in", nullable=False),
        sa.Column("health_since_ms", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("breaker", sa.String(length=10), server_default="closed", nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("open_until_ms", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_status")),
    )
    op.create_table(
        "channel_usage",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("weighted", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("day", "rule", name=op.f("pk_channel_usage")),
    )
    op.create_table(
        "routing_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_draft")),
    )
    op.create_table(
        "routing_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=128), server_default="", nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_events")),
    )
    op.create_table(
        "routing_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=128), server_default="", nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_routing_versions")),
    )
    op.create_table(
        "sim_orders",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("channel_trade_no", sa.String(length=40), nullable=False),
        sa.Column("code_masked", sa.String(length=32), server_default="", nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("behaviour", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=32), server_default="", nullable=False),
        sa.Column("settle_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("settle_to", sa.String(length=32), nullable=True),
        sa.Column("refunded_fen", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("paid_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sim_orders")),
        sa.UniqueConstraint(
            "channel", "channel_trade_no", name=op.f("uq_sim_orders_channel_channel_trade_no")
        ),
    )
    op.create_table(
        "sim_outages",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("since_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_sim_outages")),
    )
    op.create_table(
        "sim_refunds",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("refund_no", sa.String(length=48), nullable=False),
        sa.Column("channel_trade_no", sa.String(length=40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sim_refunds")),
        sa.UniqueConstraint("channel", "refund_no", name=op.f("uq_sim_refunds_channel_refund_no")),
    )
    op.create_table(
        "sim_scripts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_masked", sa.String(length=32), server_default="", nullable=False),
        sa.Column("amount_min", sa.BigInteger(), nullable=True),
        sa.Column("amount_max", sa.BigInteger(), nullable=True),
        sa.Column("behaviour", sa.String(length=64), nullable=False),
        sa.Column("uses_left", sa.Integer(), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sim_scripts")),
    )
    op.create_table(
        "routing_active",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version"],
            ["routing_versions.version"],
            name=op.f("fk_routing_active_version_routing_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_active")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=12), server_default="SUCCESS", nullable=False)
        )
        batch_op.add_column(sa.Column("parts", sa.Text(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("poll_at_ms", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.add_column(sa.Column("routing_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("routing_rule", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("risk", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("fee_fen", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("other_refunded_fen", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("channel_trade_no", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("channel_state", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("channel_code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("channel_todo", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("poll_at_ms", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("channel_deadline_ms", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("watch_until_ms", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("route_trace", sa.Text(), server_default="", nullable=False))
        batch_op.create_index(
            "ix_trades_channel_trade_no", ["channel", "channel_trade_no"], unique=False
        )
        batch_op.create_index("ix_trades_poll_at_ms", ["poll_at_ms"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_index("ix_trades_poll_at_ms")
        batch_op.drop_index("ix_trades_channel_trade_no")
        batch_op.drop_column("route_trace")
        batch_op.drop_column("watch_until_ms")
        batch_op.drop_column("channel_deadline_ms")
        batch_op.drop_column("poll_at_ms")
        batch_op.drop_column("channel_todo")
        batch_op.drop_column("channel_code")
        batch_op.drop_column("channel_state")
        batch_op.drop_column("channel_trade_no")
        batch_op.drop_column("other_refunded_fen")
        batch_op.drop_column("fee_fen")
        batch_op.drop_column("risk")
        batch_op.drop_column("routing_rule")
        batch_op.drop_column("routing_version")

    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_column("poll_at_ms")
        batch_op.drop_column("parts")
        batch_op.drop_column("state")

    op.drop_table("routing_active")
    op.drop_table("sim_scripts")
    op.drop_table("sim_refunds")
    op.drop_table("sim_outages")
    op.drop_table("sim_orders")
    op.drop_table("routing_versions")
    op.drop_table("routing_events")
    op.drop_table("routing_draft")
    op.drop_table("channel_usage")
    op.drop_table("channel_status")
    with op.batch_alter_table("channel_events", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_events_at")

    op.drop_table("channel_events")
    with op.batch_alter_table("channel_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_calls_channel_at")

    op.drop_table("channel_calls")
