"""the fleet: terminals can be disabled and re-keyed; heartbeats and operator actions

Revision ID: 0006_fleet
Revises: 0005_partial_deadline_index
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_fleet"
down_revision = "0005_partial_deadline_index"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("terminals") as batch:
        batch.add_column(sa.Column("disabled_at_ms", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("disabled_reason", sa.String(256), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("pending_secret", sa.String(128), nullable=True))
        batch.add_column(sa.Column("rotate_requested_at_ms", sa.BigInteger(), nullable=True))
    op.create_table(
        "terminal_heartbeats",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("received_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("app", sa.String(32), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("devices", sa.Text(), nullable=False),
        sa.Column("devices_in_error", sa.Integer(), nullable=False),
        sa.Column("in_doubt", sa.Integer(), nullable=False),
        sa.Column("queued_signoffs", sa.Integer(), nullable=False),
        sa.Column("clock_offset_s", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_terminal_heartbeats_terminal_id", "terminal_heartbeats", ["terminal_id", "id"]
    )
    op.create_index(
        "ix_terminal_heartbeats_received_at_ms", "terminal_heartbeats", ["received_at_ms"]
    )
    op.create_table(
        "terminal_actions",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("terminal_id", sa.String(64), sa.ForeignKey("terminals.id"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(256), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_terminal_actions_terminal_id", "terminal_actions", ["terminal_id", "id"])


def downgrade() -> None:
    op.drop_table("terminal_actions")
    op.drop_table("terminal_heartbeats")
    with op.batch_alter_table("terminals") as batch:
        batch.drop_column("rotate_requested_at_ms")
        batch.drop_column("pending_secret")
        batch.drop_column("disabled_reason")
        batch.drop_column("disabled_at_ms")
