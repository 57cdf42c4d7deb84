"""The workforce part of a release: staff absent because of industrial action, per trust and day.

    add_workforce(release, seed, *, peak=None, ...) -> Release   fills release.staff (and its days
                                  and staff group) so that England on the peak day is the peak
    expected_staff(release) -> {code: {day: int | None}}   trusts that made a return
    england_staff(release) -> {day: int | None}            the sum of the trusts that reported

Writer options (keyword-only, for the three writers in layouts.py; they need release.staff):
    workforce=None          "wide": its own sheet, one column per day, the date in the label
                            ("Junior doctors absent 20/09/2023"); "wide-merged": the staff label
                            merged over a row of dates; "dates": a row of bare dates, the staff
                            named only in the title above; "long": Date, code, name, region,
                            Staff group, "<group> absent"; "long-measure": Date, code, name,
                            region, Measure, Value; "beside": in the data sheet (wide: a sub-column
                            per day; long: measure rows, or a column with by_measure)
    workforce_sheet="Staff absent"   its sheet's name
    workforce_first=False   its sheet before the data sheet
    workforce_england="top" "top" / "bottom" / None: where its ENGLAND row goes
    workforce_no_return="omit"       a trust with no workforce return: "omit" (no row), "blank"
                            (a row of blank cells) or "-" (a row of "-")
    workforce_poison=None   {org_code: value} written instead of the trust's first-day figure
    workforce_duplicate=None         an org code whose row(s) are written twice; the second copy's
                            first day one higher unless workforce_duplicate_same=True
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from tests.replica.release import Release
from tests.replica.tables import col

OWN_SHEET = ("wide", "wide-merged", "dates", "long", "long-measure")


@dataclass(frozen=True)
class PublishedPeak:
    """England's daily peak of staff absent for a strike, as NHS England's press releases gave it."""

    start: date  # the strike period as the calendar names it
    end: date
    day: date  # the day of the peak
    absent: int
    staff_group: str


# The day of the first two peaks was not published with them: the replica puts them on the first
# full day of action. The last three were published with their day.
NURSES_APRIL_2023 = PublishedPeak(
    date(2023, 4, 30), date(2023, 5, 2), date(2023, 5, 1), 5_034, "Nurses"
)
JULY_2023 = PublishedPeak(
    date(2023, 7, 13), date(2023, 7, 18), date(2023, 7, 13), 20_342, "Junior doctors"
)
AUGUST_2023 = PublishedPeak(
    date(2023, 8, 11), date(2023, 8, 15), date(2023, 8, 11), 23_682, "Junior doctors"
)
SEPTEMBER_2023 = PublishedPeak(
    date(2023, 9, 19),
    date(2023, 9, 23),
    date(2023, 9, 20),
    26_802,
    "Consultants and junior doctors",
)
OCTOBER_2023 = PublishedPeak(
    date(2023, 10, 2),
    date(2023, 10, 5),
    date(2023, 10, 3),
    27_137,
    "Consultants and junior doctors",
)
PUBLISHED_PEAKS = (NURSES_APRIL_2023, JULY_2023, AUGUST_2023, SEPTEMBER_2023, OCTOBER_2023)


def add_workforce(
    release: Release,
    seed: int,
    *,
    peak: PublishedPeak | None = None,
    days: Sequence[date] | None = None,
    silent: Iterable[str] | None = None,
    no_return: float = 0.1,
    nil: float = 0.25,
    missing: float = 0.02,
    staff_group: str | None = None,
) -> Release:
    """Staff absent for the release's trusts, deterministic by seed; returns the release.

    England's sum on the peak day is the peak and every other day is lower. `silent` trusts (else a
    `no_return` share) make no workforce return; a `nil` share of the others return zeros; a
    `missing` share of the remaining cells are not reported. `days` default to the release's.
    """
    rng = random.Random(seed)
    days = sorted(days or release.days)
    codes = sorted(release.trusts)
    quiet = (
        set(silent) if silent is not None else set(rng.sample(codes, round(len(codes) * no_return)))
    )
    reporters = [c for c in codes if c not in quiet]
    zeros = set(rng.sample(reporters, round(len(reporters) * nil)))
    active = [c for c in reporters if c not in zeros]
    if peak is not None:
        if peak.day not in days:
            raise ValueError(f"the peak day {peak.day} is not one of the days {days}")
        peak_day, top = peak.day, peak.absent
    else:
        peak_day, top = days[len(days) // 2], rng.randint(800, 3000)
    staff: dict[str, dict[date, int | None]] = {c: {} for c in reporters}
    for day in days:
        target = top if day == peak_day else int(top * rng.uniform(0.45, 0.95))
        gaps = {c for c in active if rng.random() < missing}
        givers = [c for c in active if c not in gaps]
        weights = [rng.randint(1, 100) for _ in givers]
        shares = [target * w // sum(weights) for w in weights]
        for k in range(target - sum(shares)):
            shares[k % len(shares)] += 1
        for c in zeros:
            staff[c][day] = 0
        for c in gaps:
            staff[c][day] = None
        for c, n in zip(givers, shares, strict=True):
            staff[c][day] = n
    release.staff = staff
    release.staff_days = days
    release.staff_group = staff_group or (peak.staff_group if peak else "Junior doctors")
    return release


def expected_staff(release: Release) -> dict[str, dict[date, int | None]]:
    """Each trust that made a return: its staff absent per day (None: not reported that day)."""
    assert release.staff is not None, "the release has no workforce part: add_workforce() first"
    return {code: dict(per_day) for code, per_day in release.staff.items()}


def england_staff(release: Release) -> dict[date, int | None]:
    """England per day: the sum of the trusts that reported (None on a day none did)."""
    # Written out here rather than taken from bot/: the expected figures must not share its code.
    out: dict[date, int | None] = {}
    for day in release.staff_days:
        values = [v[day] for v in (release.staff or {}).values() if v.get(day) is not None]
        out[day] = sum(values) if values else None
    return out


def staff_label(release: Release, opts) -> str:
    if opts.labels and "staff" in opts.labels:
        return opts.labels["staff"]
    if release.staff is not None and release.staff_group:
        return f"{release.staff_group} absent"
    return opts.label("staff")


def staff_value(release: Release, code: str, region: str, day: date, kind: str) -> int | None:
    """Staff absent for a trust, England ("england") or a region subtotal ("region") on a day."""
    staff = release.staff or {}
    if kind == "trust":
        return staff.get(code, {}).get(day)
    values = [
        per_day.get(day)
        for c, per_day in staff.items()
        if kind == "england" or release.trusts[c][1] == region
    ]
    values = [v for v in values if v is not None]
    return sum(values) if values else None


def staff_sheet(
    release: Release, opts, region_codes: dict[str, str], date_cell
) -> tuple[list[list], list[str]]:
    """The rows and merged ranges of a workforce sheet in the layout opts.workforce names."""
    if release.staff is None:
        raise ValueError("workforce= needs release.staff: call add_workforce(release, seed) first")
    layout, days, label = opts.workforce, release.staff_days, staff_label(release, opts)
    ids = [opts.label(k) for k in opts.id_order]
    width = len(ids)
    rows: list[list] = [[f"{label} due to industrial action, by trust and day"], [None]]
    merges: list[str] = []
    if layout == "wide":
        rows.append(ids + [f"{label} {d:%d/%m/%Y}" for d in days])
    elif layout == "wide-merged":
        rows.append([None] * width + [label] + [None] * (len(days) - 1))
        rows.append(ids + [date_cell(d, opts.date_style) for d in days])
        if len(days) > 1:
            merges.append(f"{col(width)}3:{col(width + len(days) - 1)}3")
    elif layout == "dates":
        rows.append(ids + [date_cell(d, opts.date_style) for d in days])
    elif layout == "long":
        rows.append([opts.label("date")] + ids + ["Staff group", label])
    elif layout == "long-measure":
        rows.append([opts.label("date")] + ids + [opts.label("measure"), opts.label("value")])
    else:
        raise ValueError(f"unknown workforce layout {layout!r}")
    long = layout.startswith("long")
    poison = opts.workforce_poison or {}

    def cell(n: int | None, blank: object) -> object:
        return blank if n is None else n

    def entity(code: str, name: str, region: str, kind: str, again: bool = False) -> list[list]:
        by_key = {"code": code, "name": name, "region": region}
        lead = [by_key[k] for k in opts.id_order]
        no_return = kind == "trust" and code not in release.staff
        blank = None if no_return and opts.workforce_no_return == "blank" else opts.not_reported
        if no_return and opts.workforce_no_return == "-":
            blank = "-"
        values: list[object] = []
        for i, day in enumerate(days):
            n = staff_value(release, code, region, day, kind)
            value = cell(n, blank)
            if i == 0 and kind == "trust" and code in poison:
                value = poison[code]
            elif i == 0 and again and not opts.workforce_duplicate_same:
                value = (n or 0) + 1
            values.append(value)
        if not long:
            return [lead + values]
        out = []
        for day, value in zip(days, values, strict=True):
            if layout == "long":
                out.append([date_cell(day, opts.date_style)] + lead + [release.staff_group, value])
            else:
                out.append([date_cell(day, opts.date_style)] + lead + [label, value])
        return out

    body: list[list] = []
    if opts.workforce_england == "top":
        body += entity("-", "ENGLAND", "England", "england")
    ordered = sorted(
        release.trusts.items(), key=lambda kv: (kv[1][1], kv[0]) if opts.regions else kv[0]
    )
    for i, (code, (name, region)) in enumerate(ordered):
        if code not in release.staff and opts.workforce_no_return == "omit":
            pass
        else:
            body += entity(code, name, region, "trust")
            if code == opts.workforce_duplicate:
                body += entity(code, name, region, "trust", again=True)
        last_of_region = i + 1 == len(ordered) or ordered[i + 1][1][1] != region
        if opts.regions and last_of_region:
            body += entity(region_codes.get(region, "Y99"), f"{region} Region", region, "region")
    if opts.workforce_england == "bottom":
        body += entity("", "England total", "", "england")
    return rows + body, merges
