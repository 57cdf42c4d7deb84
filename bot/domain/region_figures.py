"""A region's figures per strike, summed from its trusts' as every sum is (bot/domain/figures.py)."""

from __future__ import annotations

from bot.domain.figures import add
from bot.domain.records import PeriodFigures
from bot.domain.regions import canonical_region
from bot.domain.reports import Snapshot


def region_periods(snapshot: Snapshot, region: str) -> list[PeriodFigures]:
    """Every strike with a release, oldest first, with the sum of the region's trusts in it."""
    codes = [
        code
        for code, trust in snapshot.trusts.items()
        if canonical_region(trust.region) == region and code in snapshot.by_trust
    ]
    return [
        PeriodFigures(
            period,
            release,
            add(
                snapshot.by_trust[code][period.id]
                for code in codes
                if period.id in snapshot.by_trust[code]
            ),
            versions,
        )
        for period, release, versions in snapshot.current
    ]
