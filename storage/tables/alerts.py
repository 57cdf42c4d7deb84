"""Server alert settings, tracked trusts, the outbox and announced strikes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.alerts import (
    Alert,
    AlertSettings,
    AlertStatus,
    Backlog,
    Destination,
    Draft,
)
from bot.domain.announcements import AnnouncedStrike
from bot.domain.regions import region_subject
from storage.engines import Engine, Session, iso, now_iso
from storage.tables import rows
from storage.tables.crossposts import queue_crosspost
from storage.tables.figures import one_of
from storage.tables.routes import channel_gone, read_subjects, retry_failed, set_channel

COLUMNS = {
    "channel_id": "alert_channel_id",
    "role_id": "alert_role_id",
    "trust_every": "trust_every",
    "national_every": "national_every",
    "extra": "extra_thresholds",
    "digest": "digest",
    "channel_kind": "alert_channel_kind",
    "region_every": "region_every",
    "charts": "charts",
}
DEFAULTS = AlertSettings(0)  # the domain declares the defaults; the table's DEFAULTs are not used


class Servers:
    def __init__(self, database: Engine) -> None:
        self._db = database

    async def settings(self, guild_id: int) -> AlertSettings:
        return (await self.settings_of([guild_id]))[guild_id]

    async def settings_of(self, guild_ids: Sequence[int]) -> dict[int, AlertSettings]:
        """Several servers' settings in four queries (the courier's batch of alerts)."""
        ids = sorted(set(guild_ids))
        found = {
            r["guild_id"]: r
            for r in await self._db.fetch(
                f"SELECT * FROM guild_settings WHERE {one_of('guild_id', ids)}", ids
            )
        }
        subjects = await read_subjects(self._db, ids)
        return {g: subjects.settings(found.get(g), g) for g in ids}

    async def with_alerts(self) -> dict[int, AlertSettings]:
        """Every server that has chosen an alert channel or a subject's channel, with its settings."""
        found = await self._db.fetch(
            "SELECT guild_id FROM guild_settings WHERE alert_channel_id IS NOT NULL"
            " UNION SELECT guild_id FROM subject_channels"
        )
        return await self.settings_of([r["guild_id"] for r in found])

    async def update(self, guild_id: int, **changes: Any) -> AlertSettings:
        """Change some of a server's settings; the others keep their values (or defaults).

        A new channel gives what failed in the old one (deleted, forbidden) another chance.
        """
        values = {
            COLUMNS[k]: (
                ",".join(map(str, v)) if k == "extra" else str(v) if k == "channel_kind" else v
            )
            for k, v in changes.items()
        }
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO guild_settings (guild_id, trust_every, national_every, region_every,"
                " charts, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO NOTHING",
                (
                    guild_id,
                    DEFAULTS.trust_every,
                    DEFAULTS.national_every,
                    DEFAULTS.region_every,
                    int(DEFAULTS.charts),
                    now_iso(),
                ),
            )
            if values:
                assignments = "".join(f"{column} = ?, " for column in values)
                await tx.execute(
                    f"UPDATE guild_settings SET {assignments}updated_at = ? WHERE guild_id = ?",
                    (*values.values(), now_iso(), guild_id),
                )
            if "channel_id" in changes:
                await retry_failed(tx, guild_id)
        return await self.settings(guild_id)

    async def track(self, guild_id: int, org_code: str, channel: Destination | None = None) -> bool:
        """Follow a trust, in its own channel or (None) the server's; False if it was followed
        already (its channel is set as given all the same)."""
        async with self._db.transaction() as tx:
            added = await tx.execute(
                "INSERT INTO tracked_trusts VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, org_code, now_iso()),
            )
            await set_channel(tx, guild_id, org_code, channel)
        return added == 1

    async def untrack(self, guild_id: int, org_code: str) -> bool:
        async with self._db.transaction() as tx:
            removed = await tx.execute(
                "DELETE FROM tracked_trusts WHERE guild_id = ? AND org_code = ?",
                (guild_id, org_code),
            )
            await set_channel(tx, guild_id, org_code, None)
        return removed == 1

    async def follow(self, guild_id: int, region: str, channel: Destination | None = None) -> bool:
        """Follow a region (its trusts' milestones, its own, its digest), in its own channel or
        (None) the server's; False if it was followed already (its channel is set all the same)."""
        async with self._db.transaction() as tx:
            added = await tx.execute(
                "INSERT INTO followed_regions VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, region, now_iso()),
            )
            await set_channel(tx, guild_id, region_subject(region), channel)
        return added == 1

    async def unfollow(self, guild_id: int, region: str) -> bool:
        async with self._db.transaction() as tx:
            removed = await tx.execute(
                "DELETE FROM followed_regions WHERE guild_id = ? AND region = ?",
                (guild_id, region),
            )
            await set_channel(tx, guild_id, region_subject(region), None)
        return removed == 1

    async def channel_gone(self, guild_id: int, subject: str, channel_id: int) -> bool:
        """Discord said a subject's channel was deleted: its alerts go to the server's channel
        until a new one is set. True when this marked it (False: marked before, or changed)."""
        return await channel_gone(self._db, guild_id, subject, channel_id)


WRITE_ALERT = (
    "INSERT INTO alerts (guild_id, kind, subject, key, release_id, body, next_attempt_at,"
    " created_at, route) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
WRITE_ANNOUNCED = "INSERT INTO announced_milestones VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"


def _alert_row(d: Draft, release_id: int | None, due_at: str, now: str) -> tuple:
    return (d.guild_id, str(d.kind), d.subject, d.key, release_id, d.body, due_at, now, d.route)


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

    async def sent(
        self, alert_id: int, channel_id: int, message_id: int, *, publish: bool = False
    ) -> None:
        """Discord accepted the alert; `publish`: it is in an announcement channel, and is
        queued (in the same transaction) to be published to the channels following it."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE alerts SET status = 'sent', channel_id = ?, message_id = ?, sent_at = ?,"
                " error = NULL, attempts = attempts + 1 WHERE id = ?",
                (channel_id, message_id, now_iso(), alert_id),
            )
            if publish:
                await queue_crosspost(tx, alert_id, channel_id, message_id)

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
