"""Server alert settings, tracked trusts, the outbox and announced strikes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.alerts import Alert, AlertKind, AlertSettings, AlertStatus, Backlog, Draft
from bot.domain.announcements import AnnouncedStrike
from storage.engines import Engine, Session, iso, now_iso
from storage.tables import rows
from storage.tables.figures import one_of

COLUMNS = {
    "channel_id": "alert_channel_id",
    "role_id": "alert_role_id",
    "trust_every": "trust_every",
    "national_every": "national_every",
    "extra": "extra_thresholds",
    "digest": "digest",
}
DEFAULTS = AlertSettings(0)  # the domain declares the defaults; the table's DEFAULTs are not used


class Servers:
    def __init__(self, database: Engine) -> None:
        self._db = database

    async def settings(self, guild_id: int) -> AlertSettings:
        return (await self.settings_of([guild_id]))[guild_id]

    async def settings_of(self, guild_ids: Sequence[int]) -> dict[int, AlertSettings]:
        """Several servers' settings in two queries (the courier's batch of alerts)."""
        ids = sorted(set(guild_ids))
        found = {
            r["guild_id"]: r
            for r in await self._db.fetch(
                f"SELECT * FROM guild_settings WHERE {one_of('guild_id', ids)}", ids
            )
        }
        tracked: dict[int, set[str]] = {}
        for guild_id, code in await self._db.fetch(
            f"SELECT guild_id, org_code FROM tracked_trusts WHERE {one_of('guild_id', ids)}", ids
        ):
            tracked.setdefault(guild_id, set()).add(code)
        return {g: rows.settings(found.get(g), g, frozenset(tracked.get(g, ()))) for g in ids}

    async def with_alerts(self) -> dict[int, AlertSettings]:
        """Every server that has chosen an alert channel, with its settings."""
        found = await self._db.fetch(
            "SELECT guild_id FROM guild_settings WHERE alert_channel_id IS NOT NULL"
        )
        return await self.settings_of([r["guild_id"] for r in found])

    async def update(self, guild_id: int, **changes: Any) -> AlertSettings:
        """Change some of a server's settings; the others keep their values (or defaults).

        A new channel gives what failed in the old one (deleted, forbidden) another chance.
        """
        values = {
            COLUMNS[k]: (",".join(map(str, v)) if k == "extra" else v) for k, v in changes.items()
        }
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO guild_settings (guild_id, trust_every, national_every, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id) DO NOTHING",
                (guild_id, DEFAULTS.trust_every, DEFAULTS.national_every, now_iso()),
            )
            if values:
                assignments = "".join(f"{column} = ?, " for column in values)
                await tx.execute(
                    f"UPDATE guild_settings SET {assignments}updated_at = ? WHERE guild_id = ?",
                    (*values.values(), now_iso(), guild_id),
                )
            if "channel_id" in changes:
                await tx.execute(
                    "UPDATE alerts SET status = 'pending', next_attempt_at = ?, attempts = 0"
                    " WHERE guild_id = ? AND status = 'failed' AND kind != ?",
                    (now_iso(), guild_id, AlertKind.TEST),
                )
        return await self.settings(guild_id)

    async def track(self, guild_id: int, org_code: str) -> bool:
        added = await self._db.execute(
            "INSERT INTO tracked_trusts VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (guild_id, org_code, now_iso()),
        )
        return added == 1

    async def untrack(self, guild_id: int, org_code: str) -> bool:
        removed = await self._db.execute(
            "DELETE FROM tracked_trusts WHERE guild_id = ? AND org_code = ?",
            (guild_id, org_code),
        )
        return removed == 1


WRITE_ALERT = (
    "INSERT INTO alerts (guild_id, kind, subject, key, release_id, body, next_attempt_at,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
WRITE_ANNOUNCED = "INSERT INTO announced_milestones VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"


def _alert_row(d: Draft, release_id: int | None, due_at: str, now: str) -> tuple:
    return (d.guild_id, str(d.kind), d.subject, d.key, release_id, d.body, due_at, now)


async def _record_announced(session: Session, drafts: list[Draft], release_id: int | None) -> None:
    await session.executemany(
        WRITE_ANNOUNCED, [(d.guild_id, d.subject, t, release_id) for d in drafts for t in d.passed]
    )


async def write_alerts(
    session: Session, drafts: list[Draft], release_id: int | None, due: datetime | None
) -> None:
    """Into the outbox, each key at most once, with every threshold it announces recorded."""
    now, due_at = now_iso(), iso(due)
    await session.executemany(WRITE_ALERT, [_alert_row(d, release_id, due_at, now) for d in drafts])
    await _record_announced(session, drafts, release_id)


class Outbox:
    def __init__(self, database: Engine) -> None:
        self._db = database

    async def add(self, draft: Draft, *, due: datetime | None = None) -> bool:
        """One alert (a test, an owner's report); False when its key is already in the outbox."""
        async with self._db.transaction() as tx:
            added = await tx.execute(WRITE_ALERT, _alert_row(draft, None, iso(due), now_iso()))
            await _record_announced(tx, [draft], None)
        return added == 1

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

    async def backlog(self) -> Backlog:
        # A retried alert has waited since it was written; a fresh one (or a reminder written
        # ahead of time) since its due time.
        found = await self._db.fetch(
            "SELECT COUNT(*) AS pending,"
            " COALESCE(SUM(CASE WHEN next_attempt_at <= ? THEN 1 ELSE 0 END), 0) AS due,"
            " MIN(CASE WHEN next_attempt_at > ? THEN NULL"
            " WHEN attempts = 0 THEN next_attempt_at ELSE created_at END) AS since"
            " FROM alerts WHERE status = 'pending'",
            (now := now_iso(), now),
        )
        row = found[0]
        since = datetime.fromisoformat(row["since"]) if row["since"] else None
        return Backlog(int(row["pending"]), int(row["due"]), since)

    async def _update(self, assignments: str, params: tuple, alert_id: int) -> None:
        await self._db.execute(f"UPDATE alerts SET {assignments} WHERE id = ?", (*params, alert_id))

    async def of_server(
        self, guild_id: int, *, status: AlertStatus | None = None, limit: int = 50
    ) -> list[Alert]:
        sql, params = "SELECT * FROM alerts WHERE guild_id = ?", [guild_id]
        if status:
            sql += " AND status = ?"
            params.append(str(status))
        found = await self._db.fetch(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
        return [rows.alert(r) for r in found]


class Announcements:
    def __init__(self, database: Engine) -> None:
        self._db = database

    async def of_server(self, guild_id: int) -> list[AnnouncedStrike]:
        found = await self._db.fetch(
            "SELECT * FROM announced_strikes WHERE guild_id = ? AND cancelled = 0 ORDER BY start_date",
            (guild_id,),
        )
        return [rows.announced_strike(r) for r in found]
