"""Opening the file: sniffing .xlsx/.xls/.csv, the zip-bomb guard, CSV decoding, calamine's sheets."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator

from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from bot.nhs.workbook.model import WorkbookError

XLSX, XLS, CSV = "xlsx", "xls", "csv"


def unreadable(filename: str, reason: object) -> WorkbookError:
    text = str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__
    if len(text) > 120:
        text = text[:117] + "..."
    return WorkbookError(f"{filename}: not a readable spreadsheet ({text})")


def _mb(n: int) -> str:
    return f"{n / 1_048_576:.1f}".removesuffix(".0")


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    return bool(head) and b"\x00" not in head


def sniff(data: bytes, filename: str) -> str:
    """XLSX, XLS or CSV by the bytes (the name decides only for text); raises when it is none."""
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        return XLSX
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return XLS
    if filename.lower().endswith((".csv", ".txt")) or _looks_like_text(data):
        if not data:
            raise unreadable(filename, "empty file")
        if not _looks_like_text(data):
            raise unreadable(filename, "binary content in a .csv file")
        return CSV
    if not data:
        raise unreadable(filename, "empty file")
    raise unreadable(filename, "neither an Excel workbook nor CSV text")


def check_zip(data: bytes, filename: str, max_uncompressed: int) -> None:
    """Refuse a zip that would inflate beyond the cap, before anything decompresses it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            inflated = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        raise unreadable(filename, f"damaged zip archive: {e}") from None
    if inflated > max_uncompressed:
        raise WorkbookError(
            f"{filename}: refused, it would inflate to {_mb(inflated)} MB, "
            f"over the {_mb(max_uncompressed)} MB cap"
        )


def csv_rows(data: bytes, filename: str) -> list[list]:
    """The CSV (or tab-separated) text's rows, padded to one width like a sheet's."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise unreadable(filename, "not text in a known encoding")
    if text.lstrip()[:1] == "<":
        raise unreadable(filename, "an HTML or XML page, not a spreadsheet")
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as e:
        raise unreadable(filename, f"bad CSV: {e}") from None
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) if len(r) < width else r for r in rows]


class CalamineSheet:
    """One worksheet: its first rows are read for header detection, the rest only when needed."""

    def __init__(self, filename: str, name: str, sheet, head: list[list], head_rows: int) -> None:
        self.filename = filename
        self.name = name
        self.head = head
        self._sheet = sheet
        self._head_rows = head_rows

    def rows(self) -> list[list]:
        """Every row of the sheet; the head when the sheet ends within it."""
        if len(self.head) < self._head_rows:
            return self.head
        try:
            return self._sheet.to_python(skip_empty_area=False)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:
            raise unreadable(self.filename, f"sheet '{self.name}': {e}") from None


class CalamineBook:
    """An .xlsx or .xls workbook's worksheets, the visible ones first."""

    def __init__(self, data: bytes, filename: str) -> None:
        self.filename = filename
        try:
            self._book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            meta = self._book.sheets_metadata
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # calamine's Rust panics are BaseException, not Exception
            raise unreadable(filename, e) from None
        # Hidden sheets (lookups, validation lists) are tried only after every visible one.
        sheets = [m for m in meta if m.typ == SheetTypeEnum.WorkSheet]
        self.names = [m.name for m in sheets if m.visible == SheetVisibleEnum.Visible]
        self.names += [m.name for m in sheets if m.visible != SheetVisibleEnum.Visible]

    def sheets(self, head_rows: int) -> Iterator[CalamineSheet]:
        """Each worksheet in turn, with its first head_rows rows already read."""
        for name in self.names:
            try:
                sheet = self._book.get_sheet_by_name(name)
                head = sheet.to_python(skip_empty_area=False, nrows=head_rows)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as e:
                raise unreadable(self.filename, f"sheet '{name}': {e}") from None
            yield CalamineSheet(self.filename, name, sheet, head, head_rows)
