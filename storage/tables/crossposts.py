"""Alerts in announcement channels still to be published to the channels that follow them."""

from __future__ import annotations

from datetime import datetime

from bot.domain.alerts import Crosspost, CrosspostStatus
from storage.engines import Engine, Session, iso, now_iso
from storage.tables import rows


async def queue_crosspost(
    session: Session, alert_id: int, channel_id: int, message_id: int
) -> None:
    """Once per alert: a resend after a crash finds the same message, and publishing it twice is
    what Discord refuses anyway."""
    await session.execute(
        "INSERT INTO crossposts (alert_id, guild_id, channel_id, message_id, next_attempt_at)"
        " SELECT id, guild_id, ?, ?, ? FROM alerts WHERE id = ? ON CONFLICT DO NOTHING",
        (channel_id, message_id, now_iso(), alert_id),
    )


class Crossposts:
    def __init__(self, database: Engine) -> None:
        self._db = database

    async def due(self, limit: int = 100) -> list[Crosspost]:
        found = await self._db.fetch(
            "SELECT * FROM crossposts WHERE status = 'pending' AND next_attempt_at <= ?"
            " ORDER BY alert_id LIMIT ?",
            (now_iso(), limit),
        )
        return [rows.crosspost(r) for r in found]

    async def published(self, alert_id: int) -> None:
        await self._db.execute(
            "UPDATE crossposts SET status = 'published', published_at = ?, error = NULL,"
            " attempts = attempts + 1 WHERE alert_id = ?",
            (now_iso(), alert_id),
        )

    async def retry(self, alert_id: int, error: str, next_attempt: datetime) -> None:
        await self._db.execute(
            "UPDATE crossposts SET attempts = attempts + 1, error = ?, next_attempt_at = ?"
            " WHERE alert_id = ?",
            (error, iso(next_attempt), alert_id),
        )

    async def failed(self, alert_id: int, error: str) -> None:
        await self._db.execute(
            "UPDATE crossposts SET status = 'failed', attempts = attempts + 1, error = ?"
            " WHERE alert_id = ?",
            (error, alert_id),
        )

    async def of_server(
        self, guild_id: int, *, status: CrosspostStatus | None = None, limit: int = 50
    ) -> list[Crosspost]:
        sql, params = "SELECT * FROM crossposts WHERE guild_id = ?", [guild_id]
        if status:
            sql += " AND status = ?"
            params.append(str(status))
        found = await self._db.fetch(sql + " ORDER BY alert_id DESC LIMIT ?", (*params, limit))
        return [rows.crosspost(r) for r in found]
