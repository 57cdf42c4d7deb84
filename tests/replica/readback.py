"""Reading generated workbooks back: a sheet as CSV text, and the cell a value landed in."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook


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


def find_cell(xlsx: bytes, value: object) -> tuple[str, str]:
    """(sheet title, cell reference) of the first cell whose value equals value."""
    wb = load_workbook(io.BytesIO(xlsx))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == value and type(cell.value) is type(value):
                    return ws.title, cell.coordinate
    raise LookupError(f"{value!r} not found")
