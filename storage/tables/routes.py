"""A server's subjects and where each is posted: tracked trusts, followed regions, subject channels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain.alerts import AlertKind, AlertSettings, Destination
from storage.engines import Row, Session, now_iso
from storage.tables import rows
from storage.tables.figures import one_of


@dataclass
class Subjects:
    """Each server's tracked trusts, followed regions and subjects' own channels."""

    tracked: dict[int, set[str]] = field(default_factory=dict)
    regions: dict[int, set[str]] = field(default_factory=dict)
    channels: dict[int, dict[str, Destination]] = field(default_factory=dict)

    def settings(self, row: Row | None, guild_id: int) -> AlertSettings:
        return rows.settings(
            row,
            guild_id,
            frozenset(self.tracked.get(guild_id, ())),
            frozenset(self.regions.get(guild_id, ())),
            dict(self.channels.get(guild_id, {})),
        )


async def read_subjects(db: Session, guild_ids: Sequence[int] | None = None) -> Subjects:
    """The subjects of these servers (None: of every server), in three queries."""
    where, params = "", ()
    if guild_ids is not None:
        where, params = f" WHERE {one_of('guild_id', guild_ids)}", tuple(guild_ids)
    found = Subjects()
    for guild_id, code in await db.fetch(
        f"SELECT guild_id, org_code FROM tracked_trusts{where}", params
    ):
        found.tracked.setdefault(guild_id, set()).add(code)
    for guild_id, region in await db.fetch(
        f"SELECT guild_id, region FROM followed_regions{where}", params
    ):
        found.regions.setdefault(guild_id, set()).add(region)
    for row in await db.fetch(f"SELECT * FROM subject_channels{where}", params):
        found.channels.setdefault(row["guild_id"], {})[row["subject"]] = rows.destination(row)
    return found


async def set_channel(
    db: Session, guild_id: int, subject: str, destination: Destination | None
) -> None:
    """Give a subject its own channel (None: it follows the server's again).

    Alerts that failed in the server's old channels get another chance, as when the server's
    own channel changes."""
    if destination is None:
        await db.execute(
            "DELETE FROM subject_channels WHERE guild_id = ? AND subject = ?", (guild_id, subject)
        )
        return
    await db.execute(
        "INSERT INTO subject_channels (guild_id, subject, channel_id, channel_kind)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, subject) DO UPDATE SET"
        " channel_id = excluded.channel_id, channel_kind = excluded.channel_kind, gone_at = NULL",
        (guild_id, subject, destination.channel_id, str(destination.kind)),
    )
    await retry_failed(db, guild_id)


async def retry_failed(db: Session, guild_id: int) -> None:
    await db.execute(
        "UPDATE alerts SET status = 'pending', next_attempt_at = ?, attempts = 0"
        " WHERE guild_id = ? AND status = 'failed' AND kind != ?",
        (now_iso(), guild_id, AlertKind.TEST),
    )


async def channel_gone(db: Session, guild_id: int, subject: str, channel_id: int) -> bool:
    """Discord said a subject's channel was deleted: its alerts use the server's channel from now
    on. Only that channel: a channel set since stays. True when it was marked now."""
    changed = await db.execute(
        "UPDATE subject_channels SET gone_at = ? WHERE guild_id = ? AND subject = ?"
        " AND channel_id = ? AND gone_at IS NULL",
        (now_iso(), guild_id, subject, channel_id),
    )
    return changed == 1
