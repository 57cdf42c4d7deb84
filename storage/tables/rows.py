"""Rows to the domain's records: the one place that knows the tables' column names and types."""

from __future__ import annotations

import json
from datetime import date

from bot.domain.alerts import (
    Alert,
    AlertKind,
    AlertSettings,
    AlertStatus,
    ChannelKind,
    Crosspost,
    CrosspostStatus,
    Destination,
)
from bot.domain.announcements import AnnouncedStrike
from bot.domain.figures import Figures
from bot.domain.records import (
    Document,
    PeriodOrigin,
    PollRecord,
    Release,
    ReleaseStatus,
    StrikePeriod,
)
from storage.engines import Row


def period(row: Row) -> StrikePeriod:
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
        origin=PeriodOrigin(row["origin"]),
    )


def release(row: Row) -> Release:
    england = (
        None
        if row["england_inpatient"] is None and row["england_outpatient"] is None
        else Figures(row["england_inpatient"], row["england_outpatient"])
    )
    return Release(
        id=row["id"],
        url=row["url"],
        link_text=row["link_text"],
        fetched_at=row["fetched_at"],
        published=date.fromisoformat(row["published"]),
        sha256=row["sha256"],
        status=ReleaseStatus(row["status"]),
        error=row["error"],
        period_id=row["period_id"],
        sheet=row["sheet"],
        shape=row["shape"],
        england=england,
        validation=row["validation"],
    )


def document(row: Row) -> Document:
    return Document(
        url=row["url"],
        link_text=row["link_text"],
        listed=bool(row["listed"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        sha256=row["sha256"],
        status=ReleaseStatus(row["status"]) if row["status"] else None,
        error=row["error"],
        checked_at=row["checked_at"],
    )


def poll(row: Row) -> PollRecord:
    return PollRecord(
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        ok=None if row["ok"] is None else bool(row["ok"]),
        summary=json.loads(row["summary"]) if row["summary"] else None,
        error=row["error"],
    )


def settings(
    row: Row | None,
    guild_id: int,
    tracked: frozenset[str],
    regions: frozenset[str] = frozenset(),
    channels: dict[str, Destination] | None = None,
) -> AlertSettings:
    subjects = {"tracked": tracked, "regions": regions, "channels": channels or {}}
    if row is None:
        return AlertSettings(guild_id, **subjects)
    return AlertSettings(
        guild_id=row["guild_id"],
        channel_id=row["alert_channel_id"],
        role_id=row["alert_role_id"],
        trust_every=row["trust_every"],
        national_every=row["national_every"],
        extra=tuple(int(t) for t in row["extra_thresholds"].split(",") if t),
        digest=bool(row["digest"]),
        channel_kind=ChannelKind(row["alert_channel_kind"]),
        region_every=row["region_every"],
        charts=bool(row["charts"]),
        **subjects,
    )


def destination(row: Row) -> Destination:
    """A subject's own channel (subject_channels)."""
    return Destination(
        row["channel_id"], ChannelKind(row["channel_kind"]), gone=row["gone_at"] is not None
    )


def crosspost(row: Row) -> Crosspost:
    return Crosspost(
        alert_id=row["alert_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        status=CrosspostStatus(row["status"]),
        attempts=row["attempts"],
        error=row["error"],
    )


def alert(row: Row) -> Alert:
    return Alert(
        id=row["id"],
        guild_id=row["guild_id"],
        kind=AlertKind(row["kind"]),
        subject=row["subject"],
        key=row["key"],
        body=row["body"],
        status=AlertStatus(row["status"]),
        attempts=row["attempts"],
        error=row["error"],
        channel_id=row["channel_id"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
        route=row["route"],
    )


def announced_strike(row: Row) -> AnnouncedStrike:
    return AnnouncedStrike(
        id=row["id"],
        guild_id=row["guild_id"],
        start=date.fromisoformat(row["start_date"]),
        end=date.fromisoformat(row["end_date"]),
        staff_group=row["staff_group"],
        unions=row["unions"],
        note=row["note"],
    )
