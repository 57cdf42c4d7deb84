"""Answers that fit on one screen: the strikes that touched a subject, what a reader asks next, the rest folded.

A strike with nothing rescheduled folds into one line; a strike with no return stays visible ("not
reported" is not zero). Each strike shown carries the change from the previous strike of the same
staff group and, for a trust, its share of England's figure for that strike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.figures import Figures
from bot.domain.records import PeriodFigures, Trust
from bot.domain.reports import LeagueRow, Snapshot

SHOWN = 12  # strike lines in one answer: one screen on a phone


@dataclass(frozen=True, slots=True)
class StrikeLine:
    figures: PeriodFigures
    previous: PeriodFigures | None  # the previous strike of the same staff group, with figures
    share: float | None  # of England's figure for the strike (a trust's answer only)

    @property
    def change(self) -> int | None:
        now = self.figures.figures.total
        before = self.previous.figures.total if self.previous else None
        return None if now is None or before is None else now - before


@dataclass(frozen=True, slots=True)
class Folded:
    lines: list[StrikeLine]  # newest first
    none_rescheduled: int  # strikes that touched nothing here, folded
    older: int  # strikes with figures beyond the shown ones, folded
    older_total: int  # what those older strikes rescheduled


def fold(
    periods: Sequence[PeriodFigures],
    england: Mapping[int, Figures] | None = None,
    shown: int = SHOWN,
) -> Folded:
    """`periods` oldest first, as reports hold them."""
    previous: dict[str, PeriodFigures] = {}
    lines = []
    for p in periods:
        group = p.period.staff_groups.strip().lower()
        if p.figures.total == 0:
            continue  # folded; not a "previous" either: the change is from the last strike it touched
        national = england.get(p.period.id) if england is not None else None
        share = (
            p.figures.total / national.total
            if p.figures.total is not None and national is not None and national.total
            else None
        )
        lines.append(StrikeLine(p, previous.get(group) if group else None, share))
        if p.figures.total is not None and group:
            previous[group] = p
    lines.reverse()
    kept, rest = lines[:shown], lines[shown:]
    return Folded(
        kept,
        none_rescheduled=sum(p.figures.total == 0 for p in periods),
        older=len(rest),
        older_total=sum(line.figures.figures.total or 0 for line in rest),
    )


def rank_in_region(snapshot: Snapshot, trust: Trust) -> tuple[int, int] | None:
    """The trust's rank by running total among its region's trusts with figures, and how many."""
    if not trust.region:
        return None
    league = snapshot.league(None, trust.region)
    rank = next((row.rank for row in league if row.trust.org_code == trust.org_code), None)
    return (rank, len(league)) if rank is not None else None


def fold_league(rows: Sequence[LeagueRow], limit: int) -> tuple[list[LeagueRow], int]:
    """The top `limit` trusts with something rescheduled, and how many trusts had none."""
    touched = [r for r in rows if r.figures.total]
    return touched[:limit], len(rows) - len(touched)
