"""Test-only generator of realistic NHS England industrial-action workbooks, written with openpyxl.

Public API:

    reference_trusts() -> dict[str, tuple[str, str]]       org code -> (name, region), 137 acute trusts
    make_release(trusts, days, seed, *, missing=0.0, title=None) -> Release
    expected_totals(release) -> dict[str, tuple[int | None, int | None]]   per-trust sums over days
    england_totals(release) -> tuple[int, int]               national sums, not reported counted as 0

    wide_workbook(release, **options) -> bytes     one row per trust, a merged date per day over
                                                   inpatient / outpatient (/ staff absent) columns
    totals_workbook(release, **options) -> bytes   one row per trust: inpatient, outpatient, total
    long_workbook(release, **options) -> bytes     one row per trust per day per measure
                                                   (by_measure=True: Date, code, name, In, Out)
    csv_bytes(xlsx, sheet=None) -> bytes           a sheet of a generated workbook as CSV text

    corrupt_workbook() -> bytes                    a truncated .xlsx
    zip_bomb(uncompressed_mb) -> bytes             a small zip whose members inflate to that size
    unrecognised_workbook() -> bytes               an assurance form / workforce file, no strike table
    find_cell(xlsx, value) -> tuple[str, str]      (sheet, "E17") of the first cell holding value

Options shared by the three writers (all keyword-only):
    sheet="Data"            data sheet name
    notes_rows=0            rows of title and notes above the table (the first holds release.title)
    sheets_before=()        extra sheets placed before the data sheet: "Contents", "Notes"
    sheets_after=()         extra sheets after it: "Workforce" (an org-code table of staff absent)
    england="top"           "top" / "bottom" / None: where the ENGLAND row goes
    regions=False           region subtotal rows (code Y56..., name "<region> Region") after each region
    repeated_header=False   the header row(s) written again halfway down the table
    footnotes=False         footnote rows below the table ("Notes", "Source: ...", "- = not reported")
    stray_spaces=False      every 7th org code written as "  RTX "
    text_numbers=False      every 5th figure written as text: "1,234" or " 56 "
    not_reported="-"        what a None figure is written as (None writes a blank cell)
    id_order=("code", "name", "region")   identity column order, e.g. ("region", "code", "name")
    labels=None             label overrides, keys as in LABELS (see LABELS_ALT, LABELS_PROVIDER)
    poison=None             {(org_code, "inpatient"|"outpatient"): value} written into that trust's
                            first-day cell instead of its figure (e.g. -3 or "twelve")
Wide only: merged=True (False repeats the date over each sub-column), date_style="excel" | "text"
    ("20-Sep-23") | "long" ("Wednesday 20 September 2023") | "slash" ("20/09/2023"),
    staff_columns=False, total_group=False, ids_in_upper=False (identity labels in the date row).
Totals only: total_column=True, wrong_total=None (org code whose Total is written one too high).
Long only: by_measure=False, date_style="excel", extra_measures=False (staff absent and community
    rows that the parser must ignore).
"""

from __future__ import annotations

import csv
import io
import posixpath
import random
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook

ACUTE_TRUSTS_CSV = Path(__file__).resolve().parents[2] / "bot" / "data" / "acute_trusts.csv"

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
class Release:
    title: str
    days: list[date]
    figures: dict[str, dict[date, tuple[int | None, int | None]]]  # code -> day -> (in, out)
    trusts: dict[str, tuple[str, str]]  # code -> (name, region)


def reference_trusts() -> dict[str, tuple[str, str]]:
    with ACUTE_TRUSTS_CSV.open(newline="", encoding="utf-8") as f:
        return {r["org_code"]: (r["name"], r["region"]) for r in csv.DictReader(f)}


def _default_title(days: Sequence[date]) -> str:
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
    return Release(title or _default_title(days), list(days), figures, dict(trusts))


def _add(a: int | None, b: int | None) -> int | None:
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
            inp, outp = _add(inp, a), _add(outp, b)
        out[code] = (inp, outp)
    return out


def england_totals(release: Release) -> tuple[int, int]:
    totals = expected_totals(release).values()
    return sum(a or 0 for a, _ in totals), sum(b or 0 for _, b in totals)


# -- shared writing helpers ----------------------------------------------------------------------


@dataclass
class _Opts:
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

    def label(self, key: str) -> str:
        if self.labels and key in self.labels:
            return self.labels[key]
        return LABELS[key]


class _Cells:
    """Turns figures into cell values, applying the not-reported marker and text-number options."""

    def __init__(self, opts: _Opts) -> None:
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


def _date_cell(day: date, style: str) -> object:
    if style == "excel":
        return datetime(day.year, day.month, day.day)
    if style == "text":
        return day.strftime("%d-%b-%y")
    if style == "long":
        return f"{day:%A} {day.day} {day:%B %Y}"
    if style == "slash":
        return day.strftime("%d/%m/%Y")
    raise ValueError(f"unknown date_style {style!r}")


def _notes(release: Release, n: int) -> list[list[object]]:
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


