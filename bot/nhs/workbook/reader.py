"""The entry point: picks the data sheet, detects its layout and hands it to the parser for its shape."""

from __future__ import annotations

import itertools
from pathlib import PurePath

from bot.nhs.workbook.containers import CSV, XLSX, CalamineBook, check_zip, csv_rows, sniff
from bot.nhs.workbook.context import EmptyTable, SheetParser
from bot.nhs.workbook.layout import (
    DATE,
    HEADER_SCAN_ROWS,
    MEASURE,
    TOTAL,
    VALUE,
    Layout,
    columns,
    find_layout,
    title,
)
from bot.nhs.workbook.model import NotStrikeData, ParsedWorkbook, WorkbookError
from bot.nhs.workbook.shapes_long import LongByDay, LongByMeasure
from bot.nhs.workbook.shapes_wide import RowPerTrust
from bot.nhs.workbook.workforce import read_workforce

_NO_TABLE = "no sheet has an org code column with inpatient or outpatient figures"


def _parse_sheet(
    filename: str, sheet: str, rows: list[list], layout: Layout
) -> ParsedWorkbook | None:
    parser: SheetParser
    if any(d is not None for d, role, _c in layout.figures if role is not TOTAL):
        shape = "wide"
        parser = RowPerTrust(filename, sheet, rows, layout, wide=True)
    elif MEASURE in layout.ids and VALUE in layout.ids:
        shape = "long"
        parser = LongByMeasure(filename, sheet, rows, layout)
    elif DATE in layout.ids:
        shape = "long"
        parser = LongByDay(filename, sheet, rows, layout)
    else:
        shape = "totals"
        parser = RowPerTrust(filename, sheet, rows, layout, wide=False)
    trust_rows = parser.parse()
    if trust_rows is None:
        return None  # the measures named are not inpatient or outpatient activity
    if not trust_rows:
        raise parser.no_rows()
    if shape == "wide":
        days = sorted({d for d, role, _c in layout.figures if d is not None and role is not TOTAL})
    elif shape == "long":
        days = sorted({r.day for r in trust_rows if r.day is not None})
    else:
        days = []
    parsed = ParsedWorkbook(
        filename=filename,
        sheet=sheet,
        header_row=layout.bottom + 1,
        shape=shape,
        columns=columns(layout, shape),
        title=title(rows, layout.first),
        days=days,
        rows=trust_rows,
        england=parser.england,
        warnings=parser.warnings,
    )
    check = parsed.england_check
    if not check.agrees:
        parsed.warnings.append(
            f"{parser.where()}: England row {check.stated} differs from the sum of trust rows "
            f"{check.summed}"
        )
    return parsed


def _read_csv(data: bytes, filename: str) -> ParsedWorkbook:
    rows = csv_rows(data, filename)
    sheet = PurePath(filename).stem or filename
    layout = find_layout(rows[: HEADER_SCAN_ROWS + 1])
    if layout is not None:
        parsed = _parse_sheet(filename, sheet, rows, layout)
        if parsed is not None:
            read_workforce(parsed, rows, ())
            return parsed
    raise NotStrikeData(f"{filename}: {_NO_TABLE}")


def _read_calamine(data: bytes, filename: str) -> ParsedWorkbook:
    book = CalamineBook(data, filename)
    empty_table: WorkbookError | None = None
    sheets = book.sheets(HEADER_SCAN_ROWS + 1)
    passed = []  # sheets before the data sheet: the workforce part may be on one of them
    for sheet in sheets:
        layout = find_layout(sheet.head)
        if layout is None:
            passed.append(sheet)
            continue
        rows = sheet.rows()
        try:
            parsed = _parse_sheet(filename, sheet.name, rows, layout)
        except EmptyTable as e:
            # A blank template sheet may precede the real table.
            empty_table = empty_table or WorkbookError(str(e))
            passed.append(sheet)
            continue
        if parsed is not None:
            read_workforce(parsed, rows, itertools.chain(passed, sheets))
            return parsed
        passed.append(sheet)
    if empty_table is not None:
        raise empty_table
    raise NotStrikeData(
        f"{filename}: {_NO_TABLE} (sheets: {', '.join(repr(n) for n in book.names) or 'none'})"
    )


def read_workbook(data: bytes, filename: str, *, max_uncompressed: int) -> ParsedWorkbook:
    """Parse one downloaded spreadsheet; raises WorkbookError (or NotStrikeData) with a clear message."""
    kind = sniff(data, filename)
    if kind == CSV:
        try:
            return _read_csv(data, filename)
        except EmptyTable as e:
            raise WorkbookError(str(e)) from None
    if kind == XLSX:
        check_zip(data, filename, max_uncompressed)
    return _read_calamine(data, filename)
