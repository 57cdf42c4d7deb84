"""Turnout: staff absent because of industrial action, per trust and day, and England's per day.

The rules, once: "not reported" (None) is never 0; England on a day is the file's own England row
where it states one, else the sum of the trusts that reported that day; a region on a day is the
sum of its trusts that reported; the England row is cross-checked against the trusts' sum as the
rescheduled part's is; a peak is the highest reported day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.figures import plus
from bot.domain.ports import StaffLike
from bot.domain.records import Turnout, Workforce

_SHOWN_DAYS = 5  # a cross-check names at most this many days that differ


def summed_per_day(rows: Iterable[StaffLike]) -> dict[date, int | None]:
    """Each day's sum over the trusts that reported it; None on a day no trust reported."""
    out: dict[date, int | None] = {}
    for r in rows:
        out[r.day] = plus(out.get(r.day), r.absent)
    return out


def england(days: Sequence[tuple[date, int | None]], rows: Iterable[StaffLike]) -> Turnout:
    """England per day: the file's England row where it states the day, else the trusts' sum."""
    summed = summed_per_day(rows)
    return Turnout(
        tuple((d, stated if stated is not None else summed.get(d)) for d, stated in days)
    )


def sum_of_trusts(days: Iterable[date], rows: Iterable[StaffLike]) -> Turnout:
    """A group of trusts (a region) per day: the sum of those that reported; None on a day none
    did. A file's England row speaks for England alone."""
    per_day = summed_per_day(rows)
    return Turnout(tuple((d, per_day.get(d)) for d in sorted(days)))


def cross_check(days: Sequence[tuple[date, int | None]], rows: Iterable[StaffLike]) -> str:
    """ "ok", or the days on which the England row differs from the sum of the trusts that reported."""
    summed = summed_per_day(rows)
    differ = [
        (d, stated, summed.get(d) or 0)
        for d, stated in days
        if stated is not None and stated != (summed.get(d) or 0)
    ]
    if not differ:
        return "ok"
    shown = "; ".join(
        f"{d.isoformat()}: trust rows sum to {s:,}, the England row says {e:,}"
        for d, e, s in differ[:_SHOWN_DAYS]
    )
    more = f"; and {len(differ) - _SHOWN_DAYS} more days" if len(differ) > _SHOWN_DAYS else ""
    return f"staff absent: {shown}{more}"


def by_trust(days: Iterable[date], rows: Iterable[StaffLike]) -> dict[str, Turnout]:
    """Each trust in the rows, with every day of the part (None where it reported nothing)."""
    per: dict[str, dict[date, int | None]] = {}
    for r in rows:
        held = per.setdefault(r.org_code, {})
        held[r.day] = plus(held.get(r.day), r.absent)
    ordered = sorted(days)
    return {
        code: Turnout(tuple((d, values.get(d)) for d in ordered)) for code, values in per.items()
    }


def outside_strike(days: Iterable[date], start: date, end: date) -> list[date]:
    """The days a workforce part reports that are not days of the strike it belongs to."""
    return sorted(d for d in set(days) if d < start or d > end)


@dataclass(frozen=True)
class PeriodTurnout:
    """One strike's workforce part, from its current release: England per day and every trust."""

    staff_group: str
    validation: str
    england: Turnout
    trusts: Mapping[str, Turnout]  # org code -> days; a trust that reported no day is still here

    @property
    def days(self) -> list[date]:
        return [d for d, _n in self.england.days]

    def of(self, org_code: str) -> Turnout | None:
        """A trust's days, or None when it made no return (absent, or no day reported)."""
        found = self.trusts.get(org_code)
        return found if found is not None and found.reported else None


def period_turnout(part: Workforce, rows: Sequence[StaffLike]) -> PeriodTurnout:
    """A stored workforce part and its rows, as a strike's turnout."""
    return PeriodTurnout(
        staff_group=part.staff_group,
        validation=part.validation,
        england=england(part.days, rows),
        trusts=by_trust((d for d, _n in part.days), rows),
    )
