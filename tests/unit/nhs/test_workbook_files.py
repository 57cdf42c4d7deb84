"""Workbook parser: CSV input, and files that are not strike tables."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from bot.nhs.workbook import NotStrikeData, WorkbookError, read_workbook
from tests.replica import workbooks as gen
from tests.unit.nhs.helpers import assert_matches, parse

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
