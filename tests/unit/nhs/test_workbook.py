"""Tests of the workbook parser against generated NHS England industrial-action workbooks."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from bot.nhs.workbook import NotStrikeData, ParsedWorkbook, WorkbookError, read_workbook
from tests.replica import workbooks as gen

CAP = 50 * 1024 * 1024
DAYS = [date(2023, 9, 19) + timedelta(days=i) for i in range(5)]


def parse(data: bytes, filename: str = "sitrep.xlsx") -> ParsedWorkbook:
    return read_workbook(data, filename, max_uncompressed=CAP)


@pytest.fixture(scope="module")
def release() -> gen.Release:
    return gen.make_release(gen.reference_trusts(), DAYS, seed=7, missing=0.05)


@pytest.fixture(scope="module")
def small() -> gen.Release:
    return gen.make_release(12, DAYS[:3], seed=11, missing=0.1)


def assert_matches(parsed: ParsedWorkbook, release: gen.Release) -> None:
    assert parsed.trust_totals() == gen.expected_totals(release)
    assert {r.org_code for r in parsed.rows} == set(release.trusts)
    names = {r.org_code: r.name for r in parsed.rows}
    assert names == {code: name for code, (name, _region) in release.trusts.items()}


def first_none(release: gen.Release, which: int) -> tuple[str, date]:
    for code, per_day in release.figures.items():
        for day, pair in per_day.items():
            if pair[which] is None:
                return code, day
    raise AssertionError("the release has no not-reported cell")


def with_rows_appended(data: bytes, rows: list[list[object]], sheet: str = "Data") -> bytes:
    wb = load_workbook(io.BytesIO(data))
    for row in rows:
        wb[sheet].append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet_rows(data: bytes, sheet: str = "Data") -> list[list[object]]:
    return [list(r) for r in load_workbook(io.BytesIO(data))[sheet].iter_rows(values_only=True)]


def build(rows: list[list[object]], merges: tuple[str, ...] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


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


# -- csv ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["wide", "totals", "long"])
def test_csv_input(small, shape):
    writer = {
        "wide": gen.wide_workbook,
        "totals": gen.totals_workbook,
        "long": gen.long_workbook,
    }[shape]
    text = gen.csv_bytes(writer(small, notes_rows=5, regions=True, text_numbers=True))
    parsed = parse(text, "sitrep.csv")
    assert parsed.shape == shape
    assert parsed.sheet == "sitrep"
    assert_matches(parsed, small)
    assert parsed.title.startswith(small.title)
    if shape != "totals":
        assert parsed.days == small.days


def test_csv_detected_by_content_and_errors_name_the_cell(small):
    data = gen.wide_workbook(small, poison={(sorted(small.trusts)[0], "inpatient"): "twelve"})
    text = gen.csv_bytes(data)
    _sheet, ref = gen.find_cell(data, "twelve")
    with pytest.raises(WorkbookError) as err:
        parse(text, "download")
    assert str(err.value) == f"download, sheet 'download', cell {ref}: 'twelve' is not a number"


# -- files that are not strike tables -------------------------------------------------------------


def test_corrupt_workbook():
    with pytest.raises(WorkbookError) as err:
        parse(gen.corrupt_workbook(), "broken.xlsx")
    assert str(err.value).startswith("broken.xlsx: not a readable spreadsheet (")
    assert not isinstance(err.value, NotStrikeData)


def test_zip_with_a_damaged_member_is_not_readable(small):
    good = gen.wide_workbook(small)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.split("/")[:2] == ["xl", "worksheets"]:
                body = body[: len(body) // 3]
            dst.writestr(info, body)
    with pytest.raises(WorkbookError, match=r"^cut\.xlsx: not a readable spreadsheet \("):
        parse(buf.getvalue(), "cut.xlsx")


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01\x02\x03binary", b"<!DOCTYPE html><html><body>Not found</body></html>"],
    ids=["empty", "binary", "html"],
)
def test_other_unreadable_bytes(data):
    with pytest.raises(WorkbookError, match=r"^odd\.xlsx: not a readable spreadsheet \("):
        parse(data, "odd.xlsx")


def test_zip_bomb_is_refused_before_reading():
    bomb = gen.zip_bomb(60)
    assert len(bomb) < 1024 * 1024
    with pytest.raises(WorkbookError) as err:
        parse(bomb, "bomb.xlsx")
    message = str(err.value)
    assert message.startswith("bomb.xlsx: ")
    assert "60 MB" in message
    assert "50 MB cap" in message


def test_zip_under_the_cap_is_read(small):
    data = gen.wide_workbook(small)
    assert_matches(read_workbook(data, "ok.xlsx", max_uncompressed=1024 * 1024), small)
    with pytest.raises(WorkbookError, match="cap"):
        read_workbook(data, "ok.xlsx", max_uncompressed=1024)


def test_unrecognised_workbook_is_not_strike_data():
    with pytest.raises(NotStrikeData) as err:
        parse(gen.unrecognised_workbook(), "assurance.xlsx")
    message = str(err.value)
    assert message.startswith("assurance.xlsx: ")
    assert "no sheet has an org code column with inpatient or outpatient figures" in message


def test_header_below_row_40_is_not_found(small):
    assert parse(gen.wide_workbook(small, notes_rows=38)).header_row == 40
    with pytest.raises(NotStrikeData):
        parse(gen.wide_workbook(small, notes_rows=45))


def test_notes_and_contents_sheets_alone_are_not_strike_data(small):
    data = gen.wide_workbook(small, sheets_before=("Contents", "Notes"))
    wb = load_workbook(io.BytesIO(data))
    del wb["Data"]
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(NotStrikeData, match="'Contents', 'Notes'"):
        parse(buf.getvalue())
