"""Workbook parser: duplicates, empty tables, the period-totals and long shapes."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from bot.nhs.workbook import NotStrikeData, WorkbookError
from tests.replica import workbooks as gen
from tests.unit.nhs.helpers import (
    DAYS,
    assert_matches,
    build,
    parse,
    sheet_rows,
    with_rows_appended,
)

# -- duplicates and empty tables ------------------------------------------------------------------


def test_identical_repeated_block_is_dropped(small):
    data = gen.wide_workbook(small, england=None)
    rows = sheet_rows(data)
    doubled = with_rows_appended(data, rows[2:])
    parsed = parse(doubled)
    assert len(parsed.rows) == len(small.trusts) * len(small.days)
    assert_matches(parsed, small)


def test_conflicting_duplicate_names_the_code(small):
    data = gen.totals_workbook(small, england=None)
    rows = sheet_rows(data)
    code = sorted(small.trusts)[2]
    clash = next(list(r) for r in rows if r[0] == code)
    clash[3] = 9999
    with pytest.raises(WorkbookError) as err:
        parse(with_rows_appended(data, [clash]))
    assert code in str(err.value)
    assert "sitrep.xlsx, sheet 'Data'" in str(err.value)
    assert "appears twice" in str(err.value)


def test_header_without_trust_rows():
    empty = gen.make_release({}, DAYS, seed=1)
    data = gen.totals_workbook(empty, notes_rows=6, england=None)
    with pytest.raises(WorkbookError) as err:
        parse(data, "empty.xlsx")
    assert not isinstance(err.value, NotStrikeData)
    assert str(err.value) == (
        "empty.xlsx, sheet 'Data': header found at row 7 but no trust rows below it"
    )


def test_blank_template_sheet_before_the_data_sheet_is_skipped(small):
    data = gen.totals_workbook(small, sheets_after=("Workforce",))
    wb = load_workbook(io.BytesIO(data))
    template = wb.create_sheet("Template", 0)
    template.append(["Org code", "Org name", "Inpatient", "Outpatient"])
    buf = io.BytesIO()
    wb.save(buf)
    parsed = parse(buf.getvalue())
    assert parsed.sheet == "Data"
    assert_matches(parsed, small)


# -- period totals --------------------------------------------------------------------------------


def test_totals_shape(release):
    data = gen.totals_workbook(
        release, notes_rows=10, regions=True, footnotes=True, text_numbers=True
    )
    parsed = parse(data)
    assert parsed.shape == "totals"
    assert parsed.days == []
    assert parsed.header_row == 11
    assert all(r.day is None for r in parsed.rows)
    assert len(parsed.rows) == 137
    assert_matches(parsed, release)
    assert parsed.england == parsed.sums()
    assert parsed.columns == {
        "org_code": "A",
        "name": "B",
        "region": "C",
        "inpatient": "D",
        "outpatient": "E",
        "total": "F",
    }
    assert parsed.warnings == []


def test_totals_that_do_not_add_up_warn(small):
    code = sorted(small.trusts)[3]
    parsed = parse(gen.totals_workbook(small, wrong_total=code))
    assert_matches(parsed, small)
    assert len(parsed.warnings) == 1
    assert code in parsed.warnings[0]


def test_totals_without_total_column(small):
    parsed = parse(
        gen.totals_workbook(small, total_column=False, id_order=("region", "name", "code"))
    )
    assert parsed.columns["org_code"] == "C"
    assert_matches(parsed, small)


# -- long -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("date_style", ["excel", "text", "slash"])
def test_long_by_measure_rows(release, date_style):
    data = gen.long_workbook(
        release, notes_rows=8, extra_measures=True, regions=True, date_style=date_style
    )
    parsed = parse(data)
    assert parsed.shape == "long"
    assert parsed.days == DAYS
    assert parsed.header_row == 9
    assert len(parsed.rows) == 137 * 5
    assert_matches(parsed, release)
    assert parsed.england == parsed.sums()
    assert parsed.columns == {
        "date": "A",
        "org_code": "B",
        "name": "C",
        "region": "D",
        "measure": "E",
        "value": "F",
    }


def test_long_wide_by_measure(small):
    parsed = parse(gen.long_workbook(small, by_measure=True, labels=gen.LABELS_ALT))
    assert parsed.shape == "long"
    assert parsed.days == small.days
    assert parsed.columns["inpatient"] == "E"
    assert_matches(parsed, small)
    assert parsed.england == parsed.sums()


def test_long_duplicates_and_split_measures():
    d = date(2023, 9, 20)
    head = ["Date", "Org code", "Name", "Measure", "Value"]
    rows = [
        head,
        [d, "RTX", "Trust X", "Elective inpatient", 5],
        [d, "RTX", "Trust X", "Day case", 3],
        [d, "RTX", "Trust X", "Outpatient", 6],
        [d, "RTX", "Trust X", "Elective inpatient", 5],
        [d, "ENG", "England", "Elective inpatient", 8],
        [d, "ENG", "England", "Elective inpatient", 8],
        [d, "ENG", "England", "Outpatient", 6],
    ]
    parsed = parse(build(rows))
    assert parsed.trust_totals() == {"RTX": (8, 6)}
    assert len(parsed.rows) == 1
    assert parsed.england == (8, 6)
    with pytest.raises(WorkbookError) as err:
        parse(build(rows + [[d, "RTX", "Trust X", "Outpatient", 7]]))
    assert str(err.value) == (
        "sitrep.xlsx, sheet 'Data': trust RTX appears twice for 2023-09-20 "
        "with different figures (rows 4 and 9)"
    )


def test_long_with_only_workforce_measures_is_not_strike_data():
    rows = [
        ["Date", "Org code", "Measure", "Value"],
        [date(2023, 9, 20), "RTX", "Staff absent", 12],
        [date(2023, 9, 20), "RTX", "Community appointments rescheduled", 4],
    ]
    with pytest.raises(NotStrikeData):
        parse(build(rows))


def test_long_unreadable_date_names_the_cell():
    rows = [
        ["Date", "Org code", "Measure", "Value"],
        [date(2023, 9, 20), "RTX", "Outpatient appointments rescheduled", 12],
        ["sometime", "RTX", "Outpatient appointments rescheduled", 4],
    ]
    with pytest.raises(WorkbookError, match=r"cell A3: 'sometime' is not a date"):
        parse(build(rows))
