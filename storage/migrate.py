"""Numbered migrations (storage/migrations/NNNN_name.sql), each applied once and recorded.

One runner for both engines. A migration whose SQL must differ on PostgreSQL has a file of the
same number and name in storage/migrations/postgres/; the others are shared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from storage.engines import Engine

MIGRATION_NAME = re.compile(r"^(\d{4})_(\w+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def _read(folder) -> dict[int, Migration]:
    found = {}
    for entry in folder.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            version = int(match[1])
            found[version] = Migration(version, match[2], entry.read_text(encoding="utf-8"))
    return found


def migrations(dialect: str = "sqlite") -> list[Migration]:
    """Every migration shipped with Strikewatch for this engine, oldest first."""
    folder = resources.files("storage") / "migrations"
    found = _read(folder)
    if dialect != "sqlite":
        own = _read(folder / dialect)
        for version, migration in own.items():
            if version not in found or found[version].name != migration.name:
                raise RuntimeError(f"{dialect} migration {version:04d} has no shared counterpart")
        found.update(own)
    return sorted(found.values(), key=lambda m: m.version)


async def migrate(engine: Engine) -> None:
    """Apply what this database lacks, in order; a failing one is rolled back whole."""
    done = await engine.applied()
    for migration in migrations(engine.dialect):
        if migration.version not in done:
            await engine.migrate(migration.version, migration.name, migration.sql)
