"""Workbook parser: the test generator itself and the wide-by-day shape."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.replica import workbooks as gen
from tests.unit.nhs.helpers import DAYS, assert_matches, build, parse, sheet_rows

# -- the generator itself -------------------------------------------------------------------------


def test_reference_trusts_and_release_are_deterministic():
    ref = gen.reference_trusts()
    assert len(ref) == 137
    assert ref["RTX"][1] == "North West"
    a = gen.make_release(ref, DAYS, seed=3, missing=0.1)
    b = gen.make_release(ref, DAYS, seed=3, missing=0.1)
    assert a.figures == b.figures
    assert a.title == "Industrial action 19 to 23 September 2023"
    values = [v for per_day in a.figures.values() for pair in per_day.values() for v in pair]
    assert any(v is None for v in values)
    assert all(v is None or v >= 0 for v in values)


def test_expected_totals_keeps_none_only_when_every_day_is_none():
    rel = gen.make_release(2, DAYS[:2], seed=1)
    a, b = sorted(rel.trusts)
    rel.figures[a] = {DAYS[0]: (None, 5), DAYS[1]: (None, None)}
    rel.figures[b] = {DAYS[0]: (None, 1), DAYS[1]: (4, 2)}
    assert gen.expected_totals(rel) == {a: (None, 5), b: (4, 3)}
    assert gen.england_totals(rel) == (4, 8)


# -- wide by day ----------------------------------------------------------------------------------


def test_wide_plain(release):
    parsed = parse(gen.wide_workbook(release))
    assert parsed.shape == "wide"
    assert parsed.sheet == "Data"
    assert parsed.days == DAYS
    assert parsed.header_row == 2
    assert parsed.title == ""
    assert len(parsed.rows) == 137 * 5
    assert_matches(parsed, release)
    assert parsed.england == gen.england_totals(release) == parsed.sums()
    assert parsed.warnings == []


def test_wide_with_every_sitrep_habit(release):
    data = gen.wide_workbook(
        release,
        notes_rows=12,
        sheets_before=("Contents", "Notes"),
        sheets_after=("Workforce",),
        regions=True,
        repeated_header=True,
        footnotes=True,
        stray_spaces=True,
        text_numbers=True,
        staff_columns=True,
        total_group=True,
        id_order=("region", "code", "name"),
    )
    assert load_workbook(io.BytesIO(data)).sheetnames == ["Contents", "Notes", "Data", "Workforce"]
    parsed = parse(data)
    assert parsed.sheet == "Data"
    assert parsed.shape == "wide"
    assert parsed.header_row == 14
    assert parsed.days == DAYS
    assert_matches(parsed, release)
    assert parsed.england == parsed.sums()
    assert parsed.title.startswith(release.title)
    assert " | " in parsed.title
    assert parsed.warnings == []
    cols = parsed.columns
    assert (cols["region"], cols["org_code"], cols["name"]) == ("A", "B", "C")
    # Three sub-columns per day: inpatient, outpatient, staff absent (ignored).
    assert cols["inpatient 2023-09-19"] == "D"
    assert cols["outpatient 2023-09-19"] == "E"
    assert cols["inpatient 2023-09-20"] == "G"
    assert not any("staff" in k for k in cols)
    regions = {r.org_code: r.region for r in parsed.rows}
    assert regions == {code: region for code, (_n, region) in release.trusts.items()}


@pytest.mark.parametrize("date_style", ["excel", "text", "long", "slash"])
@pytest.mark.parametrize("merged", [True, False])
def test_wide_date_headers(small, date_style, merged):
    parsed = parse(gen.wide_workbook(small, date_style=date_style, merged=merged))
    assert parsed.shape == "wide"
    assert parsed.days == small.days
    assert_matches(parsed, small)
    by_day = {(r.org_code, r.day): (r.inpatient, r.outpatient) for r in parsed.rows}
    assert by_day == {
        (code, day): pair
        for code, per_day in small.figures.items()
        for day, pair in per_day.items()
    }


def test_wide_identity_labels_in_the_date_row(small):
    parsed = parse(gen.wide_workbook(small, ids_in_upper=True, notes_rows=3))
    assert parsed.header_row == 5
    assert parsed.columns["org_code"] == "A"
    assert_matches(parsed, small)


def test_wide_trailing_total_group_is_a_cross_check_only(small):
    data = gen.wide_workbook(small, total_group=True)
    parsed = parse(data)
    assert parsed.days == small.days
    assert_matches(parsed, small)
    assert "inpatient (period total)" in parsed.columns
    assert parsed.warnings == []


def test_wide_trailing_total_group_that_disagrees_warns(small):
    data = gen.wide_workbook(small, total_group=True, england=None)
    rows = sheet_rows(data)
    code = next(c for c, (inp, _out) in gen.expected_totals(small).items() if inp is not None)
    bad = next(r for r in rows if r[0] == code)
    bad[-3] = int(str(bad[-3]).replace(",", "")) + 1000
    parsed = parse(build(rows, merges=()))
    assert_matches(parsed, small)
    assert len(parsed.warnings) == 1
    assert code in parsed.warnings[0]


def test_wide_measure_groups_over_dates():
    """The other orientation: Inpatient merged over a row of dates, then Outpatient."""
    d1, d2 = date(2024, 1, 3), date(2024, 1, 4)
    rows = [
        ["Junior doctors industrial action 3 to 9 January 2024"],
        [None],
        ["Org code", "Org name", "Elective inpatient", None, "Outpatient", None],
        [None, None, d1, d2, d1, d2],
        ["RTX", "Trust X", 1, 2, 10, 20],
        ["R0A", "Trust Y", 3, "-", 30, 40],
    ]
    parsed = parse(build(rows, merges=("C3:D3", "E3:F3")))
    assert parsed.shape == "wide"
    assert parsed.header_row == 4
    assert parsed.days == [d1, d2]
    assert parsed.title == "Junior doctors industrial action 3 to 9 January 2024"
    assert parsed.trust_totals() == {"RTX": (3, 30), "R0A": (3, 70)}
    assert parsed.columns["inpatient 2024-01-04"] == "D"
