"""Strikes a server announces itself, and the reminders they cause (pure: no Discord, no SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain.alerts import AlertKind, Draft
from bot.domain.formatting import escape, period_label

if TYPE_CHECKING:
    from bot.domain.ports import Store

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True, slots=True)
class AnnouncedStrike:
    id: int
    guild_id: int
    start: date
    end: date
    staff_group: str
    unions: str
    note: str


def reminder_times(start: date) -> list[tuple[str, datetime]]:
    """The day before at 09:00 and the first morning at 07:00, London time, as aware datetimes."""
    return [
        ("day-before", datetime.combine(start - timedelta(days=1), time(9, 0), LONDON)),
        ("first-morning", datetime.combine(start, time(7, 0), LONDON)),
    ]


def reminder_text(strike: AnnouncedStrike, which: str) -> str:
    when = "starts tomorrow" if which == "day-before" else "starts today"
    who = escape(strike.staff_group) + (f" ({escape(strike.unions)})" if strike.unions else "")
    extra = f"\n{escape(strike.note)}" if strike.note else ""
    return (
        f"**Strike reminder:** {who} strike {period_label(strike.start, strike.end)} {when}.{extra}"
    )


def reminders(strike: AnnouncedStrike, now: datetime) -> list[tuple[Draft, datetime]]:
    """The reminders still to come, each with the time it is due (one announced late gets fewer)."""
    return [
        (
            Draft(
                strike.guild_id,
                AlertKind.REMINDER,
                str(strike.id),
                which,
                reminder_text(strike, which),
            ),
            when,
        )
        for which, when in reminder_times(strike.start)
        if when > now
    ]


async def announce(
    store: Store, strike: AnnouncedStrike, *, created_by: int | None, now: datetime
) -> AnnouncedStrike:
    """Record a strike a server announced and write its reminders, due at their times."""
    async with store.transaction() as unit:
        stored = await unit.add_announced_strike(strike, created_by)
        for draft, due in reminders(stored, now):
            await unit.write_alerts([draft], due=due)
    return stored


async def cancel(store: Store, guild_id: int, strike_id: int) -> AnnouncedStrike | None:
    """Cancel a strike this server announced, and its reminders not yet sent."""
    async with store.transaction() as unit:
        strike = await unit.cancel_announced_strike(guild_id, strike_id)
        if strike is not None:
            await unit.cancel_pending(guild_id, AlertKind.REMINDER, str(strike_id))
    return strike
