"""Shared helpers for the workbook parser tests: parsing, expected figures, hand-built sheets."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import Workbook, load_workbook

from bot.nhs.workbook import ParsedWorkbook, read_workbook
from tests.replica import workbooks as gen

CAP = 50 * 1024 * 1024
DAYS = [date(2023, 9, 19) + timedelta(days=i) for i in range(5)]


def parse(data: bytes, filename: str = "sitrep.xlsx") -> ParsedWorkbook:
    return read_workbook(data, filename, max_uncompressed=CAP)


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
