"""Alembic migrations of the backend's schema, applied at start-up (package data)."""