def _footnotes() -> list[list[object]]:
    return [
        [None],
        ["Notes"],
        ["Source: NHS England industrial action SitRep"],
        ["- = not reported"],
        ["Figures may not sum due to late returns."],
    ]


def _ordered(release: Release, regions: bool) -> list[tuple[str, str, str]]:
    items = [(code, name, region) for code, (name, region) in release.trusts.items()]
    key = (lambda t: (t[2], t[0])) if regions else (lambda t: t[0])
    return sorted(items, key=key)


def _day_sums(release: Release, codes: Sequence[str], day: date) -> tuple[int, int]:
    inp = sum(release.figures[c][day][0] or 0 for c in codes)
    out = sum(release.figures[c][day][1] or 0 for c in codes)
    return inp, out


def _id_cells(opts: _Opts, code: object, name: object, region: object) -> list[object]:
    by_key = {"code": code, "name": name, "region": region}
    return [by_key[k] for k in opts.id_order]


def _table_body(
    release: Release,
    opts: _Opts,
    header: list[list[object]],
    row_cells,
) -> list[list[object]]:
    """Data rows between header and footnotes: England, trusts, region subtotals, repeated header.

    row_cells(code, name, region, per_day_figures, is_trust) returns the rows for one entity.
    """
    body: list[list[object]] = []
    ordered = _ordered(release, opts.regions)
    england = {d: _day_sums(release, list(release.trusts), d) for d in release.days}
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
            sums = {d: _day_sums(release, codes, d) for d in release.days}
            body += row_cells(
                REGION_CODES.get(region, "Y99"), f"{region} Region", region, sums, False
            )
    if opts.england == "bottom":
        body += row_cells("", "England total", "", england, False)
    return body


def _extra_sheet(wb: Workbook, name: str, release: Release, data_sheet: str) -> None:
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


