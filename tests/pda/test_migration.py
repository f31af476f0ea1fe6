"""The migrations build exactly the tables `backend_stub.storage.schema` declares (COD ones too)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from backend_stub.storage.db import Database
from backend_stub.storage.migrate import upgrade
from backend_stub.storage.schema import cod_orders, courier_devices, couriers, metadata


def test_upgrading_a_fresh_database_leaves_nothing_to_autogenerate(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        upgrade(db)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
            tables = set(conn.dialect.get_table_names(conn))
        assert {couriers.name, courier_devices.name, cod_orders.name} <= tables
    finally:
        db.dispose()
