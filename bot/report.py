"""Answers about the stored figures: a trust's strikes and running total, England's, the calendar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.models import Figures, PeriodFigures, Release, StrikePeriod, Trust
from storage import SQLiteStore


def add(figures: Iterable[Figures]) -> Figures:
    """Sum figures keeping "not reported": a side is None only when every part of it is None."""
    inpatient = outpatient = None
    for f in figures:
        if f.inpatient is not None:
            inpatient = (inpatient or 0) + f.inpatient
        if f.outpatient is not None:
            outpatient = (outpatient or 0) + f.outpatient
    return Figures(inpatient, outpatient)


def cumulative(periods: Iterable[PeriodFigures]) -> int:
    return sum(p.figures.total or 0 for p in periods)


@dataclass(frozen=True)
class TrustReport:
    trust: Trust
    periods: list[PeriodFigures]  # every period that has a release, oldest first

    @property
    def cumulative_total(self) -> int:
        return cumulative(self.periods)

    def as_json(self) -> dict:
        return {
            "org_code": self.trust.org_code,
            "name": self.trust.name,
            "region": self.trust.region,
            "aliases": list(self.trust.aliases),
            "cumulative_total": self.cumulative_total,
            "periods": [
                {
                    **_period_json(p.period),
                    "inpatient": p.figures.inpatient,
                    "outpatient": p.figures.outpatient,
                    "total": p.figures.total,
                    "days": [
                        {
                            "date": d.isoformat() if d else None,
                            "inpatient": f.inpatient,
                            "outpatient": f.outpatient,
                        }
                        for d, f in p.days
                    ],
                    **_release_json(p),
                }
                for p in self.periods
            ],
        }


@dataclass(frozen=True)
class NationalReport:
    periods: list[PeriodFigures]

    @property
    def cumulative_total(self) -> int:
        return cumulative(self.periods)

    def as_json(self) -> dict:
        return {
            "cumulative_total": self.cumulative_total,
            "periods": [
                {
                    **_period_json(p.period),
                    "inpatient": p.figures.inpatient,
                    "outpatient": p.figures.outpatient,
                    "total": p.figures.total,
                    "england_row": (
                        None
                        if p.release.england_inpatient is None
                        and p.release.england_outpatient is None
                        else {
                            "inpatient": p.release.england_inpatient,
                            "outpatient": p.release.england_outpatient,
                        }
                    ),
                    "published_national_total": p.period.national_total,
                    "validation": p.release.validation,
                    **_release_json(p),
                }
                for p in self.periods
            ],
        }


def _period_json(period: StrikePeriod) -> dict:
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "staff_groups": period.staff_groups,
    }


def _release_json(p: PeriodFigures) -> dict:
    return {
        "release_url": p.release.url,
        "published": p.release.published.isoformat(),
        "revised": p.revised,
        "versions": p.versions,
    }


class Reports:
    """Reads the store once per question; shared by the command line and the Discord cogs."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store

    async def _current(self) -> list[tuple[StrikePeriod, Release, int]]:
        periods = {p.id: p for p in await self.store.periods()}
        current = [
            (periods[r.period_id], r, v)
            for r, v in await self.store.current_releases()
            if r.period_id in periods
        ]
        return sorted(current, key=lambda item: item[0].start)

    async def trust(self, trust: Trust) -> TrustReport:
        current = await self._current()
        rows = await self.store.trust_figures(trust.org_code, [r.id for _, r, _ in current])
        periods = []
        for period, release, versions in current:
            days = rows.get(release.id, [])
            periods.append(
                PeriodFigures(period, release, add(f for _, f in days), versions, tuple(days))
            )
        return TrustReport(trust, periods)

    async def national(self) -> NationalReport:
        current = await self._current()
        sums = await self.store.release_sums([r.id for _, r, _ in current])
        return NationalReport(
            [PeriodFigures(p, r, sums.get(r.id, Figures(None, None)), v) for p, r, v in current]
        )

    async def national_days(self, release: Release) -> list[tuple[date | None, Figures]]:
        return await self.store.release_days(release.id)

    async def strikes(self, today: date) -> list[dict]:
        """The calendar, with England's total from our releases where we hold one, else as published."""
        national = {p.period.id: p for p in (await self.national()).periods}
        out = []
        for period in await self.store.periods():
            held = national.get(period.id)
            total = held.figures.total if held else period.national_total
            out.append(
                {
                    **_period_json(period),
                    "unions": period.unions,
                    "national_total": total,
                    "national_total_source": "release"
                    if held
                    else ("published" if total is not None else None),
                    "status": period.status(today),
                    "has_release": held is not None,
                }
            )
        return out