def _save(release: Release, opts: _Opts, rows: list[list[object]], merges: Sequence[str]) -> bytes:
    wb = Workbook()
    first = wb.active
    for name in opts.sheets_before:
        _extra_sheet(wb, name, release, opts.sheet)
    ws = wb.create_sheet(opts.sheet)
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    for name in opts.sheets_after:
        _extra_sheet(wb, name, release, opts.sheet)
    wb.remove(first)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _col(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _poisoned(opts: _Opts, code: str, measure: str, day: date, first_day: date, value: object):
    if opts.poison and day == first_day and (code, measure) in opts.poison:
        return True, opts.poison[(code, measure)]
    return False, value


# -- the three shapes ----------------------------------------------------------------------------


def wide_workbook(release: Release, **options) -> bytes:
    opts = _Opts(**options)
    cells = _Cells(opts)
    ids = [opts.label(k) for k in opts.id_order]
    sub = [opts.label("inpatient"), opts.label("outpatient")]
    if opts.staff_columns:
        sub.append(opts.label("staff"))
    width_ids = len(ids)
    upper: list[object] = list(ids) if opts.ids_in_upper else [None] * width_ids
    lower: list[object] = [None] * width_ids if opts.ids_in_upper else list(ids)
    spans: list[tuple[int, int]] = []
    for day in release.days:
        start = len(upper)
        date_value = _date_cell(day, opts.date_style)
        for j in range(len(sub)):
            upper.append(date_value if (j == 0 or not opts.merged) else None)
        lower.extend(sub)
        spans.append((start, len(upper) - 1))
    if opts.total_group:
        start = len(upper)
        upper += ["Total", None, None] if opts.merged else ["Total"] * 3
        lower += [opts.label("inpatient"), opts.label("outpatient"), opts.label("total")]
        spans.append((start, start + 2))
    header = [upper, lower]
    first_day = release.days[0]
    counter = iter(range(10**9))

    def row_cells(code, name, region, per_day, is_trust):
        index = next(counter)
        row = _id_cells(opts, cells.code(code, index) if is_trust else code, name, region)
        sum_in = sum_out = None
        for day in release.days:
            inp, out = per_day[day]
            sum_in, sum_out = _add(sum_in, inp), _add(sum_out, out)
            for measure, n in (("inpatient", inp), ("outpatient", out)):
                hit, value = _poisoned(opts, code, measure, day, first_day, n)
                row.append(value if hit else cells.figure(n))
            if opts.staff_columns:
                row.append((index * 7 + day.day) % 90)
        if opts.total_group:
            row += [cells.figure(sum_in), cells.figure(sum_out), (sum_in or 0) + (sum_out or 0)]
        return [row]

    body = _table_body(release, opts, header, row_cells)
    top = opts.notes_rows + 1
    rows = _notes(release, opts.notes_rows) + header + body
    if opts.footnotes:
        rows += _footnotes()
    merges = []
    if opts.merged:
        tops = [top]
        if opts.repeated_header:
            tops.append(top + 2 + body.index(header[0]))
        for t in tops:
            merges += [f"{_col(a)}{t}:{_col(b)}{t}" for a, b in spans if b > a]
    return _save(release, opts, rows, merges)


def totals_workbook(release: Release, **options) -> bytes:
    opts = _Opts(**options)
    cells = _Cells(opts)
    header = [opts.label(k) for k in opts.id_order]
    header += [opts.label("inpatient"), opts.label("outpatient")]
    if opts.total_column:
        header.append(opts.label("total"))
    first_day = release.days[0]
    counter = iter(range(10**9))

    def row_cells(code, name, region, per_day, is_trust):
        index = next(counter)
        row = _id_cells(opts, cells.code(code, index) if is_trust else code, name, region)
        inp = out = None
        for a, b in per_day.values():
            inp, out = _add(inp, a), _add(out, b)
        for measure, n in (("inpatient", inp), ("outpatient", out)):
            hit, value = _poisoned(opts, code, measure, first_day, first_day, n)
            row.append(value if hit else cells.figure(n))
        if opts.total_column:
            total = None if inp is None and out is None else (inp or 0) + (out or 0)
            if total is not None and code == opts.wrong_total:
                total += 1
            row.append(cells.figure(total))
        return [row]

    body = _table_body(release, opts, [header], row_cells)
    rows = _notes(release, opts.notes_rows) + [header] + body
    if opts.footnotes:
        rows += _footnotes()
    return _save(release, opts, rows, [])


def long_workbook(release: Release, **options) -> bytes:
    opts = _Opts(**options)
    cells = _Cells(opts)
    ids = [opts.label(k) for k in opts.id_order]
    if opts.by_measure:
        header = [opts.label("date")] + ids + [opts.label("inpatient"), opts.label("outpatient")]
    else:
        header = [opts.label("date")] + ids + [opts.label("measure"), opts.label("value")]
    first_day = release.days[0]
    counter = iter(range(10**9))

    def row_cells(code, name, region, per_day, is_trust):
        index = next(counter)
        shown = cells.code(code, index) if is_trust else code
        out_rows = []
        for day in release.days:
            lead = [_date_cell(day, opts.date_style)] + _id_cells(opts, shown, name, region)
            inp, out = per_day[day]
            values = []
            for measure, n in (("inpatient", inp), ("outpatient", out)):
                hit, value = _poisoned(opts, code, measure, day, first_day, n)
                values.append(value if hit else cells.figure(n))
            if opts.by_measure:
                out_rows.append(lead + values)
                continue
            out_rows.append(lead + [opts.label("inpatient"), values[0]])
            out_rows.append(lead + [opts.label("outpatient"), values[1]])
            if opts.extra_measures:
                out_rows.append(lead + [opts.label("staff"), 17])
                out_rows.append(lead + [opts.label("community"), 23])
        return out_rows

    body = _table_body(release, opts, [header], row_cells)
    rows = _notes(release, opts.notes_rows) + [header] + body
    if opts.footnotes:
        rows += _footnotes()
    return _save(release, opts, rows, [])


def csv_bytes(xlsx: bytes, sheet: str | None = None) -> bytes:
    """A sheet of a workbook as UTF-8 CSV; dates as dd/mm/yyyy, merged cells blank but the first."""
    wb = load_workbook(io.BytesIO(xlsx), data_only=True)
    ws = wb[sheet] if sheet else max(wb.worksheets, key=lambda w: w.max_row)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    rows = ws.iter_rows(
        min_row=1, min_col=1, max_row=ws.max_row, max_col=ws.max_column, values_only=True
    )
    for row in rows:
        writer.writerow(
            ["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, date) else v for v in row]
        )
    return buf.getvalue().encode("utf-8")


# -- bad files -----------------------------------------------------------------------------------


def corrupt_workbook() -> bytes:
    good = wide_workbook(make_release(10, [date(2023, 9, 20)], seed=1))
    return good[: len(good) // 2]


def zip_bomb(uncompressed_mb: int) -> bytes:
    """A zip laid out like an .xlsx whose sheet member is megabytes of zeros (a few KB on disk)."""
    buf = io.BytesIO()
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"/>',
        )
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open(
            posixpath.join("xl", "worksheets", "sheet1.xml"), "w", force_zip64=True
        ) as member:
            for _ in range(uncompressed_mb):
                member.write(chunk)
    return buf.getvalue()


def unrecognised_workbook() -> bytes:
    """An assurance form and a workforce table: org codes and 'elective' words, but no strike table."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Instructions"
    ws.append(["Industrial action assurance return - template"])
    ws.append(["Complete one form per organisation and return by 12:00 on the day after action."])
    form = wb.create_sheet("Assurance form")
    form.append(["Organisation code", None])
    form.append(["Organisation name", None])
    form.append(["Has elective activity been rescheduled? (Y/N)", None])
    form.append(["Outpatient clinics cancelled (Y/N)", None])
    form.append(["Signed off by", None])
    workforce = wb.create_sheet("Workforce")
    workforce.append(["Org code", "Org name", "Staff absent", "Community appointments rescheduled"])
    workforce.append(["RTX", "University Hospitals of Morecambe Bay NHS Foundation Trust", 12, 4])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def find_cell(xlsx: bytes, value: object) -> tuple[str, str]:
    """(sheet title, cell reference) of the first cell whose value equals value."""
    wb = load_workbook(io.BytesIO(xlsx))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == value and type(cell.value) is type(value):
                    return ws.title, cell.coordinate
    raise LookupError(f"{value!r} not found")
