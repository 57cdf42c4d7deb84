"""SQLite store (aiosqlite, WAL): migrations, trusts, strike periods, releases and their figures."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.domain.records import Document, Figures, Release, StrikePeriod, Trust
from storage.alerts import AlertStore

MIGRATION_NAME = re.compile(r"^(\d{4})_(\w+)\.sql$")


class StoreError(Exception):
    """The database cannot be opened or written; the message says which file and why."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _period(row: sqlite3.Row) -> StrikePeriod:
    return StrikePeriod(
        id=row["id"],
        start=date.fromisoformat(row["start_date"]),
        end=date.fromisoformat(row["end_date"]),
        staff_groups=row["staff_groups"],
        unions=row["unions"],
        scope=row["scope"],
        national_inpatient=row["national_inpatient"],
        national_outpatient=row["national_outpatient"],
        national_total=row["national_total"],
        origin=row["origin"],
    )


def _release(row: sqlite3.Row) -> Release:
    return Release(
        id=row["id"],
        url=row["url"],
        link_text=row["link_text"],
        fetched_at=row["fetched_at"],
        published=date.fromisoformat(row["published"]),
        sha256=row["sha256"],
        status=row["status"],
        error=row["error"],
        period_id=row["period_id"],
        sheet=row["sheet"],
        shape=row["shape"],
        england_inpatient=row["england_inpatient"],
        england_outpatient=row["england_outpatient"],
        validation=row["validation"],
    )


