"""What every shape parser shares: the sheet, error messages, trust and England rows, duplicates."""

from __future__ import annotations

from datetime import date

from bot.domain.figures import plus
from bot.nhs.workbook.cells import (
    ENGLAND,
    BadFigure,
    col,
    figure_value,
    norm,
    org_code,
    text_value,
)
from bot.nhs.workbook.layout import CODE, NAME, REGION, Layout
from bot.nhs.workbook.model import TrustRow, WorkbookError


class EmptyTable(WorkbookError):
    """A header with no trust rows under it: a blank template sheet may precede the real table."""


class SheetParser:
    """One sheet's rows under a known layout; subclasses read one shape each in parse()."""

    def __init__(self, filename: str, sheet: str, rows: list[list], layout: Layout) -> None:
        self.filename = filename
        self.sheet = sheet
        self.rows = rows
        self.layout = layout
        # Looked up once: trust_code runs on every row.
        self._code_col = layout.ids[CODE]
        self._name_col = layout.ids.get(NAME)
        self.warnings: list[str] = []
        self.england: tuple[int | None, int | None] | None = None

    def parse(self) -> list[TrustRow] | None:
        """The trust rows; None when the sheet turns out to hold no strike figures."""
        raise NotImplementedError

    def where(self) -> str:
        return f"{self.filename}, sheet '{self.sheet}'"

    def cell_error(self, row: int, c: int, reason: str) -> WorkbookError:
        return WorkbookError(f"{self.where()}, cell {col(c)}{row + 1}: {reason}")

    def first_sighting(self, seen: dict, code: str, day: date | None, i: int, inp, outp) -> bool:
        """True the first time a trust and day appear; a repeated identical row (a repeated block) is
        dropped; the same trust and day with different figures cannot be resolved and fails the file."""
        prev = seen.get((code, day))
        if prev is None:
            seen[(code, day)] = (i, inp, outp)
            return True
        if prev[1:] == (inp, outp):
            return False
        raise self.conflict(code, day, prev[0], i)

    def conflict(self, code: str, day: date | None, first: int, again: int) -> WorkbookError:
        when = f" for {day.isoformat()}" if day is not None else ""
        return WorkbookError(
            f"{self.where()}: trust {code} appears twice{when} with different figures "
            f"(rows {first + 1} and {again + 1})"
        )

    def trust_code(self, row: list) -> str | None:
        name_col = self._name_col
        return org_code(row[self._code_col], None if name_col is None else row[name_col])

    def is_england(self, row: list) -> bool:
        for role in (CODE, NAME, REGION):
            c = self.layout.ids.get(role)
            if c is not None:
                v = row[c]
                if v.__class__ is str and v and norm(v) in ENGLAND:
                    return True
        return False

    def figures(self, row: list, i: int, cols: tuple[int, ...]) -> int | None:
        total = None
        for c in cols:
            v = row[c]
            # Calamine hands every number over as a float: keep that path free of calls.
            if v.__class__ is float and v >= 0 and v.is_integer():
                x = int(v)
            else:
                try:
                    x = figure_value(v)
                except BadFigure as e:
                    raise self.cell_error(i, c, str(e)) from None
                if x is None:
                    continue
            total = x if total is None else total + x
        return total

    def ident(self, row: list, role: str) -> str | None:
        c = self.layout.ids.get(role)
        return None if c is None else text_value(row[c])

    def add_england(self, inp: int | None, out: int | None) -> None:
        if self.england is None:
            self.england = (inp, out)
        else:
            self.england = (plus(self.england[0], inp), plus(self.england[1], out))

    def no_rows(self) -> EmptyTable:
        return EmptyTable(
            f"{self.where()}: header found at row {self.layout.bottom + 1} "
            "but no trust rows below it"
        )

    def note_summed(self, plan) -> None:
        if not plan:
            return
        # Every group has the same sub-columns, so the first one speaks for all.
        _day, ic, oc, _tc = plan[0]
        for cols, label in ((ic, "inpatient"), (oc, "outpatient")):
            if len(cols) > 1:
                letters = ", ".join(col(c) for c in cols)
                self.warnings.append(
                    f"{self.where()}: {len(cols)} {label} columns per group ({letters}) "
                    "were added together"
                )

    def note_skipped(self, skipped: int) -> None:
        if skipped:
            self.warnings.append(
                f"{self.where()}: {skipped} trust rows without a date (or dated 'total') skipped"
            )
