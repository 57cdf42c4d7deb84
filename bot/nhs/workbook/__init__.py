"""Reads an NHS England industrial-action workbook (.xlsx, .xls or .csv) and detects its table layout."""

from bot.nhs.workbook.model import (
    EnglandCheck,
    NotStrikeData,
    ParsedWorkbook,
    StaffRow,
    TrustRow,
    WorkbookError,
    WorkforceTable,
)
from bot.nhs.workbook.reader import read_workbook

__all__ = [
    "EnglandCheck",
    "NotStrikeData",
    "ParsedWorkbook",
    "StaffRow",
    "TrustRow",
    "WorkbookError",
    "WorkforceTable",
    "read_workbook",
]
