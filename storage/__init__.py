"""Where Strikewatch keeps its figures: the domain's ports (bot/domain/ports.py) over a database.

`sqlite:///path` (the default: one process, nothing to install) or `postgresql://...` (several
processes on several machines share it). Nothing above this package knows which one it has.
"""

from __future__ import annotations

from storage.engines import Engine
from storage.errors import StoreError
from storage.migrate import migrate
from storage.store import SQLStore

__all__ = ["SQLStore", "StoreError", "open_store"]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


async def open_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite:///"):
        from storage.engines.sqlite import SQLiteEngine

        return await SQLiteEngine.open(database_url.removeprefix("sqlite:///"))
    if database_url.startswith(POSTGRES_SCHEMES):
        from storage.engines.postgres import PostgresEngine

        return await PostgresEngine.open(database_url)
    raise StoreError(
        "unsupported DATABASE_URL: use sqlite:///path or postgresql://user:password@host:port/db"
    )


async def open_store(database_url: str, *, upgrade: bool = True) -> SQLStore:
    """Open the store named by the URL, applying the migrations it lacks (unless `upgrade` is
    False: `strikewatch doctor` looks without changing anything)."""
    engine = await open_engine(database_url)
    try:
        if upgrade:
            await migrate(engine)
    except BaseException:
        await engine.close()
        raise
    return SQLStore(engine)
