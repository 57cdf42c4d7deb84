"""Where Strikewatch keeps its figures: the domain's ports (bot/domain/ports.py) over a database."""

from __future__ import annotations

from storage.errors import StoreError
from storage.sqlite.store import SQLiteStore

__all__ = ["SQLiteStore", "StoreError", "open_store"]


async def open_store(database_url: str) -> SQLiteStore:
    """Open (creating and migrating as needed) the store named by a SQLAlchemy-style URL."""
    if not database_url.startswith("sqlite:///"):
        raise StoreError(f"unsupported DATABASE_URL {database_url!r}: use sqlite:///path")
    return await SQLiteStore.open(database_url.removeprefix("sqlite:///"))
