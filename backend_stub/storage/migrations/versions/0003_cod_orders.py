"""cash on delivery orders

Revision ID: 0003_cod_orders
Revises: 0002_routing
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_cod_orders"
down_revision = "0002_routing"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "couriers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_couriers_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_couriers")),
    )
    op.create_table(
        "cod_orders",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("courier_id", sa.String(length=32), nullable=False),
        sa.Column("delivery_day", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=255), server_default="", nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("signed_off_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("signed_by", sa.String(length=128), nullable=True),
        sa.Column("paid_cash", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("trade_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("signed_off_terminal_id", sa.String(length=64), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_cod_orders_amount_positive")),
        sa.ForeignKeyConstraint(
            ["courier_id"], ["couriers.id"], name=op.f("fk_cod_orders_courier_id_couriers")
        ),
        sa.ForeignKeyConstraint(
            ["signed_off_terminal_id"],
            ["terminals.id"],
            name=op.f("fk_cod_orders_signed_off_terminal_id_terminals"),
        ),
        sa.ForeignKeyConstraint(
            ["trade_id"], ["trades.id"], name=op.f("fk_cod_orders_trade_id_trades")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cod_orders")),
        sa.UniqueConstraint("order_no", name=op.f("uq_cod_orders_order_no")),
        sa.UniqueConstraint("trade_id", name=op.f("uq_cod_orders_trade_id")),
    )
    with op.batch_alter_table("cod_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cod_orders_courier_day", ["courier_id", "delivery_day"], unique=False
        )

    op.create_table(
        "courier_devices",
        sa.Column("activation_code_hash", sa.String(length=64), nullable=False),
        sa.Column("courier_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["activation_code_hash"],
            ["activation_codes.code_hash"],
            name=op.f("fk_courier_devices_activation_code_hash_activation_codes"),
        ),
        sa.ForeignKeyConstraint(
            ["courier_id"], ["couriers.id"], name=op.f("fk_courier_devices_courier_id_couriers")
        ),
        sa.PrimaryKeyConstraint("activation_code_hash", name=op.f("pk_courier_devices")),
    )
    with op.batch_alter_table("courier_devices", schema=None) as batch_op:
        batch_op.create_index("ix_courier_devices_courier", ["courier_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("courier_devices", schema=None) as batch_op:
        batch_op.drop_index("ix_courier_devices_courier")

    op.drop_table("courier_devices")
    with op.batch_alter_table("cod_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_cod_orders_courier_day")

    op.drop_table("cod_orders")
    op.drop_table("couriers")
