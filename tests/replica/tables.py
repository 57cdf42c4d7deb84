"""What the three layouts share: options, labels, cell values, the rows around a table, saving."""

from __future__ import annotations

import io
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook

from tests.replica.release import Release

REGION_CODES = {
    "London": "Y56",
    "South West": "Y58",
    "South East": "Y59",
    "Midlands": "Y60",
    "East of England": "Y61",
    "North West": "Y62",
    "North East and Yorkshire": "Y63",
}

LABELS = {
    "code": "Org Code",
    "name": "Org Name",
    "region": "Region",
    "inpatient": "Elective inpatient and day case procedures rescheduled",
    "outpatient": "Outpatient appointments rescheduled",
    "staff": "Staff absent",
    "community": "Community appointments rescheduled",
    "total": "Total",
    "date": "Date",
    "measure": "Measure",
    "value": "Value",
}
LABELS_ALT = {
    "code": "ODS code",
    "name": "Trust name",
    "region": "NHS England region",
    "inpatient": "Inpatients (incl. day cases)",
    "outpatient": "Outpatients",
    "staff": "Medical staff absent",
    "total": "Total rescheduled",
    "date": "Strike date",
    "measure": "Metric",
    "value": "Count",
}
LABELS_PROVIDER = {
    "code": "Provider Code",
    "name": "Provider Name",
    "region": "Region Name",
    "inpatient": "Elective (inpatient & day case)",
    "outpatient": "Outpatient",
    "total": "Total",
}


@dataclass
class Options:
    """The writers' keyword options, as listed in workbooks.py; unknown names raise TypeError."""

    sheet: str = "Data"
    notes_rows: int = 0
    sheets_before: Sequence[str] = ()
    sheets_after: Sequence[str] = ()
    england: str | None = "top"
    regions: bool = False
    repeated_header: bool = False
    footnotes: bool = False
    stray_spaces: bool = False
    text_numbers: bool = False
    not_reported: str | None = "-"
    id_order: Sequence[str] = ("code", "name", "region")
    labels: Mapping[str, str] | None = None
    poison: Mapping[tuple[str, str], object] | None = None
    # wide
    merged: bool = True
    date_style: str = "excel"
    staff_columns: bool = False
    total_group: bool = False
    ids_in_upper: bool = False
    # totals
    total_column: bool = True
    wrong_total: str | None = None
    # long
    by_measure: bool = False
    extra_measures: bool = False
    # the workforce part (tests/replica/workforce.py; needs release.staff)
    workforce: str | None = None
    workforce_sheet: str = "Staff absent"
    workforce_first: bool = False
    workforce_england: str | None = "top"
    workforce_no_return: str = "omit"
    workforce_poison: Mapping[str, object] | None = None
    workforce_duplicate: str | None = None
    workforce_duplicate_same: bool = False

    def label(self, key: str) -> str:
        if self.labels and key in self.labels:
            return self.labels[key]
        return LABELS[key]


class Cells:
    """Turns figures into cell values, applying the not-reported marker and text-number options."""

    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.count = 0

    def figure(self, n: int | None) -> object:
        if n is None:
            return self.opts.not_reported
        self.count += 1
        if self.opts.text_numbers and self.count % 5 == 0:
            return f"{n:,}" if n >= 1000 else f" {n} "
        return n

    def code(self, code: str, index: int) -> str:
        return f"  {code} " if self.opts.stray_spaces and index % 7 == 3 else code


def date_cell(day: date, style: str) -> object:
    if style == "excel":
        return datetime(day.year, day.month, day.day)
    if style == "text":
        return day.strftime("%d-%b-%y")
    if style == "long":
        return f"{day:%A} {day.day} {day:%B %Y}"
    if style == "slash":
        return day.strftime("%d/%m/%Y")
    raise ValueError(f"unknown date_style {style!r}")


def notes(release: Release, n: int) -> list[list[object]]:
    if n <= 0:
        return []
    lines: list[object] = [
        release.title + " - elective activity rescheduled",
        "Published by NHS England, Operational Information for Commissioning",
        None,
        "Data are management information from the industrial action SitRep.",
        "Notes:",
        "1. Elective inpatient figures include day cases.",
        "2. Community and mental health appointments are not included in the headline.",
        "3. '-' denotes not reported.",
        "4. Org codes are ODS codes.",
        None,
        "Contact: england.nhsdata@nhs.net",
        None,
        "Revised figures may be published when late returns arrive.",
        None,
        None,
    ]
    rows: list[list[object]] = [[x] for x in lines[:n]]
    rows += [[None] for _ in range(n - len(rows))]
    return rows


def footnotes() -> list[list[object]]:
    return [
        [None],
        ["Notes"],
        ["Source: NHS England industrial action SitRep"],
        ["- = not reported"],
        ["Figures may not sum due to late returns."],
    ]


