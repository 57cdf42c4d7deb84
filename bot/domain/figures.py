"""Figures and the one rule for adding them up: "not reported" (None) is never the same as 0.

Every sum Strikewatch shows goes through these functions: a trust's days into its strike, trusts
into England, strikes into a running total. The store hands over rows as reported; it never sums.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def plus(a: int | None, b: int | None) -> int | None:
    """a + b where None is "not reported": the sum is None only when both are."""
    if a is None:
        return b
    if b is None:
        return a
    return a + b


@dataclass(frozen=True, slots=True)
class Figures:
    """Inpatient and outpatient rescheduled; None is "not reported", never 0."""

    inpatient: int | None
    outpatient: int | None

    @property
    def total(self) -> int | None:
        return plus(self.inpatient, self.outpatient)


NOT_REPORTED = Figures(None, None)


def add(figures: Iterable[Figures]) -> Figures:
    """Sum figures side by side; a side is None only when every part of it is None."""
    inpatient = outpatient = None
    for f in figures:
        inpatient = plus(inpatient, f.inpatient)
        outpatient = plus(outpatient, f.outpatient)
    return Figures(inpatient, outpatient)


def running_total(figures: Iterable[Figures]) -> int:
    """A total over strikes: what was not reported adds nothing."""
    return sum(f.total or 0 for f in figures)
