"""The workforce part: staff absent because of industrial action, per trust and strike day.

Found as the rescheduled table is found: a header row in the first rows of a sheet with an
org-code column and staff-absent labels. Its own sheet comes first (wide by day, with the date in
each label, above a row of dates, or below one; or long, with a date column), else columns or
measure rows beside the rescheduled figures in the data sheet. "Not reported" is None, never 0.
Anything wrong in it (text or negative numbers, a trust twice with different figures) skips the
workforce part with one clear note; the rescheduled figures are read all the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Protocol

from bot.domain import turnout
from bot.domain.dates import date_in_cell
from bot.domain.figures import plus
from bot.domain.formatting import period_label
from bot.domain.records import Workforce
from bot.domain.turnout import outside_strike
from bot.nhs.workbook.cells import as_date, col, norm, text_value
from bot.nhs.workbook.layout import (
    CODE,
    DATE,
    HEADER_SCAN_ROWS,
    MEASURE,
    NAME,
    REGION,
    VALUE,
    Layout,
    label_role,
    title,
)
from bot.nhs.workbook.model import ParsedWorkbook, StaffRow, WorkbookError, WorkforceTable
from bot.nhs.workbook.shapes_long import _Long

GROUP = "staff_group"
WIDE, LONG, MEASURES, TOTALS = "wide", "long", "measures", "totals"

_STAFF_WORDS = ("absent", "absence", "takingpart", "tookpart", "onstrike", "participat")
# Rates and averages are England's 2025 headline, not counts per trust; the rest are the
# rescheduled part's measures.
_NOT_STAFF = (
    "percent",
    "proportion",
    "average",
    "rate",
    "sickness",
    "rescheduled",
    "appointment",
    "inpatient",
    "outpatient",
    "elective",
    "community",
    "mentalhealth",
)
_GROUP_LABELS = frozenset(
    ("staffgroup", "stafftype", "staffcategory", "profession", "workforcegroup", "group")
)
_SHEET_WORDS = ("workforce", "staff", "absent", "absence")
_ID_ROLES = frozenset((CODE, NAME, REGION, DATE, MEASURE, VALUE, GROUP))
# A date inside a label: "Staff absent 20/09/2023", "Doctors absent (Wed 20 Sep 2023)".
_LABEL_DATE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?\d{1,2}(?:st|nd|rd|th)?[\s-]+[a-z]{3,9}\.?,?[\s-]+\d{2,4}",
    re.I,
)
_NO_PART = "no sheet has an org code column with staff-absent figures per day"
SKIPPED = "workforce part skipped: "  # a part was found but not read; what follows says why


@lru_cache(maxsize=4096)
def is_staff_label(text: str) -> bool:
    """A column label (or a long table's measure) that counts staff absent or taking part."""
    n = norm(text)
    return (
        "%" not in text
        and any(w in n for w in _STAFF_WORDS)
        and not any(w in n for w in _NOT_STAFF)
    )


@lru_cache(maxsize=4096)
def split_label(text: str) -> tuple[date | None, str]:
    """The date a label names, if any, and the label without it ("Staff absent")."""
    for m in _LABEL_DATE.finditer(text):
        day = date_in_cell(m[0])
        if day is not None:
            rest = (text[: m.start()] + " " + text[m.end() :]).strip(" -–:,()[]")
            return day, " ".join(rest.split())
    return None, " ".join(text.split())


def _staff_measure(text: str) -> str | None:
    """A long table's measure name, tidied, when it counts staff absent; None otherwise."""
    return " ".join(text.split()) if is_staff_label(text) else None


def _role(v: object) -> str | None:
    if v.__class__ is not str or not v:
        return None
    return _label_role(v)  # type: ignore[arg-type]


@lru_cache(maxsize=4096)
def _label_role(text: str) -> str | None:
    return GROUP if norm(text) in _GROUP_LABELS else label_role(text)


def _blank(v: object) -> bool:
    return v is None or v == ""


@dataclass(slots=True)
class StaffLayout:
    """Where a sheet's staff-absent table sits and which columns hold what."""

    top: int | None  # 0-based upper header row of a two-row header
    bottom: int  # 0-based lower (or only) header row
    ids: dict[str, int]
    staff: list[tuple[date | None, int, str]]  # (day, column, label without its date)
    shape: str  # WIDE | LONG | MEASURES | TOTALS

    def layout(self) -> Layout:
        return Layout(self.top, self.bottom, self.ids, [])


def _header(rows: list[list], top: int | None, bottom: int, label: str) -> StaffLayout | None:
    """The staff-absent layout of one header (a row, or a row under another), if it is one."""
    lower = rows[bottom]
    upper = rows[top] if top is not None else []
    ids: dict[str, int] = {}
    staff: list[tuple[date | None, int, str]] = []
    day: date | None = None
    over: str | None = None  # a staff label carried right from the upper row
    for c in range(max(len(lower), len(upper))):
        lv = lower[c] if c < len(lower) else None
        uv = upper[c] if c < len(upper) else None
        if not _blank(uv):
            # Merged cells leave their value in the first column only: carry it right.
            day = as_date(uv)
            over = uv if uv.__class__ is str and is_staff_label(uv) else None  # type: ignore[arg-type]
        role = _role(lv)
        if role in _ID_ROLES:
            ids.setdefault(role, c)  # type: ignore[arg-type]
            day = over = None
            continue
        if _blank(lv):
            up = _role(uv)
            if up in _ID_ROLES:
                ids.setdefault(up, c)  # type: ignore[arg-type]
                day = over = None
            continue
        if lv.__class__ is str and is_staff_label(lv):  # type: ignore[arg-type]
            named, text = split_label(lv)  # type: ignore[arg-type]
            staff.append((named or day, c, text))
            continue
        below = as_date(lv)
        if below is not None and (over is not None or label):
            staff.append((below, c, split_label(over)[1] if over else label))
    if CODE not in ids:
        return None
    dated = [s for s in staff if s[0] is not None]
    if dated:
        return StaffLayout(top, bottom, ids, dated, WIDE)
    if staff and DATE in ids:
        return StaffLayout(top, bottom, ids, staff, LONG)
    if MEASURE in ids and VALUE in ids and DATE in ids:
        return StaffLayout(top, bottom, ids, [], MEASURES)
    if staff:
        return StaffLayout(top, bottom, ids, staff, TOTALS)
    return None


def _sheet_label(rows: list[list], sheet: str) -> str:
    """For a sheet of bare dates: the staff it counts, from the text above its table ("Junior
    doctors absent due to industrial action" -> "Junior doctors absent") or its name."""
    for row in rows[:HEADER_SCAN_ROWS]:
        for v in row:
            if v.__class__ is str and is_staff_label(v):
                words = split_label(v)[1].split()
                end = next(
                    (i for i, w in enumerate(words) if any(s in norm(w) for s in _STAFF_WORDS)),
                    len(words) - 1,
                )
                return " ".join(words[: end + 1])
    return sheet if any(w in norm(sheet) for w in _SHEET_WORDS) else ""


def find_staff_layout(rows: list[list], sheet: str, *, own_sheet: bool) -> StaffLayout | None:
    """The first header in the first rows that a staff-absent table sits under.

    `own_sheet`: a sheet other than the rescheduled table's, where a header of bare dates counts
    when the sheet's name or title says it is about staff absent.
    """
    label = _sheet_label(rows, sheet) if own_sheet else ""
    n = min(len(rows), HEADER_SCAN_ROWS)
    has_code = [any(_role(v) == CODE for v in rows[r]) for r in range(n)]
    for r in range(n):
        # The org-code label sits in this row, or in the row above (identity labels beside dates).
        if not (has_code[r] or (r > 0 and has_code[r - 1])):
            continue
        if r > 0:
            pair = _header(rows, r - 1, r, label)
            if pair is not None and pair.shape == WIDE and pair.top is not None:
                return pair
        single = _header(rows, None, r, label)
        if single is not None:
            return single
    return None


class StaffParser(_Long):
    """Reads a staff-absent table under a known layout into StaffRows, and England's row."""

    def __init__(self, filename: str, sheet: str, rows: list[list], found: StaffLayout) -> None:
        super().__init__(filename, sheet, rows, found.layout())
        self.found = found
        self.england_row: dict[date, int | None] | None = None
        self.labels: list[str] = []  # the staff labels read, in order
        self.groups: list[str] = []  # a long table's staff-group column's values, in order
        self.repeated: list[str] = []

    def _label(self, text: str, into: list[str] | None = None) -> None:
        into = self.labels if into is None else into
        if text and text not in into:
            into.append(text)

    @property
    def staff_group(self) -> str:
        """The staff the table counts: its staff-group values, else its staff labels."""
        return " + ".join(self.groups or self.labels)

    def _once(self, seen: dict, key: tuple, i: int, value: object) -> bool:
        """True the first time a trust (and day) appears; the same figures again are dropped with
        a note, different ones cannot be resolved and skip the workforce part."""
        prev = seen.get(key)
        if prev is None:
            seen[key] = (i, value)
            return True
        if prev[1] == value:
            self.repeated.append(f"{key[0]} (rows {prev[0] + 1} and {i + 1})")
            return False
        day = key[1] if len(key) > 1 and isinstance(key[1], date) else None
        raise self.conflict(key[0], day, prev[0], i)

    def parse(self) -> list[StaffRow] | None:
        shape = self.found.shape
        if shape == TOTALS:
            raise WorkbookError(
                f"{self.where()}: staff absent is given for the strike as a whole"
                f" (header row {self.found.bottom + 1}), not per day"
            )
        out = self._wide() if shape == WIDE else self._long()
        if out is None:
            return None
        if not out:
            raise WorkbookError(
                f"{self.where()}: staff-absent header found at row {self.found.bottom + 1}"
                " but no trust rows below it"
            )
        if self.repeated:
            shown = "; ".join(self.repeated[:10])
            more = f"; and {len(self.repeated) - 10} more" if len(self.repeated) > 10 else ""
            self.warnings.append(
                f"{self.where()}: staff absent: trusts appear twice with the same figures,"
                f" counted once: {shown}{more}"
            )
        return out

    def _wide(self) -> list[StaffRow]:
        plan: dict[date, list[tuple[int, str]]] = {}
        for day, c, text in self.found.staff:
            plan.setdefault(day, []).append((c, text))  # type: ignore[arg-type]
        groups: list[tuple[date, tuple[int, ...]]] = []
        for day, cells in sorted(plan.items()):
            totals = [(c, t) for c, t in cells if norm(t).startswith("total")]
            chosen = totals or cells
            for _c, t in chosen:
                self._label(t)
            groups.append((day, tuple(c for c, _t in chosen)))
        cols = groups[0][1]
        if len(cols) > 1:
            self.warnings.append(
                f"{self.where()}: staff absent: {len(cols)} columns per day"
                f" ({', '.join(col(c) for c in cols)}) were added together"
            )
        name_col = self.layout.ids.get(NAME)
        seen: dict = {}
        out: list[StaffRow] = []
        rows = self.rows
        trust_code, figures, ident = self.trust_code, self.figures, self.ident
        for i in range(self.found.bottom + 1, len(rows)):
            row = rows[i]
            code = trust_code(row)
            if code is None:
                if self.england_row is None and self.is_england(row):
                    self.england_row = {d: figures(row, i, cs) for d, cs in groups}
                continue
            values = [(d, figures(row, i, cs)) for d, cs in groups]
            name = ident(row, NAME)
            if name is None and name_col is not None and all(v is None for _d, v in values):
                continue  # a footnote word that happens to look like a code
            if not self._once(seen, (code,), i, values):
                continue
            region = ident(row, REGION)
            out += [StaffRow(code, name, region, d, v) for d, v in values]
        return out

    def _long(self) -> list[StaffRow] | None:
        ids = self.layout.ids
        by_measure = self.found.shape == MEASURES
        mcol = ids.get(MEASURE)
        # One value column (a measure's), or the staff columns of a row per trust per day.
        cols = (ids[VALUE],) if by_measure else tuple(c for _d, c, _t in self.found.staff)
        if not by_measure:
            for _d, _c, t in self.found.staff:
                self._label(t)
        gcol = ids.get(GROUP)
        measures: dict[str, str] = {}  # a measure cell -> its label if it is staff's, else ""
        dates: dict[object, date] = {}
        seen: dict = {}
        acc: dict[tuple[str, date], list] = {}
        names: dict[str, tuple[str | None, str | None]] = {}
        england_seen: set[tuple] = set()
        saw_staff = not by_measure
        rows = self.rows
        trust_code, day_of, figures, once = self.trust_code, self.day_of, self.figures, self._once
        for i in range(self.found.bottom + 1, len(rows)):
            row = rows[i]
            what = ""
            if by_measure:
                mv = row[mcol]  # type: ignore[index]
                if mv.__class__ is not str:
                    continue
                what = measures.get(mv)  # type: ignore[assignment]
                if what is None:
                    what = measures[mv] = _staff_measure(mv) or ""  # type: ignore[arg-type]
                    self._label(what)
                if not what:
                    continue
                saw_staff = True
            group = text_value(row[gcol]) if gcol is not None else None
            code = trust_code(row)
            if code is None:
                if self.is_england(row):
                    ok, day = day_of(row, i, dates)
                    if ok and day is not None and (day, what, group) not in england_seen:
                        england_seen.add((day, what, group))
                        held = self.england_row = self.england_row or {}
                        held[day] = plus(held.get(day), figures(row, i, cols))
                continue
            ok, day = day_of(row, i, dates)
            if not ok or day is None:
                continue
            value = figures(row, i, cols)
            if not once(seen, (code, day, what, group), i, value):
                continue
            if group:
                self._label(group, self.groups)
            entry = acc.get((code, day))
            if entry is None:
                if code not in names:
                    names[code] = (self.ident(row, NAME), self.ident(row, REGION))
                acc[(code, day)] = [value]
            else:
                entry[0] = plus(entry[0], value)
        if not saw_staff:
            return None
        return [StaffRow(code, *names[code], day, e[0]) for (code, day), e in acc.items()]

    def columns(self) -> dict[str, str]:
        out = {role: col(c) for role, c in sorted(self.layout.ids.items(), key=lambda kv: kv[1])}
        if self.found.shape == MEASURES:
            out.pop(MEASURE, None)
            out["staff absent"] = out.pop(VALUE)
            return out
        for day, c, _t in self.found.staff:
            key = f"staff absent {day.isoformat()}" if self.found.shape == WIDE else "staff absent"  # type: ignore[union-attr]
            out[key] = f"{out[key]},{col(c)}" if key in out else col(c)
        return out


def read_staff_table(
    filename: str, sheet: str, rows: list[list], found: StaffLayout
) -> WorkforceTable | None:
    """One sheet's staff-absent table; None when it holds no staff measure after all."""
    parser = StaffParser(filename, sheet, rows, found)
    staff_rows = parser.parse()
    if staff_rows is None:
        return None
    if found.shape == WIDE:
        days = sorted({d for d, _c, _t in found.staff})  # type: ignore[type-var]
    else:
        days = sorted({r.day for r in staff_rows} | set(parser.england_row or ()))
    table = WorkforceTable(
        sheet=sheet,
        header_row=found.bottom + 1,
        shape=WIDE if found.shape == WIDE else LONG,
        columns=parser.columns(),
        staff_group=parser.staff_group
        or title(rows, found.top if found.top is not None else found.bottom)[:80],
        days=days,
        rows=staff_rows,
        england_row=parser.england_row,
        warnings=parser.warnings,
    )
    if table.validation != "ok":
        table.warnings.append(f"{parser.where()}: England row differs: {table.validation}")
    return table


class SheetLike(Protocol):
    name: str
    head: list[list]

    def rows(self) -> list[list]: ...


def read_workforce(
    parsed: ParsedWorkbook, data_rows: list[list], others: Iterable[SheetLike]
) -> None:
    """Find and read the workforce part into `parsed.workforce`; else say why in `workforce_note`.

    `others` are the workbook's other sheets, tried first; then the rescheduled table's own sheet.
    """
    try:
        for sheet in others:
            found = find_staff_layout(sheet.head, sheet.name, own_sheet=True)
            if found is None:
                continue
            table = read_staff_table(parsed.filename, sheet.name, sheet.rows(), found)
            if table is not None:
                parsed.workforce = table
                break
        else:
            found = find_staff_layout(
                data_rows[: HEADER_SCAN_ROWS + 1], parsed.sheet, own_sheet=False
            )
            if found is not None:
                parsed.workforce = read_staff_table(parsed.filename, parsed.sheet, data_rows, found)
    except WorkbookError as e:
        parsed.workforce = None
        parsed.workforce_note = f"{SKIPPED}{e}"
        return
    if parsed.workforce is None:
        parsed.workforce_note = f"no workforce part: {_NO_PART}"
    else:
        parsed.workforce_note = f"workforce part read: {parsed.workforce.describe()}"


def workforce_part(
    parsed: ParsedWorkbook, start: date, end: date
) -> tuple[Workforce, list[StaffRow]]:
    """The workforce part as it is stored with the release of the strike start-end: read, or
    skipped with the reason (none found, unreadable, or days outside the strike)."""
    table = parsed.workforce
    if table is None:
        return Workforce(False, parsed.workforce_note or f"no workforce part: {_NO_PART}"), []
    outside = outside_strike(table.days, start, end)
    if outside:
        days = ", ".join(d.isoformat() for d in outside)
        return (
            Workforce(
                False,
                f"{SKIPPED}{parsed.filename}, sheet '{table.sheet}': staff absent"
                f" on {days}, outside the strike ({period_label(start, end)})",
            ),
            [],
        )
    part = Workforce(
        read=True,
        note=parsed.workforce_note,
        sheet=table.sheet,
        shape=table.shape,
        staff_group=table.staff_group,
        validation=table.validation,
        days=table.stated,
    )
    return part, table.rows


def skipped(part: Workforce) -> bool:
    """A workforce part was there but could not be read (rather than no part at all)."""
    return not part.read and part.note.startswith(SKIPPED)


def summary(part: Workforce, rows: Iterable[StaffRow]) -> str:
    """One line on the workforce part, for the ingest outcome: England's peak, or why it was not read."""
    if not part.read:
        return part.note
    england = turnout.england(part.days, rows)
    peak = (
        f"England peak {england.peak:,} on {england.peak_day.isoformat()}"
        if england.peak is not None and england.peak_day is not None
        else "no day reported"
    )
    check = "" if part.validation == "ok" else f" (check: {part.validation})"
    return f"staff absent read ({part.shape}, sheet '{part.sheet}'): {peak}{check}"
