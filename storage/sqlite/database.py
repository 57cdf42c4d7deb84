"""One aiosqlite connection shared by the store's parts: reads, and transactions that take turns."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from storage.errors import StoreError


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def iso(when: datetime | None) -> str:
    """An aware datetime as the store keeps it (UTC, ISO 8601); None means now."""
    return when.astimezone(UTC).isoformat(timespec="seconds") if when else now_iso()


class Database:
    """Driver errors become StoreError here, so nothing above storage sees sqlite3."""

    def __init__(self, db: aiosqlite.Connection, path: str) -> None:
        self.db = db
        self.path = path
        # One connection, many coroutines: transactions on it must take turns.
        self._write_lock = asyncio.Lock()

    async def fetch(
        self, sql: str, params: Iterable[Any] | dict[str, Any] = ()
    ) -> list[sqlite3.Row]:
        try:
            return list(await self.db.execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise StoreError(f"database {self.path}: {exc}") from exc

    def transaction(self) -> Transaction:
        return Transaction(self)


class Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error, so a write is whole or absent."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def __aenter__(self) -> aiosqlite.Connection:
        database = self._database
        await database._write_lock.acquire()
        try:
            await database.db.execute("BEGIN IMMEDIATE")
        except BaseException as exc:
            database._write_lock.release()
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"database {database.path}: {exc}") from exc
            raise
        return database.db

    async def __aexit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        db = self._database.db
        try:
            if exc is None:
                try:
                    await db.execute("COMMIT")
                except BaseException:
                    await db.execute("ROLLBACK")
                    raise
            else:
                await db.execute("ROLLBACK")
        except sqlite3.Error as error:
            raise StoreError(f"database {self._database.path}: {error}") from error
        finally:
            self._database._write_lock.release()
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"database {self._database.path}: {exc}") from exc
