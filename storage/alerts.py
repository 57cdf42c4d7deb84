"""The store's alert half: server settings, tracked trusts, the outbox, announced strikes (SQL inside)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import aiosqlite

from bot.domain.alerts import (
    ENGLAND,
    AlertSettings,
    Draft,
    ReleaseFacts,
    plan,
    reminder_text,
    reminder_times,
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _settings(row: sqlite3.Row | None, guild_id: int, tracked: frozenset[str]) -> AlertSettings:
    if row is None:
        return AlertSettings(guild_id, tracked=tracked)
    extra = tuple(int(t) for t in row["extra_thresholds"].split(",") if t)
    return AlertSettings(
        guild_id=row["guild_id"],
        channel_id=row["alert_channel_id"],
        role_id=row["alert_role_id"],
        trust_every=row["trust_every"],
        national_every=row["national_every"],
        extra=extra,
        digest=bool(row["digest"]),
        tracked=tracked,
    )


@dataclass(frozen=True, slots=True)
class Alert:
    """One outbox row."""

    id: int
    guild_id: int
    kind: str
    subject: str
    key: str
    body: str
    status: str
    attempts: int
    error: str | None
    channel_id: int | None
    created_at: str
    sent_at: str | None


def _alert(row: sqlite3.Row) -> Alert:
    return Alert(
        row["id"],
        row["guild_id"],
        row["kind"],
        row["subject"],
        row["key"],
        row["body"],
        row["status"],
        row["attempts"],
        row["error"],
        row["channel_id"],
        row["created_at"],
        row["sent_at"],
    )


@dataclass(frozen=True, slots=True)
class AnnouncedStrike:
    id: int
    guild_id: int
    start: date
    end: date
    staff_group: str
    unions: str
    note: str


class AlertStore:
    """Mixed into SQLiteStore: every write is one transaction (self._tx), every read one query."""

    _db: aiosqlite.Connection

    def _tx(self) -> Any:  # provided by SQLiteStore
        raise NotImplementedError

    # -- settings per server --------------------------------------------------------------------

    async def alert_settings(self, guild_id: int) -> AlertSettings:
        rows = await self._db.execute_fetchall(
            "SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        tracked = await self._db.execute_fetchall(
            "SELECT org_code FROM tracked_trusts WHERE guild_id = ? ORDER BY org_code", (guild_id,)
        )
        return _settings(rows[0] if rows else None, guild_id, frozenset(r[0] for r in tracked))

    async def update_alert_settings(self, guild_id: int, **changes: Any) -> AlertSettings:
        """Change some of a server's settings; the others keep their values (or defaults)."""
        columns = {
            "channel_id": "alert_channel_id",
            "role_id": "alert_role_id",
            "trust_every": "trust_every",
            "national_every": "national_every",
            "extra": "extra_thresholds",
            "digest": "digest",
        }
        values = {
            columns[k]: (",".join(map(str, v)) if k == "extra" else v) for k, v in changes.items()
        }
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO guild_settings (guild_id, updated_at) VALUES (?, ?) ON CONFLICT (guild_id) DO NOTHING",
                (guild_id, now_iso()),
            )
            if values:
                assignments = ", ".join(f"{c} = :{c}" for c in values)
                await db.execute(
                    f"UPDATE guild_settings SET {assignments}, updated_at = :now WHERE guild_id = :guild",
                    {**values, "now": now_iso(), "guild": guild_id},
                )
            if "channel_id" in changes:
                # A new channel gets another chance at what failed in the old one (deleted, forbidden).
                await db.execute(
                    "UPDATE alerts SET status = 'pending', next_attempt_at = ?, attempts = 0"
                    " WHERE guild_id = ? AND status = 'failed' AND kind != 'test'",
                    (now_iso(), guild_id),
                )
        return await self.alert_settings(guild_id)

    async def track(self, guild_id: int, org_code: str) -> bool:
        async with self._tx() as db:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO tracked_trusts VALUES (?, ?, ?)",
                (guild_id, org_code, now_iso()),
            )
        return cursor.rowcount == 1

    async def untrack(self, guild_id: int, org_code: str) -> bool:
        async with self._tx() as db:
            cursor = await db.execute(
                "DELETE FROM tracked_trusts WHERE guild_id = ? AND org_code = ?",
                (guild_id, org_code),
            )
        return cursor.rowcount == 1

    # -- planning, inside the release's transaction ---------------------------------------------------

    @staticmethod
    async def _audience(db: aiosqlite.Connection) -> list[AlertSettings]:
        rows = await db.execute_fetchall(
            "SELECT * FROM guild_settings WHERE alert_channel_id IS NOT NULL"
        )
        tracked: dict[int, set[str]] = {}
        for guild_id, code in await db.execute_fetchall(
            "SELECT guild_id, org_code FROM tracked_trusts"
        ):
            tracked.setdefault(guild_id, set()).add(code)
        return [
            _settings(r, r["guild_id"], frozenset(tracked.get(r["guild_id"], ()))) for r in rows
        ]

    @staticmethod
    async def _running_totals(db: aiosqlite.Connection, codes: set[str]) -> dict[str, int]:
        current = "SELECT id FROM current_releases"
        out = {ENGLAND: 0}
        rows = await db.execute_fetchall(
            f"SELECT sum(coalesce(inpatient, 0) + coalesce(outpatient, 0)) FROM figures WHERE release_id IN ({current})"
        )
        out[ENGLAND] = rows[0][0] or 0
        if codes:
            marks = ",".join("?" * len(codes))
            for code, total in await db.execute_fetchall(
                f"SELECT org_code, sum(coalesce(inpatient, 0) + coalesce(outpatient, 0)) FROM figures"
                f" WHERE release_id IN ({current}) AND org_code IN ({marks}) GROUP BY org_code",
                tuple(codes),
            ):
                out[code] = total or 0
        return out

    async def _plan_before(
        self, db: aiosqlite.Connection
    ) -> tuple[list[AlertSettings], dict[str, int]]:
        """Who listens, and their subjects' running totals before the release is stored."""
        audience = await self._audience(db)
        if not audience:  # nobody listens: no totals to compare (a failed validation needs none)
            return [], {}
        return audience, await self._running_totals(db, {c for s in audience for c in s.tracked})

    async def _plan_release(
        self,
        db: aiosqlite.Connection,
        release_id: int,
        audience: list[AlertSettings],
        before: dict[str, int],
    ) -> None:
        """Decide and write this release's alerts: same transaction as the release itself."""
        rows = await db.execute_fetchall(
            "SELECT r.url, r.validation, p.start_date, p.end_date, p.staff_groups,"
            " (SELECT versions FROM current_releases c WHERE c.id = r.id) AS versions"
            " FROM releases r JOIN strike_periods p ON p.id = r.period_id WHERE r.id = ?",
            (release_id,),
        )
        info = rows[0]
        validation = info["validation"]
        if info["versions"] is None and validation == "ok":
            return  # an older version stored for the record changes no running total
        codes = {c for s in audience for c in s.tracked}
        after = await self._running_totals(db, codes)
        marks = ",".join("?" * len(codes)) or "''"
        figures: dict[str, int | None] = {}
        for code, total in await db.execute_fetchall(
            "SELECT org_code, CASE WHEN count(inpatient) + count(outpatient) = 0 THEN NULL"
            " ELSE sum(coalesce(inpatient, 0) + coalesce(outpatient, 0)) END"
            f" FROM figures WHERE release_id = ? AND org_code IN ({marks}) GROUP BY org_code",
            (release_id, *codes),
        ):
            figures[code] = total
        england = await db.execute_fetchall(
            "SELECT sum(coalesce(inpatient, 0) + coalesce(outpatient, 0)) FROM figures WHERE release_id = ?",
            (release_id,),
        )
        figures[ENGLAND] = england[0][0]
        names = {
            code: name
            for code, name in await db.execute_fetchall(
                f"SELECT org_code, name FROM trusts WHERE org_code IN ({marks})", tuple(codes)
            )
        }
        announced = {
            (g, s, t)
            for g, s, t in await db.execute_fetchall(
                "SELECT guild_id, subject, threshold FROM announced_milestones"
            )
        }
        facts = ReleaseFacts(
            release_id=release_id,
            url=info["url"],
            start=date.fromisoformat(info["start_date"]),
            end=date.fromisoformat(info["end_date"]),
            staff_groups=info["staff_groups"],
            revised=(info["versions"] or 1) > 1,
            validation=validation,
            figures=figures,
            names=names,
        )
        drafts = plan(facts, before, after, audience, announced)
        await self._write_drafts(db, drafts, release_id)

    @staticmethod
    async def _write_drafts(
        db: aiosqlite.Connection,
        drafts: list[Draft],
        release_id: int | None,
        due: str | None = None,
    ) -> None:
        now = now_iso()
        await db.executemany(
            "INSERT OR IGNORE INTO alerts (guild_id, kind, subject, key, release_id, body, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (d.guild_id, d.kind, d.subject, d.key, release_id, d.body, due or now, now)
                for d in drafts
            ],
        )
        await db.executemany(
            "INSERT OR IGNORE INTO announced_milestones VALUES (?, ?, ?, ?)",
            [(d.guild_id, d.subject, t, release_id) for d in drafts for t in d.passed],
        )

    # -- the outbox -------------------------------------------------------------------------------

    async def add_alert(self, draft: Draft, *, due: datetime | None = None) -> bool:
        async with self._tx() as db:
            before = db.total_changes
            await self._write_drafts(
                db,
                [draft],
                None,
                due.astimezone(UTC).isoformat(timespec="seconds") if due else None,
            )
            return db.total_changes > before

    async def due_alerts(self, limit: int = 500) -> list[Alert]:
        rows = await self._db.execute_fetchall(
            "SELECT * FROM alerts WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            (now_iso(), limit),
        )
        return [_alert(r) for r in rows]

    async def alert_sent(self, alert_id: int, channel_id: int, message_id: int) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE alerts SET status = 'sent', channel_id = ?, message_id = ?, sent_at = ?, error = NULL,"
                " attempts = attempts + 1 WHERE id = ?",
                (channel_id, message_id, now_iso(), alert_id),
            )

    async def alert_retry(self, alert_id: int, error: str, next_attempt: datetime) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE alerts SET attempts = attempts + 1, error = ?, next_attempt_at = ? WHERE id = ?",
                (error, next_attempt.astimezone(UTC).isoformat(timespec="seconds"), alert_id),
            )

    async def alert_failed(self, alert_id: int, error: str, channel_id: int | None) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE alerts SET status = 'failed', attempts = attempts + 1, error = ?, channel_id = ? WHERE id = ?",
                (error, channel_id, alert_id),
            )

    async def alerts(
        self, guild_id: int, *, status: str | None = None, limit: int = 50
    ) -> list[Alert]:
        sql, params = "SELECT * FROM alerts WHERE guild_id = ?", [guild_id]
        if status:
            sql += " AND status = ?"
            params.append(status)
        rows = await self._db.execute_fetchall(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
        return [_alert(r) for r in rows]

    # -- strikes a server announced ----------------------------------------------------------------

    async def announce_strike(
        self,
        guild_id: int,
        start: date,
        end: date,
        staff_group: str,
        unions: str,
        note: str,
        by: int | None,
    ) -> AnnouncedStrike:
        """Record the strike and write its reminders to the outbox, due at their times."""
        now = datetime.now(UTC)
        async with self._tx() as db:
            rows = await db.execute_fetchall(
                "INSERT INTO announced_strikes (guild_id, start_date, end_date, staff_group, unions, note, created_by,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    guild_id,
                    start.isoformat(),
                    end.isoformat(),
                    staff_group,
                    unions,
                    note,
                    by,
                    now_iso(),
                ),
            )
            strike_id = rows[0][0]
            for which, when in reminder_times(start):
                if when <= now:
                    continue  # announced too late for this reminder
                draft = Draft(
                    guild_id,
                    "reminder",
                    str(strike_id),
                    which,
                    reminder_text(start, end, staff_group, unions, note, which),
                )
                await self._write_drafts(
                    db, [draft], None, when.astimezone(UTC).isoformat(timespec="seconds")
                )
        return AnnouncedStrike(strike_id, guild_id, start, end, staff_group, unions, note)

    async def cancel_strike(self, guild_id: int, strike_id: int) -> AnnouncedStrike | None:
        async with self._tx() as db:
            rows = await db.execute_fetchall(
                "UPDATE announced_strikes SET cancelled = 1 WHERE id = ? AND guild_id = ? AND cancelled = 0"
                " RETURNING *",
                (strike_id, guild_id),
            )
            if not rows:
                return None
            await db.execute(
                "UPDATE alerts SET status = 'cancelled' WHERE guild_id = ? AND kind = 'reminder' AND subject = ?"
                " AND status = 'pending'",
                (guild_id, str(strike_id)),
            )
        return _strike(rows[0])

    async def announced_strikes(self, guild_id: int) -> list[AnnouncedStrike]:
        rows = await self._db.execute_fetchall(
            "SELECT * FROM announced_strikes WHERE guild_id = ? AND cancelled = 0 ORDER BY start_date",
            (guild_id,),
        )
        return [_strike(r) for r in rows]


def _strike(row: sqlite3.Row) -> AnnouncedStrike:
    return AnnouncedStrike(
        row["id"],
        row["guild_id"],
        date.fromisoformat(row["start_date"]),
        date.fromisoformat(row["end_date"]),
        row["staff_group"],
        row["unions"],
        row["note"],
    )
