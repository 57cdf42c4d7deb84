"""Numbered migrations (storage/migrations/NNNN_name.sql), each applied once and recorded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

MIGRATION_NAME = re.compile(r"^(\d{4})_(\w+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Every migration shipped with Strikewatch, oldest first."""
    folder = resources.files("storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)
