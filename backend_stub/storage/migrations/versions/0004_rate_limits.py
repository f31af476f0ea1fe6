"""gateway rate limit counters, shared by every instance; partial channel indexes on trades

The two channel indexes of ``trades`` become partial (``IS NOT NULL``): a
payment from our own wallets has no channel work and no channel order number,
so it writes no page of either index (the queries that use them compare the
column, which implies ``IS NOT NULL`` on SQLite and PostgreSQL alike).

Revision ID: 0004_rate_limits
Revises: 0003_cod_orders
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_rate_limits"
down_revision = "0003_cod_orders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("until_ms", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "until_ms", name=op.f("pk_rate_counters")),
    )
    _channel_indexes(partial=True)


def downgrade() -> None:
    _channel_indexes(partial=False)
    op.drop_table("rate_counters")


def _channel_indexes(*, partial: bool) -> None:
    for name, columns, column in (
        ("ix_trades_poll_at_ms", ["poll_at_ms"], "poll_at_ms"),
        ("ix_trades_channel_trade_no", ["channel", "channel_trade_no"], "channel_trade_no"),
    ):
        op.drop_index(name, table_name="trades")
        where = sa.text(f"{column} IS NOT NULL") if partial else None
        op.create_index(name, "trades", columns, sqlite_where=where, postgresql_where=where)
