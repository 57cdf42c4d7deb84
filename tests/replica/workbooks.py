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
    rows that the rescheduled part must ignore).
Workforce part (all three; needs add_workforce(release, seed) first): workforce=None | "wide" |
    "wide-merged" | "dates" | "long" | "long-measure" | "beside", workforce_sheet, workforce_first,
    workforce_england, workforce_no_return, workforce_poison, workforce_duplicate(_same): see
    tests/replica/workforce.py, which also has England's published daily peaks (PUBLISHED_PEAKS).

Where things live: release.py (the data model and expected totals), layouts.py (the three
writers), tables.py (options, labels and what the writers share), badfiles.py, readback.py.
"""

from __future__ import annotations

from tests.replica.badfiles import corrupt_workbook, unrecognised_workbook, zip_bomb
from tests.replica.layouts import long_workbook, totals_workbook, wide_workbook
from tests.replica.readback import csv_bytes, find_cell
from tests.replica.release import (
    ACUTE_TRUSTS_CSV,
    Release,
    default_title,
    england_totals,
    expected_totals,
    make_release,
    reference_trusts,
)
from tests.replica.tables import LABELS, LABELS_ALT, LABELS_PROVIDER, REGION_CODES
from tests.replica.workforce import (
    PUBLISHED_PEAKS,
    PublishedPeak,
    add_workforce,
    england_staff,
    expected_staff,
)

__all__ = [
    "ACUTE_TRUSTS_CSV",
    "LABELS",
    "LABELS_ALT",
    "LABELS_PROVIDER",
    "PUBLISHED_PEAKS",
    "PublishedPeak",
    "REGION_CODES",
    "Release",
    "add_workforce",
    "corrupt_workbook",
    "csv_bytes",
    "default_title",
    "england_staff",
    "england_totals",
    "expected_staff",
    "expected_totals",
    "find_cell",
    "long_workbook",
    "make_release",
    "reference_trusts",
    "totals_workbook",
    "unrecognised_workbook",
    "wide_workbook",
    "zip_bomb",
]
