"""Persistence of sessions (SQLAlchemy: SQLite by default, any URL via ``SIMULATOR_DB_URL``)."""

from __future__ import annotations

from simulator.store.store import (
    SessionNotFoundError,
    SessionStore,
    SessionSummary,
    StoredSession,
    StoreError,
    database_url,
)

__all__ = [
    "SessionNotFoundError",
    "SessionStore",
    "SessionSummary",
    "StoreError",
    "StoredSession",
    "database_url",
]
