"""Server alert settings, tracked trusts, the outbox and announced strikes, in SQLite."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.alerts import Alert, AlertKind, AlertSettings, AlertStatus, Draft
from bot.domain.announcements import AnnouncedStrike
from storage.sqlite import rows
from storage.sqlite.database import Database, iso, now_iso

COLUMNS = {
    "channel_id": "alert_channel_id",
    "role_id": "alert_role_id",
    "trust_every": "trust_every",
    "national_every": "national_every",
    "extra": "extra_thresholds",
    "digest": "digest",
}
DEFAULTS = AlertSettings(0)  # the domain declares the defaults; the table's DEFAULTs are not used


class SQLiteServers:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def settings(self, guild_id: int) -> AlertSettings:
        found = await self._db.fetch("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
        tracked = await self._db.fetch(
            "SELECT org_code FROM tracked_trusts WHERE guild_id = ? ORDER BY org_code", (guild_id,)
        )
        return rows.settings(
            found[0] if found else None, guild_id, frozenset(r[0] for r in tracked)
        )

    async def update(self, guild_id: int, **changes: Any) -> AlertSettings:
        """Change some of a server's settings; the others keep their values (or defaults).

        A new channel gives what failed in the old one (deleted, forbidden) another chance.
        """
        values = {
            COLUMNS[k]: (",".join(map(str, v)) if k == "extra" else v) for k, v in changes.items()
        }
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO guild_settings (guild_id, trust_every, national_every, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id) DO NOTHING",
                (guild_id, DEFAULTS.trust_every, DEFAULTS.national_every, now_iso()),
            )
            if values:
                assignments = ", ".join(f"{c} = :{c}" for c in values)
                await db.execute(
                    f"UPDATE guild_settings SET {assignments}, updated_at = :now WHERE guild_id = :guild",
                    {**values, "now": now_iso(), "guild": guild_id},
                )
            if "channel_id" in changes:
                await db.execute(
                    "UPDATE alerts SET status = 'pending', next_attempt_at = ?, attempts = 0"
                    " WHERE guild_id = ? AND status = 'failed' AND kind != ?",
                    (now_iso(), guild_id, AlertKind.TEST),
                )
        return await self.settings(guild_id)

    async def track(self, guild_id: int, org_code: str) -> bool:
        async with self._db.transaction() as db:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO tracked_trusts VALUES (?, ?, ?)",
                (guild_id, org_code, now_iso()),
            )
        return cursor.rowcount == 1

    async def untrack(self, guild_id: int, org_code: str) -> bool:
        async with self._db.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM tracked_trusts WHERE guild_id = ? AND org_code = ?",
                (guild_id, org_code),
            )
        return cursor.rowcount == 1


async def write_alerts(
    db, drafts: list[Draft], release_id: int | None, due: datetime | None
) -> None:
    """Into the outbox, each key at most once, with every threshold it announces recorded."""
    now, due_at = now_iso(), iso(due)
    await db.executemany(
        "INSERT OR IGNORE INTO alerts (guild_id, kind, subject, key, release_id, body, next_attempt_at,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (d.guild_id, str(d.kind), d.subject, d.key, release_id, d.body, due_at, now)
            for d in drafts
        ],
    )
    await db.executemany(
        "INSERT OR IGNORE INTO announced_milestones VALUES (?, ?, ?, ?)",
        [(d.guild_id, d.subject, t, release_id) for d in drafts for t in d.passed],
    )


class SQLiteOutbox:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, draft: Draft, *, due: datetime | None = None) -> bool:
        async with self._db.transaction() as db:
            before = db.total_changes
            await write_alerts(db, [draft], None, due)
            return db.total_changes > before

    async def due(self, limit: int = 500) -> list[Alert]:
        found = await self._db.fetch(
            "SELECT * FROM alerts WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            (now_iso(), limit),
        )
        return [rows.alert(r) for r in found]

    async def sent(self, alert_id: int, channel_id: int, message_id: int) -> None:
        await self._update(
            "status = 'sent', channel_id = ?, message_id = ?, sent_at = ?, error = NULL,"
            " attempts = attempts + 1",
            (channel_id, message_id, now_iso()),
            alert_id,
        )

    async def retry(self, alert_id: int, error: str, next_attempt: datetime) -> None:
        await self._update(
            "attempts = attempts + 1, error = ?, next_attempt_at = ?",
            (error, iso(next_attempt)),
            alert_id,
        )

    async def failed(self, alert_id: int, error: str, channel_id: int | None) -> None:
        await self._update(
            "status = 'failed', attempts = attempts + 1, error = ?, channel_id = ?",
            (error, channel_id),
            alert_id,
        )

    async def _update(self, assignments: str, params: tuple, alert_id: int) -> None:
        async with self._db.transaction() as db:
            await db.execute(f"UPDATE alerts SET {assignments} WHERE id = ?", (*params, alert_id))

    async def of_server(
        self, guild_id: int, *, status: AlertStatus | None = None, limit: int = 50
    ) -> list[Alert]:
        sql, params = "SELECT * FROM alerts WHERE guild_id = ?", [guild_id]
        if status:
            sql += " AND status = ?"
            params.append(str(status))
        found = await self._db.fetch(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
        return [rows.alert(r) for r in found]


class SQLiteAnnouncements:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def of_server(self, guild_id: int) -> list[AnnouncedStrike]:
        found = await self._db.fetch(
            "SELECT * FROM announced_strikes WHERE guild_id = ? AND cancelled = 0 ORDER BY start_date",
            (guild_id,),
        )
        return [rows.announced_strike(r) for r in found]
