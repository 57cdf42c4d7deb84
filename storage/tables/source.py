"""The publication page and its spreadsheet links, the poll log and the bot's own state."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.records import Document, DocumentState, PollRecord
from storage.engines import Engine, Session, now_iso
from storage.tables import rows

OUTCOME = "status = ?, error = ?, checked_at = ?"
VALIDATORS = ", etag = ?, last_modified = ?, sha256 = ?"


async def record_document(
    session: Session, state: DocumentState, *, keep_validators: bool = False
) -> None:
    """The outcome of fetching one spreadsheet; with its new validators unless told to keep them."""
    params: list[Any] = [str(state.status), state.error, now_iso()]
    assignments = OUTCOME
    if not keep_validators:
        assignments += VALIDATORS
        params += [state.etag, state.last_modified, state.sha256]
    await session.execute(f"UPDATE documents SET {assignments} WHERE url = ?", [*params, state.url])


class Source:
    def __init__(self, database: Engine) -> None:
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
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO page_state (url, etag, last_modified, fetched_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
                " last_modified = excluded.last_modified, fetched_at = excluded.fetched_at",
                (url, etag, last_modified, now),
            )
            await tx.execute("UPDATE documents SET listed = 0")
            await tx.executemany(
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
        await record_document(self._db, state, keep_validators=keep_validators)


class Polls:
    def __init__(self, database: Engine) -> None:
        self._db = database

    async def start(self) -> int:
        found = await self._db.fetch(
            "INSERT INTO polls (started_at) VALUES (?) RETURNING id", (now_iso(),)
        )
        return found[0][0]

    async def finish(
        self, poll_id: int, *, ok: bool, summary: dict[str, Any], error: str | None
    ) -> None:
        await self._db.execute(
            "UPDATE polls SET finished_at = ?, ok = ?, summary = ?, error = ? WHERE id = ?",
            (now_iso(), int(ok), json.dumps(summary), error, poll_id),
        )

    async def last(self, limit: int = 5) -> list[PollRecord]:
        found = await self._db.fetch("SELECT * FROM polls ORDER BY id DESC LIMIT ?", (limit,))
        return [rows.poll(r) for r in found]

    async def last_success(self) -> datetime | None:
        """When the last poll that completed finished, by any process or by cron."""
        found = await self._db.fetch("SELECT max(finished_at) AS at FROM polls WHERE ok = 1")
        return datetime.fromisoformat(found[0]["at"]) if found[0]["at"] else None


class State:
    """Small facts the bot keeps between starts (e.g. the hash of the last synced command tree)."""

    def __init__(self, database: Engine) -> None:
        self._db = database

    async def get(self, key: str) -> str | None:
        found = await self._db.fetch("SELECT value FROM bot_state WHERE key = ?", (key,))
        return found[0][0] if found else None

    async def set(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO bot_state (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
