"""The strike calendar: matching a release to the strike period it reports."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.records import StrikePeriod

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(\d{4}|\d{2}(?!\d))"
# "19 to 23 September 2023", "27 June - 2 July 2024", "29 December 2023 to 3 January 2024", "15 and 20 Dec 2022"
RANGE = re.compile(
    rf"\b{_DAY}(?:\s+{_MONTH}\.?(?:\s+{_YEAR})?)?\s*(?:-|–|—|to|until|and|&)\s*{_DAY}\s+{_MONTH}\.?,?\s+{_YEAR}\b",
    re.IGNORECASE,
)
SINGLE = re.compile(rf"\b{_DAY}\s+{_MONTH}\.?,?\s+{_YEAR}\b", re.IGNORECASE)
FILE_DATE = re.compile(r"(20\d{2})(0[1-9]|1[0-2])([0-2]\d|3[01])")
# A release normally follows its strike within days; beyond this a publication date proves nothing.
PUBLICATION_LAG = timedelta(days=21)


def _year(text: str) -> int:
    value = int(text)
    return value + 2000 if value < 100 else value


def dates_in_text(text: str) -> tuple[date, date] | None:
    """The first strike date range a text names ("19 to 23 September 2023"), or one named day."""
    match = RANGE.search(text)
    try:
        if match:
            d1, m1, y1, d2, m2, y2 = match.groups()
            end_year = _year(y2)
            end = date(end_year, MONTHS[m2.lower()], int(d2))
            start_month = MONTHS[m1.lower()] if m1 else end.month
            start_year = (
                _year(y1) if y1 else (end_year if start_month <= end.month else end_year - 1)
            )
            start = date(start_year, start_month, int(d1))
            if start <= end:
                return start, end
        match = SINGLE.search(text)
        if match:
            day = date(_year(match[3]), MONTHS[match[2].lower()], int(match[1]))
            return day, day
    except ValueError:  # "31 September": not a date, so not a strike
        return None
    return None


def date_in_filename(url: str) -> date | None:
    """NHS England's file names carry the publication date as YYYYMMDD."""
    match = FILE_DATE.search(url.rsplit("/", 1)[-1])
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


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
