"""The SQLite store (aiosqlite, WAL): opens and migrates the file, and offers each port."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.errors import StoreError
from storage.migrate import migrations
from storage.sqlite.alerts import SQLiteAnnouncements, SQLiteOutbox, SQLiteServers
from storage.sqlite.database import Database, now_iso
from storage.sqlite.figures import SQLiteCalendar, SQLiteReleases
from storage.sqlite.source import SQLitePolls, SQLiteSource, SQLiteState
from storage.sqlite.unit import SQLiteUnit

# Every data table, with the order `dump` reads it in (tests compare dumps to prove nothing changed).
DATA_TABLES = (
    ("trusts", "org_code"),
    ("trust_aliases", "org_code, alias"),
    ("strike_periods", "id"),
    ("releases", "id"),
    ("figures", "release_id, org_code, day"),
)


class SQLiteStore:
    """Everything Strikewatch keeps, in one SQLite file; callers never see SQL."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self.path = database.path
        self.calendar = SQLiteCalendar(database)
        self.releases = SQLiteReleases(database)
        self.source = SQLiteSource(database)
        self.servers = SQLiteServers(database)
        self.outbox = SQLiteOutbox(database)
        self.announcements = SQLiteAnnouncements(database)
        self.polls = SQLitePolls(database)
        self.state = SQLiteState(database)

    @classmethod
    async def open(cls, path: str) -> SQLiteStore:
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from exc
        db.row_factory = sqlite3.Row
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA busy_timeout=10000")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA synchronous=NORMAL")
            await _migrate(db)
        except sqlite3.Error as exc:
            await db.close()
            raise StoreError(f"cannot use database {path}: {exc}") from exc
        return cls(Database(db, path))

    async def close(self) -> None:
        await self._database.db.close()

    async def __aenter__(self) -> SQLiteStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SQLiteUnit]:
        async with self._database.transaction() as db:
            yield SQLiteUnit(self._database, db)

    async def schema_version(self) -> int:
        found = await self._database.fetch("SELECT max(version) FROM schema_migrations")
        return found[0][0] or 0

    async def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every stored row of the data tables, for tests that prove nothing changed."""
        return {
            table: [
                tuple(r)
                for r in await self._database.fetch(f"SELECT * FROM {table} ORDER BY {order}")
            ]
            for table, order in DATA_TABLES
        }


async def _migrate(db: aiosqlite.Connection) -> None:
    await db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in await db.execute_fetchall("SELECT version FROM schema_migrations")}
    for migration in migrations():
        if migration.version in done:
            continue
        # executescript commits first, so the migration and its record share one explicit transaction.
        await db.executescript(
            f"BEGIN;\n{migration.sql}\nINSERT INTO schema_migrations VALUES"
            f" ({migration.version}, '{migration.name}', '{now_iso()}');\nCOMMIT;"
        )