def ordered_trusts(release: Release, regions: bool) -> list[tuple[str, str, str]]:
    items = [(code, name, region) for code, (name, region) in release.trusts.items()]
    key = (lambda t: (t[2], t[0])) if regions else (lambda t: t[0])
    return sorted(items, key=key)


def day_sums(release: Release, codes: Sequence[str], day: date) -> tuple[int, int]:
    inp = sum(release.figures[c][day][0] or 0 for c in codes)
    out = sum(release.figures[c][day][1] or 0 for c in codes)
    return inp, out


def id_cells(opts: Options, code: object, name: object, region: object) -> list[object]:
    by_key = {"code": code, "name": name, "region": region}
    return [by_key[k] for k in opts.id_order]


def table_body(
    release: Release,
    opts: Options,
    header: list[list[object]],
    row_cells,
) -> list[list[object]]:
    """Data rows between header and footnotes: England, trusts, region subtotals, repeated header.

    row_cells(code, name, region, per_day_figures, is_trust) returns the rows for one entity.
    """
    body: list[list[object]] = []
    ordered = ordered_trusts(release, opts.regions)
    england = {d: day_sums(release, list(release.trusts), d) for d in release.days}
    if opts.england == "top":
        body += row_cells("-", "ENGLAND", "England", england, False)
    half = len(ordered) // 2
    for i, (code, name, region) in enumerate(ordered):
        if opts.repeated_header and i == half:
            body += [list(r) for r in header]
        body += row_cells(code, name, region, release.figures[code], True)
        last_of_region = i + 1 == len(ordered) or ordered[i + 1][2] != region
        if opts.regions and last_of_region:
            codes = [c for c, _n, r in ordered if r == region]
            sums = {d: day_sums(release, codes, d) for d in release.days}
            body += row_cells(
                REGION_CODES.get(region, "Y99"), f"{region} Region", region, sums, False
            )
    if opts.england == "bottom":
        body += row_cells("", "England total", "", england, False)
    return body


def extra_sheet(wb: Workbook, name: str, release: Release, data_sheet: str) -> None:
    ws = wb.create_sheet(name)
    if name == "Contents":
        ws.append([release.title])
        ws.append([None])
        ws.append(["Sheet", "Description"])
        ws.append([data_sheet, "Elective inpatient and outpatient activity rescheduled by trust"])
        ws.append(["Workforce", "Staff absent by trust and day"])
        ws.append(["Notes", "Definitions"])
    elif name == "Notes":
        ws.append(["Definitions"])
        ws.append(["Column", "Definition"])
        ws.append(["Org code", "The ODS code of the organisation"])
        ws.append(["Inpatient", "Elective inpatient and day case procedures rescheduled"])
        ws.append(["Outpatient", "Outpatient appointments rescheduled"])
        ws.append(["Staff absent", "Medical staff absent from work due to industrial action"])
    elif name == "Workforce":
        ws.append(["Staff absent due to industrial action"])
        ws.append([None])
        ws.append(["Org code", "Org name"] + [f"Staff absent {d:%d/%m/%Y}" for d in release.days])
        rng = random.Random(len(release.trusts))
        for code, (tname, _region) in sorted(release.trusts.items()):
            ws.append([code, tname] + [rng.randint(0, 400) for _ in release.days])
    else:
        ws.append([name])


def workforce_sheet(wb: Workbook, release: Release, opts: Options) -> None:
    """The workforce part on its own sheet, when opts.workforce names an own-sheet layout."""
    from tests.replica.workforce import OWN_SHEET, staff_sheet

    if opts.workforce not in OWN_SHEET:
        return
    rows, merges = staff_sheet(release, opts, REGION_CODES, date_cell)
    ws = wb.create_sheet(opts.workforce_sheet)
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)


def save(release: Release, opts: Options, rows: list[list[object]], merges: Sequence[str]) -> bytes:
    wb = Workbook()
    first = wb.active
    for name in opts.sheets_before:
        extra_sheet(wb, name, release, opts.sheet)
    if opts.workforce_first:
        workforce_sheet(wb, release, opts)
    ws = wb.create_sheet(opts.sheet)
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    if not opts.workforce_first:
        workforce_sheet(wb, release, opts)
    for name in opts.sheets_after:
        extra_sheet(wb, name, release, opts.sheet)
    wb.remove(first)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def col(index: int) -> str:
    """Column letters of a 0-based index: 0 -> "A", 26 -> "AA"."""
    # Its own on purpose, not bot/'s: tests check the parser's cell references against it.
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def poisoned(opts: Options, code: str, measure: str, day: date, first_day: date, value: object):
    """(True, the poison) if this cell is poisoned, else (False, value)."""
    if opts.poison and day == first_day and (code, measure) in opts.poison:
        return True, opts.poison[(code, measure)]
    return False, value
