"""The two database engines behind the store, and the one interface the tables code is written to.

The tables (storage/tables/) are written once, in SQL both engines run: `?` placeholders, `ON
CONFLICT` upserts, `RETURNING`. Each engine turns that into its driver's calls and its driver's
errors into StoreError. Both schemas hold the same values (ISO 8601 text for dates and times,
integers for flags and ids), so a row read from one can be written to the other as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime
from typing import Any, Protocol


class Row(Protocol):
    """A result row: by position or by column name (sqlite3.Row and asyncpg.Record both are)."""

    def __getitem__(self, key: int | str) -> Any: ...
    def keys(self) -> Iterable[str]: ...


class Session(Protocol):
    """Statements on one engine: each alone, or all inside one transaction."""

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...
    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Many new rows at once, by the engine's fastest way (PostgreSQL: COPY)."""
        ...


class Engine(Session, Protocol):
    dialect: str  # "sqlite" or "postgres": picks the migration files that differ
    name: str  # the database as messages name it (never with a password)
    # Writes this process committed through the engine: a free in-process "something changed".
    writes: int

    def transaction(self, *, serial: bool = False) -> AbstractAsyncContextManager[Session]:
        """One transaction. `serial`: also wait for every other serial transaction in the
        deployment, so decisions that read, then write (alert planning) never interleave."""
        ...

    async def migrate(self, version: int, name: str, sql: str) -> None:
        """Apply one migration script and record it, in one transaction."""
        ...

    async def applied(self) -> set[int]: ...
    async def continue_ids(self, session: Session, table: str) -> None:
        """After rows were inserted with their ids, new rows get ids after the highest."""
        ...

    async def clock_ms(self) -> int:
        """Milliseconds since the epoch by the database's clock: every process shares it."""
        ...

    async def close(self) -> None: ...


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def iso(when: datetime | None) -> str:
    """An aware datetime as the store keeps it (UTC, ISO 8601); None means now."""
    return when.astimezone(UTC).isoformat(timespec="seconds") if when else now_iso()


class IsoDays(dict[date | None, str]):
    """Day -> the ISO text the store keeps ('' for no day), each worked out once: a release's
    thousand rows share a handful of days."""

    def __missing__(self, day: date | None) -> str:
        text = self[day] = day.isoformat() if day else ""
        return text


def as_dict(row: Row) -> Mapping[str, Any]:
    return {key: row[key] for key in row.keys()}
