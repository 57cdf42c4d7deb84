"""The release data model: trusts, strike days, figures per trust per day, and expected totals."""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ACUTE_TRUSTS_CSV = Path(__file__).resolve().parents[2] / "bot" / "data" / "acute_trusts.csv"


@dataclass
class Release:
    title: str
    days: list[date]
    figures: dict[str, dict[date, tuple[int | None, int | None]]]  # code -> day -> (in, out)
    trusts: dict[str, tuple[str, str]]  # code -> (name, region)
    # The workforce part (tests/replica/workforce.py add_workforce): code -> day -> staff absent;
    # a trust missing here made no workforce return. None: the release has no workforce part.
    staff: dict[str, dict[date, int | None]] | None = None
    staff_days: list[date] = field(default_factory=list)
    staff_group: str = ""


def reference_trusts() -> dict[str, tuple[str, str]]:
    with ACUTE_TRUSTS_CSV.open(newline="", encoding="utf-8") as f:
        return {r["org_code"]: (r["name"], r["region"]) for r in csv.DictReader(f)}


def default_title(days: Sequence[date]) -> str:
    first, last = days[0], days[-1]
    if (first.month, first.year) == (last.month, last.year):
        return f"Industrial action {first.day} to {last.day} {last:%B %Y}"
    return f"Industrial action {first.day} {first:%B} to {last.day} {last:%B %Y}"


def make_release(
    trusts: Mapping[str, tuple[str, str]] | int,
    days: Sequence[date],
    seed: int,
    *,
    missing: float = 0.0,
    title: str | None = None,
) -> Release:
    """Deterministic figures: inpatient 0-300 and outpatient 0-1500 per trust per day.

    trusts is a mapping (org code -> (name, region)) or a count of reference trusts to take.
    missing is the share of cells left "not reported" (None).
    """
    if isinstance(trusts, int):
        ref = reference_trusts()
        trusts = {code: ref[code] for code in sorted(ref)[:trusts]}
    rng = random.Random(seed)
    figures: dict[str, dict[date, tuple[int | None, int | None]]] = {}
    for code in trusts:
        per_day = {}
        for day in days:
            inp = None if rng.random() < missing else rng.randint(0, 300)
            out = None if rng.random() < missing else rng.randint(0, 1500)
            per_day[day] = (inp, out)
        figures[code] = per_day
    days = sorted(days)
    return Release(title or default_title(days), list(days), figures, dict(trusts))


def add_figures(a: int | None, b: int | None) -> int | None:
    """A sum where "not reported" (None) is not 0: None only if both are None."""
    # Written out here rather than taken from bot/: the expected totals must not share its code.
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def expected_totals(release: Release) -> dict[str, tuple[int | None, int | None]]:
    """Per-trust sums over days; a measure is None only if every day is None."""
    out = {}
    for code, per_day in release.figures.items():
        inp = outp = None
        for a, b in per_day.values():
            inp, outp = add_figures(inp, a), add_figures(outp, b)
        out[code] = (inp, outp)
    return out


def england_totals(release: Release) -> tuple[int, int]:
    totals = expected_totals(release).values()
    return sum(a or 0 for a, _ in totals), sum(b or 0 for _, b in totals)
