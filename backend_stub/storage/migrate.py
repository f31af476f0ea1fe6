"""Bring the schema to the newest revision; run by every command before it touches data.

The whole upgrade is one transaction that first takes a lock (SQLite's write
lock through ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock), so instances
starting together on one database migrate it once, in turn.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from .db import Database

__all__ = ["MIGRATIONS_DIR", "alembic_config", "upgrade"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_ADVISORY_LOCK_KEY = 0x5CA9_9A7  # any constant shared by all instances


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(db: Database) -> None:
    config = alembic_config()
    with db.write() as conn:
        if not db.is_sqlite:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
        config.attributes["connection"] = conn
        command.upgrade(config, "heads")
