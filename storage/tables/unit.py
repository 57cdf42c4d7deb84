"""The unit of work: one transaction in which a release and what it causes are stored."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from bot.domain.alerts import AlertKind, AlertSettings, Draft
from bot.domain.announcements import AnnouncedStrike
from bot.domain.ports import FigureLike, StaffLike
from bot.domain.records import (
    DocumentState,
    FigureRow,
    NewRelease,
    Release,
    StrikePeriod,
    Workforce,
)
from bot.domain.trust_names import KnownTrust, Naming
from storage.engines import IsoDays, Session, now_iso
from storage.tables import rows
from storage.tables.alerts import write_alerts
from storage.tables.figures import one_of, read_figures
from storage.tables.routes import read_subjects
from storage.tables.source import record_document
from storage.tables.workforce import save_workforce

SAVE_RELEASE = (
    "INSERT INTO releases (url, link_text, fetched_at, published, sha256, etag, last_modified,"
    " size_bytes, status, error, period_id, sheet, shape, england_inpatient, england_outpatient,"
    " validation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (url, sha256) DO UPDATE SET link_text = excluded.link_text,"
    " fetched_at = excluded.fetched_at, published = excluded.published, etag = excluded.etag,"
    " last_modified = excluded.last_modified, size_bytes = excluded.size_bytes,"
    " status = excluded.status, error = excluded.error, period_id = excluded.period_id,"
    " sheet = excluded.sheet, shape = excluded.shape, england_inpatient = excluded.england_inpatient,"
    " england_outpatient = excluded.england_outpatient, validation = excluded.validation"
    # Whether the row already holds figures or a workforce part (the same bytes stored before):
    # a new release has nothing to replace, so its saves skip their DELETEs.
    " RETURNING *, EXISTS (SELECT 1 FROM figures WHERE release_id = releases.id) AS had_figures,"
    " EXISTS (SELECT 1 FROM workforce_parts WHERE release_id = releases.id) AS had_workforce"
)
# The servers with somewhere to post (an alert channel, or a subject's own channel), each with
# its settings row where it has one (a server may have only a subject channel).
AUDIENCE = (
    "SELECT a.guild_id AS audience_id, s.* FROM (SELECT guild_id FROM guild_settings"
    " WHERE alert_channel_id IS NOT NULL UNION SELECT guild_id FROM subject_channels) AS a"
    " LEFT JOIN guild_settings AS s ON s.guild_id = a.guild_id ORDER BY a.guild_id"
)


class Unit:
    """Reads see this transaction's own writes; nothing is visible to others until it commits."""

    def __init__(self, session: Session) -> None:
        self._db = session
        # (release id, "figures" | "workforce"): parts a release saved here did not hold yet.
        self._nothing_held: set[tuple[int, str]] = set()

    # -- what planning reads ----------------------------------------------------------------------

    async def audience(self) -> list[AlertSettings]:
        """Every server with somewhere to post: its alert channel, or a subject's own channel."""
        found = await self._db.fetch(AUDIENCE)
        if not found:
            return []  # no server to alert (a fresh store): its subjects need no reading
        subjects = await read_subjects(self._db)
        return [
            subjects.settings(r if r["guild_id"] is not None else None, r["audience_id"])
            for r in found
        ]

    async def ingested(self) -> list[Release]:
        found = await self._db.fetch("SELECT * FROM releases WHERE status = 'ingested'")
        return [rows.release(r) for r in found]

    async def figures(self, release_ids: Sequence[int]) -> list[FigureRow]:
        return await read_figures(self._db, release_ids)

    async def period(self, period_id: int) -> StrikePeriod:
        found = await self._db.fetch("SELECT * FROM strike_periods WHERE id = ?", (period_id,))
        return rows.period(found[0])

    async def trust_names(self, org_codes: Iterable[str]) -> dict[str, str]:
        codes = sorted(org_codes)
        found = await self._db.fetch(
            f"SELECT org_code, name FROM trusts WHERE {one_of('org_code', codes)}", codes
        )
        return {code: name for code, name in found}

    async def announced(self) -> set[tuple[int, str, int]]:
        found = await self._db.fetch(
            "SELECT guild_id, subject, threshold FROM announced_milestones"
        )
        return {(g, s, t) for g, s, t in found}

    # -- what it writes ---------------------------------------------------------------------------

    async def add_period(self, start: date, end: date) -> int:
        await self._db.execute(
            "INSERT INTO strike_periods (start_date, end_date, origin) VALUES (?, ?, 'release')"
            " ON CONFLICT (start_date, end_date) DO NOTHING",
            (start.isoformat(), end.isoformat()),
        )
        found = await self._db.fetch(
            "SELECT id FROM strike_periods WHERE start_date = ? AND end_date = ?",
            (start.isoformat(), end.isoformat()),
        )
        return found[0][0]

    async def save_release(self, release: NewRelease) -> Release:
        england = release.england
        found = await self._db.fetch(
            SAVE_RELEASE,
            (
                release.url,
                release.link_text,
                now_iso(),
                release.published.isoformat(),
                release.sha256,
                release.etag,
                release.last_modified,
                release.size_bytes,
                str(release.status),
                release.error,
                release.period_id,
                release.sheet,
                release.shape,
                england.inpatient if england else None,
                england.outpatient if england else None,
                release.validation,
            ),
        )
        saved = rows.release(found[0])
        if not found[0]["had_figures"]:
            self._nothing_held.add((saved.id, "figures"))
        if not found[0]["had_workforce"]:
            self._nothing_held.add((saved.id, "workforce"))
        return saved

    def _may_hold(self, release_id: int, part: str) -> bool:
        """Whether the release may hold rows of the part already: not when it held none as this
        unit saved it (asked once; after the first save it holds some)."""
        key = (release_id, part)
        if key in self._nothing_held:
            self._nothing_held.discard(key)
            return False
        return True

    async def save_figures(self, release_id: int, figures: Iterable[FigureLike]) -> None:
        """The release's rows, replacing any it had (the same bytes stored before as skipped)."""
        days = IsoDays()
        params = [(release_id, f.org_code, days[f.day], f.inpatient, f.outpatient) for f in figures]
        if not params:
            return
        if self._may_hold(release_id, "figures"):
            await self._db.execute("DELETE FROM figures WHERE release_id = ?", (release_id,))
        await self._db.insert_rows(
            "figures", ("release_id", "org_code", "day", "inpatient", "outpatient"), params
        )

    async def save_workforce(
        self, release_id: int, part: Workforce, rows: Iterable[StaffLike]
    ) -> None:
        await save_workforce(
            self._db, release_id, part, rows, replace=self._may_hold(release_id, "workforce")
        )

    async def known_trusts(self) -> dict[str, KnownTrust]:
        found = await self._db.fetch("SELECT org_code, name, name_as_of, region FROM trusts")
        return {r[0]: KnownTrust(r[1], r[2], r[3]) for r in found}

    async def apply_naming(self, naming: Naming, as_of: date) -> None:
        when, db = as_of.isoformat(), self._db
        await db.executemany(
            "INSERT INTO trusts (org_code, name, region, name_as_of) VALUES (?, ?, ?, ?)",
            [(code, name, region, when) for code, name, region in naming.added],
        )
        await db.executemany(
            "UPDATE trusts SET name = ?, name_as_of = ? WHERE org_code = ?",
            [(name, when, code) for code, name in naming.renamed],
        )
        await db.executemany(
            "INSERT INTO trust_aliases VALUES (?, ?) ON CONFLICT DO NOTHING", naming.aliases
        )
        await db.executemany(
            "UPDATE trusts SET region = ? WHERE org_code = ?",
            [(region, code) for code, region in naming.regions],
        )

    async def record_document(self, state: DocumentState) -> None:
        await record_document(self._db, state)

    async def write_alerts(
        self, drafts: Sequence[Draft], *, release_id: int | None = None, due: datetime | None = None
    ) -> None:
        await write_alerts(self._db, list(drafts), release_id, due)

    async def add_announced_strike(
        self, strike: AnnouncedStrike, created_by: int | None
    ) -> AnnouncedStrike:
        found = await self._db.fetch(
            "INSERT INTO announced_strikes (guild_id, start_date, end_date, staff_group, unions, note,"
            " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
            (
                strike.guild_id,
                strike.start.isoformat(),
                strike.end.isoformat(),
                strike.staff_group,
                strike.unions,
                strike.note,
                created_by,
                now_iso(),
            ),
        )
        return rows.announced_strike(found[0])

    async def cancel_announced_strike(
        self, guild_id: int, strike_id: int
    ) -> AnnouncedStrike | None:
        found = await self._db.fetch(
            "UPDATE announced_strikes SET cancelled = 1 WHERE id = ? AND guild_id = ? AND cancelled = 0"
            " RETURNING *",
            (strike_id, guild_id),
        )
        return rows.announced_strike(found[0]) if found else None

    async def cancel_pending(self, guild_id: int, kind: AlertKind, subject: str) -> None:
        await self._db.execute(
            "UPDATE alerts SET status = 'cancelled' WHERE guild_id = ? AND kind = ? AND subject = ?"
            " AND status = 'pending'",
            (guild_id, str(kind), subject),
        )
