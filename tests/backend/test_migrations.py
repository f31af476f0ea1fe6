"""The migrations chain to one head and build the declared schema, on SQLite and PostgreSQL.

Each branch adds a revision after the newest on ``main``; a second head, a
revision that skips its parent, or a downgrade that does not undo its upgrade
breaks ``serve`` on a database somebody already has.
"""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from backend_stub.storage.db import Database
from backend_stub.storage.migrate import alembic_config, upgrade
from backend_stub.storage.schema import metadata
from tests.harness import PostgresServer, unique


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_db(request: pytest.FixtureRequest, tmp_path) -> Database:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        postgres: PostgresServer = request.getfixturevalue("postgres")
        url = postgres.create_database(unique("migrations"))
    return Database(url)


def _current(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def test_one_head_reached_from_empty_and_from_the_previous_revision(fresh_db):
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    heads = script.get_heads()
    assert len(heads) == 1, f"the migrations have more than one head: {heads}"
    head = heads[0]
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)
    try:
        upgrade(fresh_db)
        assert _current(fresh_db) == {head}
        with fresh_db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
        with fresh_db.write() as conn:  # the newest revision undoes cleanly, and comes back
            config.attributes["connection"] = conn
            command.downgrade(config, previous)
        assert _current(fresh_db) == {previous}
        upgrade(fresh_db)
        assert _current(fresh_db) == {head}
    finally:
        fresh_db.dispose()
