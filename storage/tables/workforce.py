"""Releases' workforce parts: how each was read, its days with England's row, staff absent per trust."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from bot.domain.ports import StaffLike
from bot.domain.records import StaffAbsentRow, Workforce
from storage.engines import Engine, IsoDays, Session
from storage.tables.figures import one_of, rows_of_releases


class WorkforceParts:
    def __init__(self, database: Engine) -> None:
        self._db = database

    async def parts(self, release_ids: Sequence[int]) -> dict[int, Workforce]:
        """Release id -> its workforce part, for the releases that have one recorded."""
        if not release_ids:
            return {}
        ids = list(release_ids)
        days: dict[int, list[tuple[date, int | None]]] = {}
        for release_id, day, england in await self._db.fetch(
            "SELECT release_id, day, england FROM workforce_days"
            f" WHERE {one_of('release_id', ids)} ORDER BY release_id, day",
            ids,
        ):
            days.setdefault(release_id, []).append((date.fromisoformat(day), england))
        found = await self._db.fetch(
            f"SELECT * FROM workforce_parts WHERE {one_of('release_id', ids)}", ids
        )
        return {
            r["release_id"]: Workforce(
                read=r["status"] == "read",
                note=r["note"],
                sheet=r["sheet"],
                shape=r["shape"],
                staff_group=r["staff_group"],
                validation=r["validation"],
                days=tuple(days.get(r["release_id"], ())),
            )
            for r in found
        }

    async def staff_absent(
        self, release_ids: Sequence[int], org_codes: Sequence[str] | None = None
    ) -> list[StaffAbsentRow]:
        """Staff-absent rows as reported, by release, trust and day; never summed here."""
        found = await rows_of_releases(self._db, "staff_absent", "absent", release_ids, org_codes)
        return [StaffAbsentRow(*r) for r in found]


async def save_workforce(
    database: Session,
    release_id: int,
    part: Workforce,
    rows: Iterable[StaffLike],
    *,
    replace: bool = True,
) -> None:
    """The release's workforce part, replacing any it had (the same bytes stored before);
    `replace=False`: the release is known to have none."""
    if replace:
        for table in ("staff_absent", "workforce_days", "workforce_parts"):
            await database.execute(f"DELETE FROM {table} WHERE release_id = ?", (release_id,))
    await database.execute(
        "INSERT INTO workforce_parts (release_id, status, note, sheet, shape, staff_group,"
        " validation) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            release_id,
            "read" if part.read else "skipped",
            part.note,
            part.sheet,
            part.shape,
            part.staff_group,
            part.validation,
        ),
    )
    if not part.read:
        return
    days = IsoDays()
    await database.insert_rows(
        "workforce_days",
        ("release_id", "day", "england"),
        [(release_id, d.isoformat(), england) for d, england in part.days],
    )
    await database.insert_rows(
        "staff_absent",
        ("release_id", "org_code", "day", "absent"),
        [(release_id, r.org_code, days[r.day], r.absent) for r in rows],
    )
