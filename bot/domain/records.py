"""The domain's records: trusts, strike periods, releases and the spreadsheets they come from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.domain.figures import Figures


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
    origin: str = "calendar"  # calendar | release | announced

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
    status: str  # ingested | skipped | failed
    error: str | None
    period_id: int | None
    sheet: str | None = None
    shape: str | None = None
    england_inpatient: int | None = None
    england_outpatient: int | None = None
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
    status: str | None  # ingested | skipped | failed | None (never fetched)
    error: str | None
    checked_at: str | None


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """A subject's (trust's or England's) figures for one strike period, from that period's current release."""

    period: StrikePeriod
    release: Release
    figures: Figures
    versions: int = 1  # how many ingested versions the period has; > 1 means revised
    days: tuple[tuple[date | None, Figures], ...] = field(default=())

    @property
    def revised(self) -> bool:
        return self.versions > 1
