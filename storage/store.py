"""The store: one engine (SQLite or PostgreSQL) and the domain's ports over it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from storage.engines import Engine
from storage.migrate import migrations
from storage.tables.alerts import Announcements, Outbox, Servers
from storage.tables.crossposts import Crossposts
from storage.tables.figures import Calendar, Releases
from storage.tables.roles import Roles
from storage.tables.source import Polls, Source, State
from storage.tables.unit import Unit
from storage.tables.workforce import WorkforceParts

# Every data table, with the order `dump` reads it in (tests compare dumps to prove nothing changed).
DATA_TABLES = (
    ("trusts", "org_code"),
    ("trust_aliases", "org_code, alias"),
    ("strike_periods", "id"),
    ("releases", "id"),
    ("figures", "release_id, org_code, day"),
    ("workforce_parts", "release_id"),
    ("workforce_days", "release_id, day"),
    ("staff_absent", "release_id, org_code, day"),
)


class SQLStore:
    """Everything Strikewatch keeps; callers never see SQL nor which engine holds it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.kind = engine.dialect
        self.name = engine.name
        self.calendar = Calendar(engine)
        self.releases = Releases(engine)
        self.workforce = WorkforceParts(engine)
        self.source = Source(engine)
        self.servers = Servers(engine)
        self.outbox = Outbox(engine)
        self.crossposts = Crossposts(engine)
        self.announcements = Announcements(engine)
        self.polls = Polls(engine)
        self.state = State(engine)
        self.roles = Roles(engine)

    @property
    def writes(self) -> int:
        return self.engine.writes

    async def close(self) -> None:
        await self.engine.close()

    async def __aenter__(self) -> SQLStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Unit]:
        # Serial: alert planning reads totals and announced thresholds, then writes; two
        # processes storing releases at once must not both decide on the same old totals.
        async with self.engine.transaction(serial=True) as session:
            yield Unit(session)

    async def pending_migrations(self) -> list[str]:
        """The migrations this version ships that the database has not applied yet."""
        done = await self.engine.applied()
        return [
            f"{m.version:04d}_{m.name}"
            for m in migrations(self.engine.dialect)
            if m.version not in done
        ]

    async def schema_version(self) -> int:
        found = await self.engine.fetch("SELECT max(version) FROM schema_migrations")
        return found[0][0] or 0

    async def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every stored row of the data tables, for tests that prove nothing changed."""
        return {
            table: [
                tuple(r) for r in await self.engine.fetch(f"SELECT * FROM {table} ORDER BY {order}")
            ]
            for table, order in DATA_TABLES
        }
