"""Alembic environment: always run through :func:`backend_stub.storage.migrate.upgrade`.

The caller passes an open connection (inside its transaction) in
``config.attributes["connection"]``, so the upgrade is one transaction that
also holds the lock that keeps two starting instances from racing.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from backend_stub.storage.schema import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "run migrations with backend_stub.storage.migrate.upgrade(), not the alembic CLI"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
