"""The publication page and its spreadsheet links, the poll log and the bot's own state, in SQLite."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.domain.records import Document, DocumentState, PollRecord
from storage.sqlite import rows
from storage.sqlite.database import Database, now_iso

RECORD_DOCUMENT = (
    "UPDATE documents SET status = :status, error = :error, checked_at = :checked_at,"
    " etag = :etag, last_modified = :last_modified, sha256 = :sha256 WHERE url = :url"
)
RECORD_OUTCOME_ONLY = "UPDATE documents SET status = :status, error = :error, checked_at = :checked_at WHERE url = :url"


def document_params(state: DocumentState) -> dict[str, Any]:
    return {
        "url": state.url,
        "status": str(state.status),
        "error": state.error,
        "checked_at": now_iso(),
        "etag": state.etag,
        "last_modified": state.last_modified,
        "sha256": state.sha256,
    }


class SQLiteSource:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def page_validators(self, url: str) -> tuple[str | None, str | None]:
        found = await self._db.fetch(
            "SELECT etag, last_modified FROM page_state WHERE url = ?", (url,)
        )
        return (found[0][0], found[0][1]) if found else (None, None)

    async def save_page(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        links: Sequence[tuple[str, str]],
    ) -> None:
        """Remember the page's validators and its spreadsheet links, in one transaction."""
        now = now_iso()
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO page_state (url, etag, last_modified, fetched_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
                " last_modified = excluded.last_modified, fetched_at = excluded.fetched_at",
                (url, etag, last_modified, now),
            )
            await db.execute("UPDATE documents SET listed = 0")
            await db.executemany(
                "INSERT INTO documents (url, link_text, first_seen, last_seen, listed) VALUES (?, ?, ?, ?, 1)"
                " ON CONFLICT (url) DO UPDATE SET link_text = excluded.link_text,"
                " last_seen = excluded.last_seen, listed = 1",
                [(href, text, now, now) for href, text in links],
            )

    async def documents(self, *, listed_only: bool = True) -> list[Document]:
        where = " WHERE listed = 1" if listed_only else ""
        found = await self._db.fetch(f"SELECT * FROM documents{where} ORDER BY first_seen, url")
        return [rows.document(r) for r in found]

    async def record_document(self, state: DocumentState, *, keep_validators: bool = False) -> None:
        """The outcome of fetching one spreadsheet (a 304, a failure or a download)."""
        async with self._db.transaction() as db:
            await db.execute(
                RECORD_OUTCOME_ONLY if keep_validators else RECORD_DOCUMENT, document_params(state)
            )


class SQLitePolls:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def start(self) -> int:
        async with self._db.transaction() as db:
            cursor = await db.execute("INSERT INTO polls (started_at) VALUES (?)", (now_iso(),))
        return cursor.lastrowid  # type: ignore[return-value]

    async def finish(
        self, poll_id: int, *, ok: bool, summary: dict[str, Any], error: str | None
    ) -> None:
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE polls SET finished_at = ?, ok = ?, summary = ?, error = ? WHERE id = ?",
                (now_iso(), int(ok), json.dumps(summary), error, poll_id),
            )

    async def last(self, limit: int = 5) -> list[PollRecord]:
        found = await self._db.fetch("SELECT * FROM polls ORDER BY id DESC LIMIT ?", (limit,))
        return [rows.poll(r) for r in found]


class SQLiteState:
    """Small facts the bot keeps between starts (e.g. the hash of the last synced command tree)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, key: str) -> str | None:
        found = await self._db.fetch("SELECT value FROM bot_state WHERE key = ?", (key,))
        return found[0][0] if found else None

    async def set(self, key: str, value: str) -> None:
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO bot_state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
