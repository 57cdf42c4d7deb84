"""Answers about the stored figures: a trust's strikes and running total, England's, league tables."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TypeVar

from bot.domain.figures import NOT_REPORTED, Figures, add, running_total
from bot.domain.records import FigureRow, PeriodFigures, Release, StrikePeriod, Trust, Turnout
from bot.domain.regions import canonical_region
from bot.domain.releases import current_versions
from bot.domain.trust_search import TrustIndex
from bot.domain.turnout import PeriodTurnout


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)


def _period_json(period: StrikePeriod) -> dict:
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "staff_groups": period.staff_groups,
    }


def _figures_json(f: Figures) -> dict:
    return {"inpatient": f.inpatient, "outpatient": f.outpatient, "total": f.total}


def turnout_json(t: Turnout | None) -> dict | None:
    """{"days": {"YYYY-MM-DD": int or null}, "peak": int, "peak_day": "YYYY-MM-DD"}; None when
    nothing was reported (no workforce return)."""
    if t is None or not t.reported:
        return None
    return {
        "days": {d.isoformat(): n for d, n in t.days},
        "peak": t.peak,
        "peak_day": t.peak_day.isoformat() if t.peak_day else None,
    }


def _release_json(p: PeriodFigures) -> dict:
    return {
        "release_url": p.release.url,
        "published": p.release.published.isoformat(),
        "revised": p.revised,
        "versions": p.versions,
    }


@dataclass(frozen=True)
class TrustReport:
    trust: Trust
    periods: list[PeriodFigures]  # every period that has a release, oldest first
    rank: int | None  # by running total among trusts with figures; None when it has none
    ranked: int

    @property
    def cumulative_total(self) -> int:
        return running_total(p.figures for p in self.periods)

    def period(self, period_id: int) -> PeriodFigures | None:
        return next((p for p in self.periods if p.period.id == period_id), None)

    def with_days(self, rows: Iterable[FigureRow]) -> TrustReport:
        """The same report with each strike's figures per day, from this trust's figure rows."""
        days: dict[int, list[tuple[date | None, Figures]]] = {}
        for row in rows:
            days.setdefault(row.release_id, []).append(
                (row.day, Figures(row.inpatient, row.outpatient))
            )
        periods = [
            PeriodFigures(
                p.period,
                p.release,
                p.figures,
                p.versions,
                tuple(days.get(p.release.id, ())),
                p.staff_absent,
            )
            for p in self.periods
        ]
        return TrustReport(self.trust, periods, self.rank, self.ranked)

    def as_json(self) -> dict:
        return {
            "org_code": self.trust.org_code,
            "name": self.trust.name,
            "region": self.trust.region,
            "aliases": list(self.trust.aliases),
            "cumulative_total": self.cumulative_total,
            "rank": self.rank,
            "periods": [
                {
                    **_period_json(p.period),
                    **_figures_json(p.figures),
                    "days": [
                        {
                            "date": d.isoformat() if d else None,
                            "inpatient": f.inpatient,
                            "outpatient": f.outpatient,
                        }
                        for d, f in p.days
                    ],
                    "staff_absent": turnout_json(p.staff_absent),
                    **_release_json(p),
                }
                for p in self.periods
            ],
        }


@dataclass(frozen=True)
class NationalReport:
    periods: list[PeriodFigures]
    # period id -> its workforce part, for the staff group it counts and its England cross-check
    turnout: Mapping[int, PeriodTurnout] = field(default_factory=dict)

    def _workforce_json(self, period_id: int) -> dict | None:
        part = self.turnout.get(period_id)
        if part is None:
            return None
        return {"staff_group": part.staff_group, "validation": part.validation}

    @property
    def cumulative_total(self) -> int:
        return running_total(p.figures for p in self.periods)

    def as_json(self) -> dict:
        return {
            "cumulative_total": self.cumulative_total,
            "periods": [
                {
                    **_period_json(p.period),
                    **_figures_json(p.figures),
                    "england_row": (
                        None
                        if p.release.england is None
                        else {
                            "inpatient": p.release.england.inpatient,
                            "outpatient": p.release.england.outpatient,
                        }
                    ),
                    "published_national_total": p.period.national_total,
                    "validation": p.release.validation,
                    "staff_absent": turnout_json(p.staff_absent),
                    "workforce": self._workforce_json(p.period.id),
                    **_release_json(p),
                }
                for p in self.periods
            ],
        }


@dataclass(frozen=True)
class StrikeRow:
    """One strike of the calendar, with England's figures from the release we hold, if any."""

    period: StrikePeriod
    status: str  # past | ongoing | upcoming
    held: Figures | None  # England's figures from our release; None when we hold none

    @property
    def national_total(self) -> int | None:
        return self.held.total if self.held else self.period.national_total

    @property
    def national_total_source(self) -> str | None:
        """Where national_total comes from: "release", "published" (NHS England's press), or None."""
        if self.held:
            return "release"
        return "published" if self.national_total is not None else None

    def as_json(self) -> dict:
        return {
            **_period_json(self.period),
            "unions": self.period.unions,
            "national_total": self.national_total,
            "national_total_source": self.national_total_source,
            "status": self.status,
            "has_release": self.held is not None,
        }


