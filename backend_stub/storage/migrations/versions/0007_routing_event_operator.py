"""routing events say who did it and why (``operator``, ``reason``), as terminal actions do

A draft, snapshot, publish or rollback from the operator console or the
command line names its operator (the name typed at the console's sign-in, or
the login name for the CLI) and, for a publish or a rollback, the reason
given in its confirm dialog. Events written before this revision have both
empty.

Revision ID: 0007_routing_event_operator
Revises: 0006_fleet
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_routing_event_operator"
down_revision = "0006_fleet"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("routing_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("operator", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("reason", sa.String(length=256), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("routing_events", schema=None) as batch_op:
        batch_op.drop_column("reason")
        batch_op.drop_column("operator")
