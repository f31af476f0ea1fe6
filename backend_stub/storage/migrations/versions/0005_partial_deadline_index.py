"""the PIN-deadline index of trades becomes partial (``pin_deadline_ms IS NOT NULL``)

Only a trade that waited for a PIN has a deadline; a no-PIN payment (most of
them) then writes no page of this index, neither when it is inserted nor when
its state changes. The sweeper's queries compare ``pin_deadline_ms``, which
implies ``IS NOT NULL`` on SQLite and PostgreSQL alike, so they still use it.

Revision ID: 0005_partial_deadline_index
Revises: 0004_rate_limits
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_partial_deadline_index"
down_revision = "0004_rate_limits"
branch_labels = None
depends_on = None

_NAME = "ix_trades_state_deadline"
_COLUMNS = ["state", "pin_deadline_ms"]


def upgrade() -> None:
    op.drop_index(_NAME, table_name="trades")
    where = sa.text("pin_deadline_ms IS NOT NULL")
    op.create_index(_NAME, "trades", _COLUMNS, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    op.drop_index(_NAME, table_name="trades")
    op.create_index(_NAME, "trades", _COLUMNS)