def _document(row: sqlite3.Row) -> Document:
    return Document(
        url=row["url"],
        link_text=row["link_text"],
        listed=bool(row["listed"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        sha256=row["sha256"],
        status=row["status"],
        error=row["error"],
        checked_at=row["checked_at"],
    )


class SQLiteStore(AlertStore):
    """Every read and write Strikewatch makes; callers never see SQL."""

    def __init__(self, db: aiosqlite.Connection, path: str) -> None:
        self._db = db
        self.path = path
        # One connection, many coroutines: transactions on it must take turns.
        self._write_lock = asyncio.Lock()

    # -- life cycle -----------------------------------------------------------------------

    @classmethod
    async def open(cls, path: str) -> SQLiteStore:
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from exc
        db.row_factory = sqlite3.Row
        store = cls(db, path)
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA busy_timeout=10000")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA synchronous=NORMAL")
            await store._migrate()
        except sqlite3.Error as exc:
            await db.close()
            raise StoreError(f"cannot use database {path}: {exc}") from exc
        return store

    async def close(self) -> None:
        await self._db.close()

    def _tx(self) -> _Tx:
        return _Tx(self._db, self._write_lock)

    async def __aenter__(self) -> SQLiteStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _migrate(self) -> None:
        await self._db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {
            row[0]
            for row in await self._db.execute_fetchall("SELECT version FROM schema_migrations")
        }
        folder = resources.files("storage") / "migrations"
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            match = MIGRATION_NAME.match(entry.name)
            if not match or int(match[1]) in done:
                continue
            version, name = int(match[1]), match[2]
            # executescript commits first, so the migration and its record share one explicit transaction.
            await self._db.executescript(
                "BEGIN;\n"
                + entry.read_text(encoding="utf-8")
                + f"\nINSERT INTO schema_migrations VALUES ({version}, '{name}', '{_now()}');\nCOMMIT;"
            )

    async def schema_version(self) -> int:
        rows = await self._db.execute_fetchall("SELECT max(version) FROM schema_migrations")
        return rows[0][0] or 0

    # -- seed data ----------------------------------------------------------------------------

    async def seed(self, periods: Iterable[dict[str, Any]], trusts: Iterable[Trust]) -> None:
        """Load the shipped calendar and trust directory; names a release gave are kept."""
        async with self._tx() as db:
            await db.executemany(
                "INSERT INTO trusts (org_code, name, region) VALUES (?, ?, ?)"
                " ON CONFLICT (org_code) DO UPDATE SET region = coalesce(trusts.region, excluded.region)",
                [(t.org_code, t.name, t.region) for t in trusts],
            )
            await db.executemany(
                "INSERT INTO strike_periods (start_date, end_date, staff_groups, unions, scope,"
                " national_inpatient, national_outpatient, national_total, source_url, origin)"
                " VALUES (:start, :end, :staff_groups, :unions, :scope, :inpatient, :outpatient,"
                " :total, :source_url, 'calendar')"
                " ON CONFLICT (start_date, end_date) DO UPDATE SET staff_groups = excluded.staff_groups,"
                " unions = excluded.unions, scope = excluded.scope,"
                " national_inpatient = excluded.national_inpatient,"
                " national_outpatient = excluded.national_outpatient,"
                " national_total = excluded.national_total, source_url = excluded.source_url,"
                " origin = 'calendar'",
                [
                    {**p, "start": p["start"].isoformat(), "end": p["end"].isoformat()}
                    for p in periods
                ],
            )

    # -- trusts and periods -------------------------------------------------------------------

    async def trusts(self) -> list[Trust]:
        aliases: dict[str, list[str]] = {}
        for row in await self._db.execute_fetchall(
            "SELECT org_code, alias FROM trust_aliases ORDER BY alias"
        ):
            aliases.setdefault(row[0], []).append(row[1])
        rows = await self._db.execute_fetchall(
            "SELECT org_code, name, region FROM trusts ORDER BY name"
        )
        return [Trust(r[0], r[1], r[2], tuple(aliases.get(r[0], ()))) for r in rows]

    async def periods(self) -> list[StrikePeriod]:
        rows = await self._db.execute_fetchall(
            "SELECT * FROM strike_periods ORDER BY start_date, end_date"
        )
        return [_period(r) for r in rows]

    # -- the publication page and its spreadsheets ----------------------------------------------

    async def page_validators(self, url: str) -> tuple[str | None, str | None]:
        rows = await self._db.execute_fetchall(
            "SELECT etag, last_modified FROM page_state WHERE url = ?", (url,)
        )
        return (rows[0][0], rows[0][1]) if rows else (None, None)

    async def save_page(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        links: Sequence[tuple[str, str]],
    ) -> None:
        """Remember the page's validators and its spreadsheet links, in one transaction."""
        now = _now()
        async with self._tx() as db:
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
        sql = (
            "SELECT * FROM documents"
            + (" WHERE listed = 1" if listed_only else "")
            + " ORDER BY first_seen, url"
        )
        return [_document(r) for r in await self._db.execute_fetchall(sql)]

    async def record_document(
        self,
        url: str,
        *,
        status: str,
        error: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        sha256: str | None = None,
        keep_validators: bool = False,
    ) -> None:
        """The outcome of fetching one spreadsheet (a 304, a failure or a download)."""
        if keep_validators:
            sql = "UPDATE documents SET status = ?, error = ?, checked_at = ? WHERE url = ?"
            params: tuple[Any, ...] = (status, error, _now(), url)
        else:
            sql = (
                "UPDATE documents SET status = ?, error = ?, checked_at = ?, etag = ?,"
                " last_modified = ?, sha256 = ? WHERE url = ?"
            )
            params = (status, error, _now(), etag, last_modified, sha256, url)
        async with self._tx() as db:
            await db.execute(sql, params)

    # -- releases -------------------------------------------------------------------------------

    async def data_stamp(self) -> tuple:
        """Changes whenever figures or trust names change, so cached answers know when to refresh."""
        rows = await self._db.execute_fetchall(
            "SELECT (SELECT max(id) FROM releases), (SELECT count(*) FROM releases WHERE status = 'ingested'),"
            " (SELECT max(fetched_at) FROM releases), (SELECT count(*) FROM trust_aliases),"
            " (SELECT count(*) FROM strike_periods)"
        )
        return tuple(rows[0])

    async def release_with_sha(self, sha256: str) -> Release | None:
        rows = await self._db.execute_fetchall(
            "SELECT * FROM releases WHERE sha256 = ? ORDER BY status = 'ingested' DESC, id DESC LIMIT 1",
            (sha256,),
        )
        return _release(rows[0]) if rows else None

    async def add_release(
        self,
        release: dict[str, Any],
        figures: Sequence[tuple[str, date | None, int | None, int | None]] = (),
        trust_names: dict[str, tuple[str | None, str | None]] | None = None,
        document: dict[str, Any] | None = None,
        new_period: tuple[date, date] | None = None,
    ) -> Release:
        """Store a release whole (row, figures, trust names, new period, document state) or not at all.

        The same bytes at the same URL update the earlier row (a skipped file tried again).
        """
        published = release["published"].isoformat()
        async with self._tx() as db:
            ingested = release["status"] == "ingested"
            if ingested:
                audience, before = await self._plan_before(db)
            if new_period is not None:
                start, end = (d.isoformat() for d in new_period)
                await db.execute(
                    "INSERT INTO strike_periods (start_date, end_date, origin) VALUES (?, ?, 'release')"
                    " ON CONFLICT (start_date, end_date) DO NOTHING",
                    (start, end),
                )
                rows = await db.execute_fetchall(
                    "SELECT id FROM strike_periods WHERE start_date = ? AND end_date = ?",
                    (start, end),
                )
                release = {**release, "period_id": rows[0][0]}
            returned = await db.execute_fetchall(
                "INSERT INTO releases (url, link_text, fetched_at, published, sha256, etag, last_modified,"
                " size_bytes, status, error, period_id, sheet, shape, england_inpatient,"
                " england_outpatient, validation) VALUES (:url, :link_text, :fetched_at, :published,"
                " :sha256, :etag, :last_modified, :size_bytes, :status, :error, :period_id, :sheet,"
                " :shape, :england_inpatient, :england_outpatient, :validation)"
                " ON CONFLICT (url, sha256) DO UPDATE SET link_text = excluded.link_text,"
                " fetched_at = excluded.fetched_at, published = excluded.published, etag = excluded.etag,"
                " last_modified = excluded.last_modified, size_bytes = excluded.size_bytes,"
                " status = excluded.status, error = excluded.error, period_id = excluded.period_id,"
                " sheet = excluded.sheet, shape = excluded.shape,"
                " england_inpatient = excluded.england_inpatient,"
                " england_outpatient = excluded.england_outpatient, validation = excluded.validation"
                " RETURNING *",
                {
                    "link_text": "",
                    "fetched_at": _now(),
                    "etag": None,
                    "last_modified": None,
                    "size_bytes": None,
                    "error": None,
                    "period_id": None,
                    "sheet": None,
                    "shape": None,
                    "england_inpatient": None,
                    "england_outpatient": None,
                    "validation": "ok",
                    **release,
                    "published": published,
                },
            )
            stored = _release(returned[0])
            if (
                figures
            ):  # the same bytes may have been stored before as skipped: keep one set of rows
                await db.execute("DELETE FROM figures WHERE release_id = ?", (stored.id,))
            release_id = stored.id
            await db.executemany(
                "INSERT INTO figures (release_id, org_code, day, inpatient, outpatient) VALUES (?, ?, ?, ?, ?)",
                [
                    (release_id, code, day.isoformat() if day else "", ip, op)
                    for code, day, ip, op in figures
                ],
            )
            if trust_names:
                await self._name_trusts(db, trust_names, published)
            if document is not None:
                await db.execute(
                    "UPDATE documents SET status = :status, error = :error, checked_at = :checked_at,"
                    " etag = :etag, last_modified = :last_modified, sha256 = :sha256 WHERE url = :url",
                    {
                        "checked_at": _now(),
                        "error": None,
                        "etag": None,
                        "last_modified": None,
                        **document,
                    },
                )
            if ingested and (audience or stored.validation != "ok"):
                await self._plan_release(db, stored.id, audience, before)
        return stored

    @staticmethod
    async def _name_trusts(
        db: aiosqlite.Connection, names: dict[str, tuple[str | None, str | None]], as_of: str
    ) -> None:
        """Key on the org code; the newest release's name wins and older names become aliases."""
        known = {
            r[0]: (r[1], r[2], r[3])
            for r in await db.execute_fetchall(
                "SELECT org_code, name, name_as_of, region FROM trusts"
            )
        }
        inserts, renames, aliases, regions = [], [], [], []
        for code, (name, region) in names.items():
            if code not in known:
                inserts.append((code, name or code, region, as_of))
                continue
            current, current_as_of, current_region = known[code]
            if region and not current_region:
                regions.append((region, code))
            if not name or name == current:
                continue
            if as_of >= current_as_of:
                renames.append((name, as_of, code))
                aliases.append((code, current))
            else:
                aliases.append((code, name))
        if inserts:
            await db.executemany(
                "INSERT INTO trusts (org_code, name, region, name_as_of) VALUES (?, ?, ?, ?)",
                inserts,
            )
        if renames:
            await db.executemany(
                "UPDATE trusts SET name = ?, name_as_of = ? WHERE org_code = ?", renames
            )
        if aliases:
            await db.executemany("INSERT OR IGNORE INTO trust_aliases VALUES (?, ?)", aliases)
        if regions:
            await db.executemany("UPDATE trusts SET region = ? WHERE org_code = ?", regions)

    async def releases(
        self, *, period_id: int | None = None, url: str | None = None
    ) -> list[Release]:
        sql, params = "SELECT * FROM releases WHERE 1 = 1", []
        if period_id is not None:
            sql += " AND period_id = ?"
            params.append(period_id)
        if url is not None:
            sql += " AND url = ?"
            params.append(url)
        rows = await self._db.execute_fetchall(sql + " ORDER BY published, id", params)
        return [_release(r) for r in rows]

    async def current_release(self, period_id: int) -> Release | None:
        rows = await self._db.execute_fetchall(
            "SELECT * FROM releases WHERE period_id = ? AND status = 'ingested' ORDER BY published DESC, id DESC LIMIT 1",
            (period_id,),
        )
        return _release(rows[0]) if rows else None

    async def current_releases(self) -> list[tuple[Release, int]]:
        """Each period's latest ingested release, with how many versions the period has."""
        rows = await self._db.execute_fetchall(
            "SELECT * FROM current_releases ORDER BY published, id"
        )
        return [(_release(r), r["versions"]) for r in rows]

    # -- figures ----------------------------------------------------------------------------------

    async def trust_figures(
        self, org_code: str, release_ids: Sequence[int]
    ) -> dict[int, list[tuple[date | None, Figures]]]:
        """A trust's rows in the given releases, per release, by day."""
        if not release_ids:
            return {}
        marks = ",".join("?" * len(release_ids))
        rows = await self._db.execute_fetchall(
            f"SELECT release_id, day, inpatient, outpatient FROM figures"
            f" WHERE org_code = ? AND release_id IN ({marks}) ORDER BY release_id, day",
            (org_code, *release_ids),
        )
        out: dict[int, list[tuple[date | None, Figures]]] = {}
        for r in rows:
            day = date.fromisoformat(r[1]) if r[1] else None
            out.setdefault(r[0], []).append((day, Figures(r[2], r[3])))
        return out

    async def release_totals(self, release_ids: Sequence[int]) -> dict[int, dict[str, Figures]]:
        """Per release, every trust's figures summed over its days (SUM of only NULLs stays NULL)."""
        if not release_ids:
            return {}
        marks = ",".join("?" * len(release_ids))
        rows = await self._db.execute_fetchall(
            f"SELECT release_id, org_code, sum(inpatient), sum(outpatient) FROM figures"
            f" WHERE release_id IN ({marks}) GROUP BY release_id, org_code",
            tuple(release_ids),
        )
        out: dict[int, dict[str, Figures]] = {}
        for r in rows:
            out.setdefault(r[0], {})[r[1]] = Figures(r[2], r[3])
        return out

    async def release_sums(self, release_ids: Sequence[int]) -> dict[int, Figures]:
        """Per release, the sum of all its trust rows (England's figures)."""
        if not release_ids:
            return {}
        marks = ",".join("?" * len(release_ids))
        rows = await self._db.execute_fetchall(
            f"SELECT release_id, sum(inpatient), sum(outpatient) FROM figures"
            f" WHERE release_id IN ({marks}) GROUP BY release_id",
            tuple(release_ids),
        )
        return {r[0]: Figures(r[1], r[2]) for r in rows}

    # -- the bot's own state ----------------------------------------------------------------------

    async def get_state(self, key: str) -> str | None:
        rows = await self._db.execute_fetchall("SELECT value FROM bot_state WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    async def set_state(self, key: str, value: str) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO bot_state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- polls ----------------------------------------------------------------------------------

    async def start_poll(self) -> int:
        async with self._tx() as db:
            cursor = await db.execute("INSERT INTO polls (started_at) VALUES (?)", (_now(),))
        return cursor.lastrowid  # type: ignore[return-value]

    async def finish_poll(
        self, poll_id: int, *, ok: bool, summary: dict[str, Any], error: str | None
    ) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE polls SET finished_at = ?, ok = ?, summary = ?, error = ? WHERE id = ?",
                (_now(), int(ok), json.dumps(summary), error, poll_id),
            )

    async def last_polls(self, limit: int = 5) -> list[dict[str, Any]]:
        rows = await self._db.execute_fetchall(
            "SELECT * FROM polls ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [
            {
                "started_at": r["started_at"],
                "finished_at": r["finished_at"],
                "ok": None if r["ok"] is None else bool(r["ok"]),
                "summary": json.loads(r["summary"]) if r["summary"] else None,
                "error": r["error"],
            }
            for r in rows
        ]

    async def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every stored row of the data tables, for tests that prove nothing changed."""
        out = {}
        for table, order in (
            ("trusts", "org_code"),
            ("trust_aliases", "org_code, alias"),
            ("strike_periods", "id"),
            ("releases", "id"),
            ("figures", "release_id, org_code, day"),
        ):
            rows = await self._db.execute_fetchall(f"SELECT * FROM {table} ORDER BY {order}")
            out[table] = [tuple(r) for r in rows]
        return out


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error, so a write is whole or absent."""

    def __init__(self, db: aiosqlite.Connection, lock: asyncio.Lock) -> None:
        self._db = db
        self._lock = lock

    async def __aenter__(self) -> aiosqlite.Connection:
        await self._lock.acquire()
        try:
            await self._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        return self._db

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                try:
                    await self._db.execute("COMMIT")
                except BaseException:
                    await self._db.execute("ROLLBACK")
                    raise
            else:
                await self._db.execute("ROLLBACK")
        finally:
            self._lock.release()
