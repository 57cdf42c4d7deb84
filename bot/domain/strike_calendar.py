"""The strike calendar: matching a release to the strike period it reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.dates import dates_in_text
from bot.domain.records import StrikePeriod

# A release normally follows its strike within days; beyond this a publication date proves nothing.
PUBLICATION_LAG = timedelta(days=21)


def _overlap(period: StrikePeriod, start: date, end: date) -> int:
    return max(0, (min(period.end, end) - max(period.start, start)).days + 1)


@dataclass(frozen=True)
class PeriodMatch:
    """The period a release reports, how it was found, and (when no calendar period fits) the dates to add."""

    period: StrikePeriod | None
    how: str
    new_dates: tuple[date, date] | None = None


def match_period(
    periods: Sequence[StrikePeriod],
    *,
    texts: Sequence[str],
    days: Sequence[date],
    published: date | None,
) -> PeriodMatch:
    """Find the strike a release reports.

    Dates named in the link text or the sheet title win (NHS England names the strike as called,
    while the table may stop a day early when action ends at 07:00); then the table's days; then
    the publication date. Text dates that contradict the table's days are ignored.
    """
    first_day, last_day = (min(days), max(days)) if days else (None, None)
    for text in texts:
        named = dates_in_text(text or "")
        if not named:
            continue
        start, end = named
        if first_day and (end < first_day - timedelta(days=1) or start > last_day):
            continue  # e.g. a publication date in the link text
        best = _best_overlap(periods, start, end)
        if best:
            return PeriodMatch(best, f"dates named in {text!r}")
        if start == end and not first_day:
            continue  # one day outside the calendar is more likely a publication date than a strike
        return PeriodMatch(None, f"dates named in {text!r}, not in the calendar", (start, end))
    if first_day and last_day:
        best = _best_overlap(periods, first_day, last_day)
        if best:
            return PeriodMatch(best, "the table's strike days")
        return PeriodMatch(
            None, "the table's strike days, not in the calendar", (first_day, last_day)
        )
    if published:
        before = [p for p in periods if p.end <= published and published - p.end <= PUBLICATION_LAG]
        if before:
            return PeriodMatch(
                max(before, key=lambda p: p.end), f"publication date {published.isoformat()}"
            )
    return PeriodMatch(None, "no strike dates in the link text, title or table")


def _best_overlap(periods: Sequence[StrikePeriod], start: date, end: date) -> StrikePeriod | None:
    scored = [(_overlap(p, start, end), -abs((p.start - start).days), p) for p in periods]
    scored = [s for s in scored if s[0] > 0]
    return max(scored, key=lambda s: (s[0], s[1]))[2] if scored else None
