"""Where Strikewatch keeps its figures: a small interface over the database, SQL stays inside."""

from __future__ import annotations

from storage.sqlite import SQLiteStore, StoreError

__all__ = ["SQLiteStore", "StoreError", "open_store"]


async def open_store(database_url: str) -> SQLiteStore:
    """Open (creating and migrating as needed) the store named by a SQLAlchemy-style URL."""
    if not database_url.startswith("sqlite:///"):
        raise StoreError(f"unsupported DATABASE_URL {database_url!r}: use sqlite:///path")
    return await SQLiteStore.open(database_url.removeprefix("sqlite:///"))
