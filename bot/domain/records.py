"""The domain's records: trusts, strike periods, releases, the spreadsheets they come from, polls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple

from bot.domain.figures import Figures


class ReleaseStatus(StrEnum):
    INGESTED = "ingested"
    SKIPPED = "skipped"  # readable, but not strike data
    FAILED = "failed"  # unreadable, or unreachable


class PeriodOrigin(StrEnum):
    CALENDAR = "calendar"  # shipped with Strikewatch
    RELEASE = "release"  # a release reported a strike the calendar lacks


@dataclass(frozen=True, slots=True)
class Trust:
    org_code: str
    name: str
    region: str | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StrikePeriod:
    id: int
    start: date
    end: date
    staff_groups: str = ""
    unions: str = ""
    scope: str = ""
    national_inpatient: int | None = None  # as NHS England published them, not summed by us
    national_outpatient: int | None = None
    national_total: int | None = None
    origin: PeriodOrigin = PeriodOrigin.CALENDAR

    def status(self, today: date) -> str:
        if self.end < today:
            return "past"
        if self.start > today:
            return "upcoming"
        return "ongoing"


@dataclass(frozen=True, slots=True)
class Release:
    """One downloaded content version of one spreadsheet."""

    id: int
    url: str
    link_text: str
    fetched_at: str
    published: date
    sha256: str
    status: ReleaseStatus
    error: str | None
    period_id: int | None
    sheet: str | None = None
    shape: str | None = None
    england: Figures | None = None  # the workbook's own England row, if it has one
    validation: str = "ok"


@dataclass(frozen=True, slots=True)
class Document:
    """A spreadsheet link on the publication page and the outcome of its last fetch."""

    url: str
    link_text: str
    listed: bool
    etag: str | None
    last_modified: str | None
    sha256: str | None
    status: ReleaseStatus | None  # None: never fetched
    error: str | None
    checked_at: str | None


@dataclass(frozen=True, slots=True)
class Turnout:
    """Staff absent because of industrial action per strike day, at a trust or in England.

    None is "not reported", never 0; a subject with no reported day has no peak.
    """

    days: tuple[tuple[date, int | None], ...]  # every day of the workforce part, oldest first

    @property
    def reported(self) -> bool:
        return any(n is not None for _d, n in self.days)

    @property
    def peak(self) -> int | None:
        return max((n for _d, n in self.days if n is not None), default=None)

    @property
    def peak_day(self) -> date | None:
        """The first day with the peak; None when no day was reported."""
        peak = self.peak
        return next((d for d, n in self.days if n is not None and n == peak), None)


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """A subject's (trust's or England's) figures for one strike period, from that period's current release."""

    period: StrikePeriod
    release: Release
    figures: Figures
    versions: int = 1  # how many ingested versions the period has; > 1 means revised
    days: tuple[tuple[date | None, Figures], ...] = field(default=())
    staff_absent: Turnout | None = None  # None: no workforce return for this strike

    @property
    def revised(self) -> bool:
        return self.versions > 1


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One strike of the shipped calendar, with NHS England's national figures where published."""

    start: date
    end: date
    staff_groups: str
    unions: str
    scope: str
    national: Figures
    national_total: int | None
    source_url: str | None


@dataclass(frozen=True, slots=True)
class NewRelease:
    """A release as ingest hands it to the store: one content version of one spreadsheet."""

    url: str
    published: date
    sha256: str
    status: ReleaseStatus
    link_text: str = ""
    etag: str | None = None
    last_modified: str | None = None
    size_bytes: int | None = None
    error: str | None = None
    period_id: int | None = None
    sheet: str | None = None
    shape: str | None = None
    england: Figures | None = None  # the workbook's own England row, if it has one
    validation: str = "ok"


@dataclass(frozen=True, slots=True)
class DocumentState:
    """The outcome of fetching one spreadsheet link: what to remember about it."""

    url: str
    status: ReleaseStatus
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None


class TrustDay(NamedTuple):
    """One trust's figures for one strike day (day None: a period total), as a release reports them."""

    org_code: str
    day: date | None
    inpatient: int | None
    outpatient: int | None


class FigureRow(NamedTuple):
    """One trust's figures for one day of a release (day None: the release gives period totals)."""

    release_id: int
    org_code: str
    day: date | None
    inpatient: int | None
    outpatient: int | None


class StaffAbsentRow(NamedTuple):
    """Staff absent because of industrial action at one trust on one strike day, as a release reports it."""

    release_id: int
    org_code: str
    day: date
    absent: int | None  # None: not reported (never the same as 0)


@dataclass(frozen=True, slots=True)
class Workforce:
    """A release's workforce part (staff absent per trust and day): how it was read, or why not."""

    read: bool  # False: the release has no readable workforce part; `note` says why
    note: str  # how the part was read, or why it was skipped
    sheet: str | None = None
    shape: str | None = None  # "wide" | "long"
    staff_group: str = ""  # the staff the file says it counts, as it labels them
    validation: str = "ok"  # the England row against the sum of the trusts that reported
    # every day the part covers, with the file's own England row that day (None: no England row)
    days: tuple[tuple[date, int | None], ...] = ()


@dataclass(frozen=True, slots=True)
class PollRecord:
    """One recorded poll; ok is None while it runs (or when the process died during it)."""

    started_at: str
    finished_at: str | None
    ok: bool | None
    summary: dict[str, Any] | None
    error: str | None