@dataclass(frozen=True)
class LeagueRow:
    rank: int
    trust: Trust
    figures: Figures


T = TypeVar("T")


def _ranked(
    rows: list[tuple[Trust, T]], value: Callable[[T], int | None]
) -> Iterator[tuple[int, Trust, T]]:
    """Highest value first (by name among equals); ties share a rank: 1, 2, 2, 4."""
    rows = sorted(rows, key=lambda r: (-(value(r[1]) or 0), r[0].name))
    rank, previous = 0, None
    for position, (trust, item) in enumerate(rows, start=1):
        if value(item) != previous:
            rank, previous = position, value(item)
        yield rank, trust, item


def _in_region(trust: Trust, region: str | None) -> bool:
    return not region or canonical_region(trust.region) == canonical_region(region)


@dataclass(frozen=True)
class TurnoutRow:
    rank: int
    trust: Trust
    turnout: Turnout  # reported on at least one day: its peak is set


@dataclass(frozen=True)
class TurnoutLeague:
    """Trusts by peak staff absent in one strike; trusts that did not report are left out, counted."""

    rows: list[TurnoutRow]
    not_reported: int  # trusts of the strike's release (or region) with no staff-absent return


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Every current figure summed per trust and period, held in memory so commands answer at once."""

    stamp: tuple
    trusts: dict[str, Trust]
    current: list[
        tuple[StrikePeriod, Release, int]
    ]  # (period, its current release, versions), by start
    by_trust: dict[str, dict[int, Figures]]  # org code -> period id -> figures
    national: dict[int, Figures]  # period id -> sum of all trust rows
    periods: list[StrikePeriod]  # the whole calendar
    # period id -> its current release's workforce part (staff absent per trust and England per
    # day); a period whose current release has no readable workforce part is not here
    turnout: dict[int, PeriodTurnout] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.current

    @cached_property
    def trust_index(self) -> TrustIndex:
        return TrustIndex(list(self.trusts.values()))

    def period(self, period_id: int) -> StrikePeriod | None:
        return next((p for p in self.periods if p.id == period_id), None)

    def released_periods(self) -> list[StrikePeriod]:
        return [p for p, _, _ in self.current]

    @cached_property
    def _leagues(self) -> dict[tuple[int | None, str | None], list[LeagueRow]]:
        return {}  # a snapshot never changes: each league is worked out once, on first use

    def league(self, period_id: int | None = None, region: str | None = None) -> list[LeagueRow]:
        """Trusts by figures (one strike, or the running total), highest first; ties share a rank."""
        key = (period_id, canonical_region(region) or region)
        if key not in self._leagues:
            self._leagues[key] = self._league(period_id, region)
        return list(self._leagues[key])

    def _league(self, period_id: int | None, region: str | None) -> list[LeagueRow]:
        rows = []
        for code, by_period in self.by_trust.items():
            trust = self._trust(code)
            if not _in_region(trust, region):
                continue
            if period_id is None:
                figures = add(by_period.values())
            elif period_id in by_period:
                figures = by_period[period_id]
            else:
                continue
            if figures.total is not None:
                rows.append((trust, figures))
        return [LeagueRow(*row) for row in _ranked(rows, lambda f: f.total)]

    def _trust(self, code: str) -> Trust:
        return self.trusts.get(code) or Trust(code, code, None)

    def staff_absent(self, period_id: int, org_code: str) -> Turnout | None:
        """A trust's staff absent per day in one strike; None when it made no return."""
        part = self.turnout.get(period_id)
        return part.of(org_code) if part else None

    def england_staff_absent(self, period_id: int) -> Turnout | None:
        """England's staff absent per day in one strike; None when no workforce part was read."""
        part = self.turnout.get(period_id)
        return part.england if part and part.england.reported else None

    def latest_counted(self) -> StrikePeriod | None:
        """The newest strike whose current release counts staff absent."""
        return next((p for p in reversed(self.released_periods()) if p.id in self.turnout), None)

    def turnout_league(self, period_id: int, region: str | None = None) -> TurnoutLeague:
        """Trusts by peak staff absent in one strike, highest first; ties share a rank."""
        part = self.turnout.get(period_id)
        codes = set(part.trusts if part else ()) | {
            code for code, by_period in self.by_trust.items() if period_id in by_period
        }
        rows, silent = [], 0
        for code in codes:
            trust = self._trust(code)
            if not _in_region(trust, region):
                continue
            mine = part.of(code) if part else None
            if mine is None:
                silent += 1
            else:
                rows.append((trust, mine))
        return TurnoutLeague([TurnoutRow(*row) for row in _ranked(rows, lambda t: t.peak)], silent)

    def trust_report(self, trust: Trust) -> TrustReport:
        mine = self.by_trust.get(trust.org_code, {})
        periods = [
            PeriodFigures(
                p,
                r,
                mine.get(p.id, NOT_REPORTED),
                v,
                staff_absent=self.staff_absent(p.id, trust.org_code),
            )
            for p, r, v in self.current
        ]
        league = self.league()
        rank = next((row.rank for row in league if row.trust.org_code == trust.org_code), None)
        return TrustReport(trust, periods, rank, len(league))

    def national_report(self) -> NationalReport:
        return NationalReport(
            [
                PeriodFigures(
                    p,
                    r,
                    self.national.get(p.id, NOT_REPORTED),
                    v,
                    staff_absent=self.england_staff_absent(p.id),
                )
                for p, r, v in self.current
            ],
            self.turnout,
        )

    def csv_export(self, period_id: int | None = None) -> str:
        """Every trust's figures per strike (one strike or all), as CSV with a header row."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                "org_code",
                "name",
                "region",
                "start",
                "end",
                "staff_groups",
                "inpatient",
                "outpatient",
                "total",
                "release_url",
                "published",
                "revised",
            ]
        )
        for period, release, versions in self.current:
            if period_id is not None and period.id != period_id:
                continue
            rows = [
                (self.trusts.get(code) or Trust(code, code, None), by_period[period.id])
                for code, by_period in self.by_trust.items()
                if period.id in by_period
            ]
            for trust, f in sorted(rows, key=lambda r: r[0].name):
                writer.writerow(
                    [
                        trust.org_code,
                        trust.name,
                        trust.region or "",
                        period.start.isoformat(),
                        period.end.isoformat(),
                        period.staff_groups,
                        _blank(f.inpatient),
                        _blank(f.outpatient),
                        _blank(f.total),
                        release.url,
                        release.published.isoformat(),
                        "yes" if versions > 1 else "no",
                    ]
                )
        return out.getvalue()

    def strikes(self, today: date) -> list[StrikeRow]:
        """The calendar, with England's total from our releases where we hold one, else as published."""
        released = {p.id for p, _, _ in self.current}
        return [
            StrikeRow(
                period,
                period.status(today),
                self.national.get(period.id) if period.id in released else None,
            )
            for period in self.periods
        ]


