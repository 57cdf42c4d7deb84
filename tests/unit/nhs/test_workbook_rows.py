"""Workbook parser: label families, rows that are not trusts, and figure cells."""

from __future__ import annotations

import pytest

from bot.nhs.workbook import WorkbookError, read_workbook
from tests.replica import workbooks as gen
from tests.unit.nhs.helpers import CAP, DAYS, assert_matches, build, first_none, parse

# -- label families, codes, rows that are not trusts ----------------------------------------------


@pytest.mark.parametrize(
    "labels",
    [
        gen.LABELS_ALT,
        gen.LABELS_PROVIDER,
        {"code": "Code", "name": "Name"},
        {"code": "Organisation Code", "name": "Organisation Name"},
        {"code": "Trust Code", "name": "Trust", "region": "Region"},
        {"code": "ODS Code", "name": "Trust Name", "inpatient": "ELECTIVE PROCEDURES"},
        {"code": "org_code", "name": "org-name", "outpatient": "Out-patient appointments"},
        {"inpatient": "Elective inpatients", "outpatient": "Elective outpatient appointments"},
    ],
)
@pytest.mark.parametrize("shape", ["wide", "totals"])
def test_label_families(small, labels, shape):
    writer = gen.wide_workbook if shape == "wide" else gen.totals_workbook
    parsed = parse(writer(small, labels=labels))
    assert parsed.shape == shape
    assert_matches(parsed, small)


def test_codes_are_stripped_and_upper_cased(small):
    parsed = parse(gen.wide_workbook(small, stray_spaces=True))
    assert_matches(parsed, small)
    rows = [
        ["Code", "Name", "Inpatient", "Outpatient"],
        ["  rtx ", "Trust X", 5, 6],
        [" RA2", "Trust Y", 1, 2],
    ]
    parsed = parse(build(rows))
    assert parsed.trust_totals() == {"RTX": (5, 6), "RA2": (1, 2)}


def test_region_england_header_and_footnote_rows_are_not_trusts(release):
    data = gen.wide_workbook(release, regions=True, repeated_header=True, footnotes=True)
    parsed = parse(data)
    codes = {r.org_code for r in parsed.rows}
    assert codes == set(release.trusts)
    assert not any(code.startswith("Y") for code in codes)
    assert "NOTES" not in codes
    assert parsed.england == parsed.sums()


def test_region_rows_recognised_by_name_even_with_a_code_like_value(small):
    rows = [
        ["Code", "Name", "Inpatient", "Outpatient"],
        ["RTX", "Trust X", 5, 6],
        ["R1", "North West region", 5, 6],
        ["RNW", "North West Region", 5, 6],
        ["TOTAL", None, 5, 6],
    ]
    parsed = parse(build(rows))
    assert parsed.trust_totals() == {"RTX": (5, 6)}
    assert parsed.england == (5, 6)


@pytest.mark.parametrize("where", ["top", "bottom", None])
def test_england_row(release, where):
    parsed = parse(gen.wide_workbook(release, england=where, regions=True))
    assert_matches(parsed, release)
    if where is None:
        assert parsed.england is None
    else:
        assert parsed.england == gen.england_totals(release) == parsed.sums()


def test_england_row_that_disagrees_warns(small):
    rows = [
        ["Code", "Name", "Inpatient", "Outpatient"],
        ["", "ENGLAND", 99, 7],
        ["RTX", "Trust X", 5, 6],
        ["RA2", "Trust Y", 1, 1],
    ]
    parsed = parse(build(rows))
    assert parsed.england == (99, 7)
    assert parsed.sums() == (6, 7)
    assert len(parsed.warnings) == 1 and "England" in parsed.warnings[0]


def test_columns_mentioning_community_mental_health_or_staff_are_ignored():
    rows = [
        [
            "Org code",
            "Org name",
            "Community appointments rescheduled",
            "Elective inpatient",
            "Mental health outpatient appointments rescheduled",
            "Outpatient",
            "Staff absent (elective)",
            "% of planned elective activity maintained",
        ],
        ["RTX", "Trust X", 100, 5, 200, 6, 300, 0.97],
    ]
    parsed = parse(build(rows))
    assert parsed.shape == "totals"
    assert parsed.trust_totals() == {"RTX": (5, 6)}
    assert parsed.columns == {"org_code": "A", "name": "B", "inpatient": "D", "outpatient": "F"}


# -- numbers --------------------------------------------------------------------------------------


def test_numbers_as_text_with_thousands_separators(small):
    parsed = parse(gen.wide_workbook(small, text_numbers=True))
    assert_matches(parsed, small)
    rows = [
        ["Code", "Name", "Inpatient", "Outpatient"],
        ["RTX", "Trust X", " 56 ", "1,234"],
        ["RA2", "Trust Y", 12.0, "2 345"],
    ]
    assert parse(build(rows)).trust_totals() == {"RTX": (56, 1234), "RA2": (12, 2345)}


@pytest.mark.parametrize(
    "marker",
    ["-", "–", "*", "n/a", "N/A", "na", "..", ":", "x", "X", "not reported", "No return", None],
)
def test_not_reported_is_none_not_zero(marker):
    rel = gen.make_release(15, DAYS[:2], seed=5, missing=0.3)
    parsed = parse(gen.wide_workbook(rel, not_reported=marker))
    assert_matches(parsed, rel)
    for which in (0, 1):
        code, day = first_none(rel, which)
        row = next(r for r in parsed.rows if r.org_code == code and r.day == day)
        assert (row.inpatient, row.outpatient)[which] is None


def test_trust_with_nothing_reported_has_none_totals():
    rel = gen.make_release(3, DAYS[:2], seed=2)
    code = sorted(rel.trusts)[1]
    rel.figures[code] = {d: (None, 7) for d in rel.days}
    parsed = parse(gen.wide_workbook(rel))
    assert parsed.trust_totals()[code] == (None, 14)
    assert parsed.sums()[0] == sum(
        v[0] for c, v in gen.expected_totals(rel).items() if c != code and v[0] is not None
    )


@pytest.mark.parametrize("shape", ["wide", "totals", "long"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (-3, "negative figure -3"),
        ("-3", "negative figure -3"),
        ("twelve", "'twelve' is not a number"),
        (12.5, "12.5 is not a whole number"),
    ],
)
def test_bad_figure_names_file_sheet_and_cell(small, shape, value, reason):
    code = sorted(small.trusts)[4]
    writer = {
        "wide": gen.wide_workbook,
        "totals": gen.totals_workbook,
        "long": gen.long_workbook,
    }[shape]
    data = writer(small, notes_rows=4, poison={(code, "outpatient"): value})
    sheet, ref = gen.find_cell(data, value)
    with pytest.raises(WorkbookError) as err:
        parse(data)
    assert str(err.value) == f"sitrep.xlsx, sheet '{sheet}', cell {ref}: {reason}"


def test_bad_figure_cell_reference_is_absolute():
    rows = [[None], [None], [None, None, "Code", "Name", "Inpatient", "Outpatient"]]
    rows += [[None, None, "RTX", "Trust X", 1, 2], [None, None, "RA2", "Trust Y", 1, -4]]
    with pytest.raises(
        WorkbookError, match=r"^f\.xlsx, sheet 'Data', cell F5: negative figure -4$"
    ):
        read_workbook(build(rows), "f.xlsx", max_uncompressed=CAP)
