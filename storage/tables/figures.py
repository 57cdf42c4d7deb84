"""The strike calendar, trusts, releases and their figures."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from bot.domain.records import CalendarEntry, FigureRow, Release, StrikePeriod, Trust
from storage.engines import Engine, Session
from storage.tables import rows


def one_of(column: str, values: Sequence[object]) -> str:
    """`column IN (?, ?, ...)`; with no values, a condition that holds for no row (PostgreSQL
    refuses an empty IN list)."""
    return f"{column} IN ({','.join('?' * len(values))})" if values else "1 = 0"


class Calendar:
    def __init__(self, database: Engine) -> None:
        self._db = database

    async def periods(self) -> list[StrikePeriod]:
        found = await self._db.fetch("SELECT * FROM strike_periods ORDER BY start_date, end_date")
        return [rows.period(r) for r in found]

    async def trusts(self) -> list[Trust]:
        aliases: dict[str, list[str]] = {}
        for code, alias in await self._db.fetch(
            "SELECT org_code, alias FROM trust_aliases ORDER BY alias"
        ):
            aliases.setdefault(code, []).append(alias)
        found = await self._db.fetch("SELECT org_code, name, region FROM trusts ORDER BY name")
        return [Trust(r[0], r[1], r[2], tuple(aliases.get(r[0], ()))) for r in found]

    async def seed(self, entries: Iterable[CalendarEntry], trusts: Iterable[Trust]) -> None:
        """Load the shipped calendar and trust directory; names a release gave are kept."""
        async with self._db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO trusts (org_code, name, region) VALUES (?, ?, ?)"
                " ON CONFLICT (org_code) DO UPDATE SET region = coalesce(trusts.region, excluded.region)",
                [(t.org_code, t.name, t.region) for t in trusts],
            )
            await tx.executemany(
                "INSERT INTO strike_periods (start_date, end_date, staff_groups, unions, scope,"
                " national_inpatient, national_outpatient, national_total, source_url, origin)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'calendar')"
                " ON CONFLICT (start_date, end_date) DO UPDATE SET staff_groups = excluded.staff_groups,"
                " unions = excluded.unions, scope = excluded.scope,"
                " national_inpatient = excluded.national_inpatient,"
                " national_outpatient = excluded.national_outpatient,"
                " national_total = excluded.national_total, source_url = excluded.source_url,"
                " origin = 'calendar'",
                [
                    (
                        e.start.isoformat(),
                        e.end.isoformat(),
                        e.staff_groups,
                        e.unions,
                        e.scope,
                        e.national.inpatient,
                        e.national.outpatient,
                        e.national_total,
                        e.source_url,
                    )
                    for e in entries
                ],
            )


class Releases:
    def __init__(self, database: Engine) -> None:
        self._db = database

    async def with_sha(self, sha256: str) -> Release | None:
        found = await self._db.fetch(
            "SELECT * FROM releases WHERE sha256 = ? ORDER BY status = 'ingested' DESC, id DESC LIMIT 1",
            (sha256,),
        )
        return rows.release(found[0]) if found else None

    async def list(self, *, period_id: int | None = None, url: str | None = None) -> list[Release]:
        sql, params = "SELECT * FROM releases WHERE 1 = 1", []
        if period_id is not None:
            sql += " AND period_id = ?"
            params.append(period_id)
        if url is not None:
            sql += " AND url = ?"
            params.append(url)
        return [
            rows.release(r) for r in await self._db.fetch(sql + " ORDER BY published, id", params)
        ]

    async def ingested(self) -> list[Release]:
        found = await self._db.fetch(
            "SELECT * FROM releases WHERE status = 'ingested' ORDER BY published, id"
        )
        return [rows.release(r) for r in found]

    async def figures(
        self, release_ids: Sequence[int], org_codes: Sequence[str] | None = None
    ) -> list[FigureRow]:
        return await read_figures(self._db, release_ids, org_codes)

    async def data_stamp(self) -> tuple:
        """Changes whenever figures or trust names change, so cached answers know when to refresh."""
        found = await self._db.fetch(
            "SELECT (SELECT max(id) FROM releases), (SELECT count(*) FROM releases WHERE status = 'ingested'),"
            " (SELECT max(fetched_at) FROM releases), (SELECT count(*) FROM trust_aliases),"
            " (SELECT count(*) FROM strike_periods)"
        )
        return tuple(found[0])


async def rows_of_releases(
    database: Session,
    table: str,
    columns: str,
    release_ids: Sequence[int],
    org_codes: Sequence[str] | None = None,
) -> list[tuple]:
    """Per-trust, per-day rows of `table` (`release_id, org_code, day` first, then `columns`) for
    the releases (and trusts), as reported and in that order, with each day read once as a date
    ("" is no day: None)."""
    if not release_ids:
        return []
    sql = (
        f"SELECT release_id, org_code, day, {columns} FROM {table}"
        f" WHERE {one_of('release_id', release_ids)}"
    )
    params: list[object] = list(release_ids)
    if org_codes is not None:
        sql += f" AND {one_of('org_code', org_codes)}"
        params += list(org_codes)
    days: dict[str, date | None] = {"": None}
    out = []
    for r in await database.fetch(sql + " ORDER BY release_id, org_code, day", params):
        if r[2] not in days:
            days[r[2]] = date.fromisoformat(r[2])
        out.append((r[0], r[1], days[r[2]], *tuple(r)[3:]))
    return out


async def read_figures(
    database: Session, release_ids: Sequence[int], org_codes: Sequence[str] | None = None
) -> list[FigureRow]:
    """Figure rows as reported, by release, trust and day; never summed here."""
    found = await rows_of_releases(
        database, "figures", "inpatient, outpatient", release_ids, org_codes
    )
    return [FigureRow(*r) for r in found]