def build_snapshot(
    stamp: tuple,
    periods: list[StrikePeriod],
    releases: Iterable[Release],
    totals: Mapping[int, Mapping[str, Figures]],
    trusts: Iterable[Trust],
    turnout: Mapping[int, PeriodTurnout] | None = None,
) -> Snapshot:
    """From what the store holds: the calendar, ingested releases, each release's trust figures
    and (release id -> its workforce part) each current release's staff absent."""
    by_id = {p.id: p for p in periods}
    current = sorted(
        (
            (by_id[period_id], c.release, c.versions)
            for period_id, c in current_versions(releases).items()
            if period_id in by_id
        ),
        key=lambda item: (item[0].start, item[1].published, item[1].id),
    )
    by_trust: dict[str, dict[int, Figures]] = {}
    national: dict[int, Figures] = {}
    for period, release, _ in current:
        per_trust = totals.get(release.id, {})
        national[period.id] = add(per_trust.values())
        for code, figures in per_trust.items():
            by_trust.setdefault(code, {})[period.id] = figures
    staff = {
        period.id: (turnout or {})[release.id]
        for period, release, _ in current
        if release.id in (turnout or {})
    }
    return Snapshot(
        stamp, {t.org_code: t for t in trusts}, current, by_trust, national, periods, staff
    )
