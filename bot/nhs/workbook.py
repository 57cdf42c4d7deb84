"""Reads an NHS England industrial-action workbook (.xlsx, .xls or .csv) and detects its table layout."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import PurePath
from typing import NamedTuple

from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum


class WorkbookError(Exception):
    """The file cannot be read as strike data. The message names the file, the sheet and what was wrong."""


class NotStrikeData(WorkbookError):
    """The file is a readable spreadsheet but holds no strike table (a template, an assurance form)."""


class TrustRow(NamedTuple):
    """One trust's rescheduled figures for one strike day (day is None in the period-totals shape).

    None means "not reported" and is never the same as 0. A NamedTuple, not a frozen dataclass:
    a workbook makes thousands of these and the dataclass constructor was most of the parse time.
    """

    org_code: str
    name: str | None
    region: str | None
    day: date | None
    inpatient: int | None
    outpatient: int | None


@dataclass(slots=True)
class ParsedWorkbook:
    filename: str
    sheet: str
    header_row: int  # 1-based row number of the (lowest) header row
    shape: str  # "wide" | "totals" | "long"
    columns: dict[
        str, str
    ]  # role -> column letter(s), e.g. {"org_code": "A", "inpatient 2023-09-19": "D"}
    title: str  # text found above the header (titles, notes), joined with " | "
    days: list[date]  # the strike days the table covers, sorted; empty for the totals shape
    rows: list[TrustRow]
    england: (
        tuple[int | None, int | None] | None
    )  # the England row's (inpatient, outpatient), if any
    warnings: list[str] = field(default_factory=list)

    def trust_totals(self) -> dict[str, tuple[int | None, int | None]]:
        """Per-trust (inpatient, outpatient) summed over days; None only where every day is None."""
        out: dict[str, list[int | None]] = {}
        for r in self.rows:
            acc = out.get(r.org_code)
            if acc is None:
                out[r.org_code] = [r.inpatient, r.outpatient]
                continue
            acc[0] = _add(acc[0], r.inpatient)
            acc[1] = _add(acc[1], r.outpatient)
        return {code: (v[0], v[1]) for code, v in out.items()}

    def sums(self) -> tuple[int, int]:
        """(inpatient, outpatient) over all trust rows, not-reported counted as 0."""
        return (
            sum(r.inpatient for r in self.rows if r.inpatient is not None),
            sum(r.outpatient for r in self.rows if r.outpatient is not None),
        )


# The header must sit near the top; one extra row lets a header on row 40 see the row below it.
HEADER_SCAN_ROWS = 40

_CODE, _NAME, _REGION, _DATE, _MEASURE, _VALUE = (
    "org_code",
    "name",
    "region",
    "date",
    "measure",
    "value",
)
_IN, _OUT, _TOTAL = "inpatient", "outpatient", "total"
_ID_ROLES = frozenset((_CODE, _NAME, _REGION, _DATE, _MEASURE, _VALUE))
_FIGURE_ROLES = frozenset((_IN, _OUT, _TOTAL))

_CODE_LABELS = frozenset(
    (
        "code",
        "orgcode",
        "organisationcode",
        "organizationcode",
        "providercode",
        "trustcode",
        "odscode",
        "orgodscode",
        "providerodscode",
        "trustodscode",
    )
)
_NAME_LABELS = frozenset(
    (
        "name",
        "orgname",
        "organisationname",
        "organizationname",
        "providername",
        "trust",
        "trustname",
        "nhstrust",
        "provider",
        "organisation",
        "organization",
    )
)
_DATE_LABELS = frozenset(("day", "strikeday", "actionday", "dayofaction"))
_MEASURE_LABELS = frozenset(("indicator", "activitytype", "typeofactivity", "category", "activity"))
_VALUE_LABELS = frozenset(
    ("value", "count", "number", "figure", "figures", "numberrescheduled", "rescheduled")
)
# Community and mental-health activity is outside NHS England's headline; staff absence is the
# workforce part; percentages belong to the 2025 "% of planned care maintained" headline.
_EXCLUDED_WORDS = (
    "community",
    "mentalhealth",
    "staff",
    "absent",
    "absence",
    "percent",
    "proportion",
    "maintained",
)
_ENGLAND = frozenset(
    ("england", "englandtotal", "total", "grandtotal", "englandtotals", "allengland")
)
# Words that fit the org-code pattern but label footnotes or totals (REF is a real trust code, kept).
_NOT_CODES = frozenset(("NOTES", "TRUST", "TOTAL", "NHS", "THE", "TBC", "TBA"))
_NOT_REPORTED = frozenset(
    (
        "-",
        "–",
        "—",
        "*",
        "n/a",
        "na",
        "..",
        ":",
        "x",
        "not reported",
        "no return",
        "not available",
    )
)

_TRUST_CODE = re.compile(r"[RNT][A-Z0-9]{2}(?:[A-Z0-9]{2})?")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_DATE_TEXT = re.compile(
    r"""\s*(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?
    (?:
        (?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?
      | (?P<nd>\d{1,2})[/.-](?P<nm>\d{1,2})[/.-](?P<ny>\d{4}|\d{2})
      | (?P<td>\d{1,2})(?:st|nd|rd|th)?[\s-]+(?P<tm>[a-z]{3,9})\.?,?[\s-]+(?P<ty>\d{4}|\d{2})
    )\s*""",
    re.X | re.I,
)


def _add(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _norm(text: str) -> str:
    return _NON_ALNUM.sub("", text.lower())


def _col(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@lru_cache(maxsize=4096)
def _label_role(text: str) -> str | None:
    n = _norm(text)
    if not n or "%" in text or any(w in n for w in _EXCLUDED_WORDS):
        return None
    if "region" in n:
        return _REGION
    if n in _CODE_LABELS or (
        n.endswith("code")
        and not n.endswith("postcode")
        and any(w in n for w in ("org", "provider", "trust", "ods"))
    ):
        return _CODE
    if n in _NAME_LABELS or (
        n.endswith("name") and any(w in n for w in ("org", "provider", "trust"))
    ):
        return _NAME
    if n in _DATE_LABELS or n.endswith("date") or n.startswith("date"):
        return _DATE
    if n in _MEASURE_LABELS or n.startswith(("measure", "metric")):
        return _MEASURE
    if n in _VALUE_LABELS:
        return _VALUE
    # Outpatient first: "elective outpatient" is an outpatient measure; a label naming both
    # inpatients and outpatients is their combined total.
    has_in = "inpatient" in n
    if "outpatient" in n:
        return _TOTAL if has_in else _OUT
    if has_in or "elective" in n or "daycase" in n:
        return _IN
    if n.startswith("total"):
        return _TOTAL
    return None


def _date_text(text: str) -> date | None:
    m = _DATE_TEXT.fullmatch(text)
    if m is None:
        return None
    g = m.groupdict()
    try:
        if g["iy"]:
            return date(int(g["iy"]), int(g["im"]), int(g["id"]))
        if g["nd"]:
            y = int(g["ny"])
            return date(y + 2000 if y < 100 else y, int(g["nm"]), int(g["nd"]))
        month = _MONTHS.get(g["tm"][:3].lower())
        if month is None:
            return None
        y = int(g["ty"])
        return date(y + 2000 if y < 100 else y, month, int(g["td"]))
    except ValueError:
        return None


def _as_date(v: object) -> date | None:
    t = v.__class__
    if t is date:
        return v  # type: ignore[return-value]
    if t is datetime:
        return v.date()  # type: ignore[union-attr]
    if t is str and 6 <= len(v) <= 40:  # type: ignore[arg-type]
        return _date_text(v)  # type: ignore[arg-type]
    return None


class _BadFigure(Exception):
    pass


def _show(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _figure(v: object) -> int | None:
    t = v.__class__
    if t is float:
        if v >= 0 and v.is_integer():  # type: ignore[operator, union-attr]
            return int(v)  # type: ignore[call-overload]
    elif t is str:
        s = v.strip()  # type: ignore[union-attr]
        if s.isdigit() and s.isascii():
            return int(s)
        if not s:
            return None
    elif t is int:
        if v >= 0:  # type: ignore[operator]
            return v  # type: ignore[return-value]
    elif v is None:
        return None
    return _figure_slow(v)


def _figure_slow(v: object) -> int | None:
    if isinstance(v, str):
        s = v.strip()
        if s.lower() in _NOT_REPORTED:
            return None
        compact = s.replace(",", "").replace(" ", "").replace("\u00a0", "")
        if compact.isdigit() and compact.isascii():
            return int(compact)
        try:
            num = float(compact)
        except ValueError:
            raise _BadFigure(f"{s!r} is not a number") from None
        if num != num or num in (float("inf"), float("-inf")):
            raise _BadFigure(f"{s!r} is not a number")
        if num < 0:
            raise _BadFigure(f"negative figure {s}")
        if not num.is_integer():
            raise _BadFigure(f"{s} is not a whole number")
        return int(num)
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise _BadFigure(f"{_show(v)!r} is not a number")
    if v != v or v in (float("inf"), float("-inf")):
        raise _BadFigure(f"{v!r} is not a number")
    if v < 0:
        raise _BadFigure(f"negative figure {_show(v)}")
    raise _BadFigure(f"{v} is not a whole number")


def _text(v: object) -> str | None:
    if v is None:
        return None
    s = (v if v.__class__ is str else _show(v)).strip()  # type: ignore[union-attr]
    return s or None


def _is_aggregate_name(v: object) -> bool:
    if v.__class__ is not str or not v:
        return False
    s = v.lower()  # type: ignore[union-attr]
    if "region" in s or "total" in s and s.lstrip().startswith("total"):
        return True
    return "england" in s and _norm(s) in _ENGLAND


def _mb(n: int) -> str:
    return f"{n / 1_048_576:.1f}".removesuffix(".0")


@dataclass(slots=True)
class _Layout:
    top: int | None  # 0-based upper header row of a two-row header
    bottom: int  # 0-based lower (or only) header row
    ids: dict[str, int]
    figures: list[tuple[date | None, str, int]]  # (day, role, column) in column order

    @property
    def first(self) -> int:
        return self.bottom if self.top is None else self.top


class _EmptyTable(WorkbookError):
    pass


class _Reader:
    """Parses one sheet's rows once a layout is known; holds the context error messages need."""

    def __init__(self, filename: str, sheet: str, rows: list[list], layout: _Layout) -> None:
        self.filename = filename
        self.sheet = sheet
        self.rows = rows
        self.layout = layout
        self.warnings: list[str] = []
        self.england: tuple[int | None, int | None] | None = None

    def where(self) -> str:
        return f"{self.filename}, sheet '{self.sheet}'"

    def cell_error(self, row: int, col: int, reason: str) -> WorkbookError:
        return WorkbookError(f"{self.where()}, cell {_col(col)}{row + 1}: {reason}")

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
        v = row[self.layout.ids[_CODE]]
        if v.__class__ is not str:
            return None
        code = v.strip().upper()
        if not _TRUST_CODE.fullmatch(code) or code in _NOT_CODES:
            return None
        name_col = self.layout.ids.get(_NAME)
        if name_col is not None and _is_aggregate_name(row[name_col]):
            return None
        return code

    def is_england(self, row: list) -> bool:
        for role in (_CODE, _NAME, _REGION):
            c = self.layout.ids.get(role)
            if c is not None:
                v = row[c]
                if v.__class__ is str and v and _norm(v) in _ENGLAND:
                    return True
        return False

    def figure(self, row: list, i: int, c: int) -> int | None:
        try:
            return _figure(row[c])
        except _BadFigure as e:
            raise self.cell_error(i, c, str(e)) from None

    def figures(self, row: list, i: int, cols: tuple[int, ...]) -> int | None:
        total = None
        for c in cols:
            v = row[c]
            # Calamine hands every number over as a float: keep that path free of calls.
            if v.__class__ is float and v >= 0 and v.is_integer():
                x = int(v)
            else:
                try:
                    x = _figure(v)
                except _BadFigure as e:
                    raise self.cell_error(i, c, str(e)) from None
                if x is None:
                    continue
            total = x if total is None else total + x
        return total

    def ident(self, row: list, role: str) -> str | None:
        c = self.layout.ids.get(role)
        return None if c is None else _text(row[c])

    def add_england(self, inp: int | None, out: int | None) -> None:
        if self.england is None:
            self.england = (inp, out)
        else:
            self.england = (_add(self.england[0], inp), _add(self.england[1], out))

    def no_rows(self) -> _EmptyTable:
        return _EmptyTable(
            f"{self.where()}: header found at row {self.layout.bottom + 1} "
            "but no trust rows below it"
        )

    # -- wide and totals: one row per trust, figure columns grouped by day --------------------

    def by_row(self, wide: bool) -> list[TrustRow]:
        groups: dict[date | None, dict[str, list[int]]] = {}
        for day, role, c in self.layout.figures:
            groups.setdefault(day if wide else None, {}).setdefault(role, []).append(c)
        plan = [
            (day, tuple(g.get(_IN, ())), tuple(g.get(_OUT, ())), tuple(g.get(_TOTAL, ())))
            for day, g in groups.items()
            if day is not None or not wide
        ]
        plan = [p for p in plan if p[1] or p[2]]
        # A wide table's undated group is its trailing period total: only a cross-check.
        period = groups.get(None) if wide else None
        check_in = tuple(period.get(_IN, ())) if period else ()
        check_out = tuple(period.get(_OUT, ())) if period else ()
        self.note_summed(plan)

        rows = self.rows
        start = self.layout.bottom + 1
        name_col = self.layout.ids.get(_NAME)
        seen: dict[tuple[str, date | None], tuple[int, int | None, int | None]] = {}
        out: list[TrustRow] = []
        mismatches: list[str] = []
        for i in range(start, len(rows)):
            row = rows[i]
            code = self.trust_code(row)
            if code is None:
                if self.england is None and self.is_england(row):
                    inp = out_ = None
                    for _day, ic, oc, _tc in plan:
                        inp = _add(inp, self.figures(row, i, ic) if ic else None)
                        out_ = _add(out_, self.figures(row, i, oc) if oc else None)
                    self.england = (inp, out_)
                continue
            name = _text(row[name_col]) if name_col is not None else None
            region = self.ident(row, _REGION)
            cells = []
            for day, ic, oc, tc in plan:
                inp = self.figures(row, i, ic) if ic else None
                outp = self.figures(row, i, oc) if oc else None
                if tc:
                    tot = self.figures(row, i, tc)
                    if tot is not None and _add(inp, outp) not in (tot, None):
                        when = f" on {day.isoformat()}" if day else ""
                        mismatches.append(f"{code}{when} (row {i + 1}: {inp} + {outp} != {tot})")
                cells.append((day, inp, outp))
            if (
                name is None
                and name_col is not None
                and all(a is None and b is None for _d, a, b in cells)
            ):
                continue  # a footnote word that happens to look like a code
            if check_in or check_out:
                self.cross_check(row, i, code, cells, check_in, check_out, mismatches)
            for day, inp, outp in cells:
                if self.first_sighting(seen, code, day, i, inp, outp):
                    out.append(TrustRow(code, name, region, day, inp, outp))
        self.note_mismatches(mismatches)
        return out

    def cross_check(self, row, i, code, cells, check_in, check_out, mismatches) -> None:
        for cols, k, label in ((check_in, 1, "inpatient"), (check_out, 2, "outpatient")):
            if not cols:
                continue
            stated = self.figures(row, i, cols)
            summed = None
            for cell in cells:
                summed = _add(summed, cell[k])
            if stated is not None and summed is not None and stated != summed:
                mismatches.append(
                    f"{code} (row {i + 1}: {label} days sum to {summed}, total column says {stated})"
                )

    def note_summed(self, plan) -> None:
        if not plan:
            return
        # Every group has the same sub-columns, so the first one speaks for all.
        _day, ic, oc, _tc = plan[0]
        for cols, label in ((ic, "inpatient"), (oc, "outpatient")):
            if len(cols) > 1:
                letters = ", ".join(_col(c) for c in cols)
                self.warnings.append(
                    f"{self.where()}: {len(cols)} {label} columns per group ({letters}) "
                    "were added together"
                )

    def note_mismatches(self, mismatches: list[str]) -> None:
        if not mismatches:
            return
        shown = "; ".join(mismatches[:10])
        more = f"; and {len(mismatches) - 10} more" if len(mismatches) > 10 else ""
        self.warnings.append(f"{self.where()}: totals do not add up for {shown}{more}")

    # -- long: one row per trust per day (per measure) ------------------------------------------

    def day_of(self, row: list, i: int, cache: dict) -> tuple[bool, date | None]:
        """(usable, day); an unusable row has a blank or "total" date and is skipped."""
        c = self.layout.ids.get(_DATE)
        if c is None:
            return True, None
        v = row[c]
        d = cache.get(v)
        if d is not None:
            return True, d
        d = _as_date(v)
        if d is None:
            if v is None or v == "" or (v.__class__ is str and _norm(v).startswith("total")):
                return False, None
            raise self.cell_error(i, c, f"{_show(v)!r} is not a date")
        cache[v] = d
        return True, d

    def long_by_measure(self) -> list[TrustRow] | None:
        ids = self.layout.ids
        mcol, vcol = ids[_MEASURE], ids[_VALUE]
        rows = self.rows
        measures: dict[object, str | None] = {}
        dates: dict[object, date] = {}
        seen: dict[tuple[str, date | None, str], tuple[int, int | None]] = {}
        acc: dict[tuple[str, date | None], list] = {}
        england_seen: set[tuple[date | None, str]] = set()
        saw_measure = False
        skipped = 0
        for i in range(self.layout.bottom + 1, len(rows)):
            row = rows[i]
            mv = row[mcol]
            role = measures.get(mv, "?") if mv.__class__ is str else None
            if role == "?":
                role = measures[mv] = _label_role(mv)
            if role is not _IN and role is not _OUT:
                continue
            saw_measure = True
            code = self.trust_code(row)
            if code is None:
                if self.is_england(row):
                    ok, day = self.day_of(row, i, dates)
                    if ok and (day, mv.strip()) not in england_seen:
                        england_seen.add((day, mv.strip()))
                        val = self.figure(row, i, vcol)
                        if role is _IN:
                            self.add_england(val, None)
                        else:
                            self.add_england(None, val)
                continue
            ok, day = self.day_of(row, i, dates)
            if not ok:
                skipped += 1
                continue
            val = self.figure(row, i, vcol)
            key = (code, day, mv.strip())
            prev = seen.get(key)
            if prev is not None:
                if prev[1] == val:
                    continue
                raise self.conflict(code, day, prev[0], i)
            seen[key] = (i, val)
            entry = acc.get((code, day))
            if entry is None:
                entry = acc[(code, day)] = [
                    self.ident(row, _NAME),
                    self.ident(row, _REGION),
                    None,
                    None,
                ]
            k = 2 if role is _IN else 3
            entry[k] = _add(entry[k], val)
        if not saw_measure:
            return None
        self.note_skipped(skipped)
        return [TrustRow(code, e[0], e[1], day, e[2], e[3]) for (code, day), e in acc.items()]

    def long_by_day(self) -> list[TrustRow]:
        plan_in = tuple(c for _d, role, c in self.layout.figures if role is _IN)
        plan_out = tuple(c for _d, role, c in self.layout.figures if role is _OUT)
        self.note_summed([(None, plan_in, plan_out, ())])
        rows = self.rows
        dates: dict[object, date] = {}
        seen: dict[tuple[str, date | None], tuple[int, int | None, int | None]] = {}
        england_days: set[date | None] = set()
        out: list[TrustRow] = []
        skipped = 0
        for i in range(self.layout.bottom + 1, len(rows)):
            row = rows[i]
            code = self.trust_code(row)
            if code is None:
                if self.is_england(row):
                    ok, day = self.day_of(row, i, dates)
                    if ok and day not in england_days:
                        england_days.add(day)
                        self.add_england(
                            self.figures(row, i, plan_in) if plan_in else None,
                            self.figures(row, i, plan_out) if plan_out else None,
                        )
                continue
            ok, day = self.day_of(row, i, dates)
            if not ok:
                skipped += 1
                continue
            inp = self.figures(row, i, plan_in) if plan_in else None
            outp = self.figures(row, i, plan_out) if plan_out else None
            if not self.first_sighting(seen, code, day, i, inp, outp):
                continue
            out.append(
                TrustRow(code, self.ident(row, _NAME), self.ident(row, _REGION), day, inp, outp)
            )
        self.note_skipped(skipped)
        return out

    def note_skipped(self, skipped: int) -> None:
        if skipped:
            self.warnings.append(
                f"{self.where()}: {skipped} trust rows without a date (or dated 'total') skipped"
            )


def _roles(rows: list[list]) -> list[list[str | None]]:
    return [[_label_role(v) if v.__class__ is str and v else None for v in row] for row in rows]


def _layout(
    rows: list[list], roles: list[list[str | None]], top: int | None, bottom: int
) -> tuple[_Layout, bool]:
    """Column roles of a header; the flag says whether the upper row contributed anything."""
    brow, broles = rows[bottom], roles[bottom]
    trow = rows[top] if top is not None else []
    troles = roles[top] if top is not None else []
    ids: dict[str, list[int]] = {}
    figures: list[tuple[date | None, str, int]] = []
    contributed = False
    day: date | None = None
    tmeasure: str | None = None
    for c in range(max(len(brow), len(trow))):
        bv = brow[c] if c < len(brow) else ""
        brole = broles[c] if c < len(broles) else None
        tv = trow[c] if c < len(trow) else ""
        trole = troles[c] if c < len(troles) else None
        if tv != "" and tv is not None:
            # Merged cells leave their value in the first column only: carry it right.
            day = _as_date(tv)
            tmeasure = trole if trole in _FIGURE_ROLES else None
        if brole in _ID_ROLES:
            ids.setdefault(brole, []).append(c)
            day = tmeasure = None  # a date or group label never spans the identity columns
        elif brole in _FIGURE_ROLES:
            figures.append((day, brole, c))
            contributed = contributed or day is not None
        elif (bv == "" or bv is None) and trole in _ID_ROLES:
            ids.setdefault(trole, []).append(c)
            contributed = True
            day = tmeasure = None
        elif tmeasure is not None and bv != "":
            d = _as_date(bv)
            if d is not None:
                figures.append((d, tmeasure, c))
                contributed = True
    chosen: dict[str, int] = {}
    for role, cols in ids.items():
        if len(cols) > 1 and role in (_CODE, _NAME):
            labels = _CODE_LABELS if role == _CODE else _NAME_LABELS
            exact = [c for c in cols if _norm(_header_text(rows, top, bottom, c)) in labels]
            cols = exact or cols
        chosen[role] = cols[0]
    return _Layout(top, bottom, chosen, figures), contributed


def _header_text(rows: list[list], top: int | None, bottom: int, c: int) -> str:
    for r in (bottom, top):
        if r is not None and c < len(rows[r]) and rows[r][c].__class__ is str and rows[r][c]:
            return rows[r][c]
    return ""


def _usable(layout: _Layout) -> bool:
    if _CODE not in layout.ids:
        return False
    if any(role is not _TOTAL for _d, role, _c in layout.figures):
        return True
    return _MEASURE in layout.ids and _VALUE in layout.ids


def _find_layout(rows: list[list]) -> _Layout | None:
    roles = _roles(rows)
    for r in range(min(len(rows), HEADER_SCAN_ROWS)):
        lab = roles[r]
        if not (_IN in lab or _OUT in lab or (_MEASURE in lab and _VALUE in lab)):
            continue
        if r + 1 < len(rows):
            # Measure groups over a row of dates.
            below, _ = _layout(rows, roles, r, r + 1)
            if _CODE in below.ids and any(d is not None for d, _r, _c in below.figures):
                code_cell = rows[r + 1][below.ids[_CODE]]
                if not (code_cell.__class__ is str and _TRUST_CODE.fullmatch(code_cell.strip())):
                    return below
        if r > 0:
            pair, contributed = _layout(rows, roles, r - 1, r)
            if contributed and _usable(pair):
                return pair
        single, _ = _layout(rows, roles, None, r)
        if _usable(single):
            return single
    return None


def _title(rows: list[list], above: int) -> str:
    parts = []
    for row in rows[:above]:
        for v in row:
            if v.__class__ is str:
                s = v.strip()
                if s:
                    parts.append(s)
    return " | ".join(parts)


def _columns(layout: _Layout, shape: str) -> dict[str, str]:
    out = {role: _col(c) for role, c in sorted(layout.ids.items(), key=lambda kv: kv[1])}
    grouped: dict[str, list[str]] = {}
    for day, role, c in layout.figures:
        if shape == "wide":
            key = f"{role} {day.isoformat()}" if day is not None else f"{role} (period total)"
        else:
            key = role
        grouped.setdefault(key, []).append(_col(c))
    out.update({k: ",".join(v) for k, v in grouped.items()})
    return out


def _parse_sheet(
    filename: str, sheet: str, rows: list[list], layout: _Layout
) -> ParsedWorkbook | None:
    reader = _Reader(filename, sheet, rows, layout)
    if any(d is not None for d, role, _c in layout.figures if role is not _TOTAL):
        shape = "wide"
        trust_rows = reader.by_row(wide=True)
    elif _MEASURE in layout.ids and _VALUE in layout.ids:
        shape = "long"
        found = reader.long_by_measure()
        if found is None:
            return None  # the measures named are not inpatient or outpatient activity
        trust_rows = found
    elif _DATE in layout.ids:
        shape = "long"
        trust_rows = reader.long_by_day()
    else:
        shape = "totals"
        trust_rows = reader.by_row(wide=False)
    if not trust_rows:
        raise reader.no_rows()
    days = sorted({r.day for r in trust_rows if r.day is not None})
    if shape == "wide":
        days = sorted({d for d, role, _c in layout.figures if d is not None and role is not _TOTAL})
    parsed = ParsedWorkbook(
        filename=filename,
        sheet=sheet,
        header_row=layout.bottom + 1,
        shape=shape,
        columns=_columns(layout, shape),
        title=_title(rows, layout.first),
        days=days if shape != "totals" else [],
        rows=trust_rows,
        england=reader.england,
        warnings=reader.warnings,
    )
    if parsed.england is not None:
        stated = parsed.england
        summed = parsed.sums()
        if any(s is not None and s != t for s, t in zip(stated, summed, strict=True)):
            parsed.warnings.append(
                f"{reader.where()}: England row {stated} differs from the sum of trust rows {summed}"
            )
    return parsed


def _unreadable(filename: str, reason: object) -> WorkbookError:
    text = str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__
    if len(text) > 120:
        text = text[:117] + "..."
    return WorkbookError(f"{filename}: not a readable spreadsheet ({text})")


def _csv_rows(data: bytes, filename: str) -> list[list]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _unreadable(filename, "not text in a known encoding")
    if text.lstrip()[:1] == "<":
        raise _unreadable(filename, "an HTML or XML page, not a spreadsheet")
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as e:
        raise _unreadable(filename, f"bad CSV: {e}") from None
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) if len(r) < width else r for r in rows]


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    return bool(head) and b"\x00" not in head


def _check_zip(data: bytes, filename: str, max_uncompressed: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            inflated = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        raise _unreadable(filename, f"damaged zip archive: {e}") from None
    if inflated > max_uncompressed:
        raise WorkbookError(
            f"{filename}: refused, it would inflate to {_mb(inflated)} MB, "
            f"over the {_mb(max_uncompressed)} MB cap"
        )


def _read_csv(data: bytes, filename: str) -> ParsedWorkbook:
    rows = _csv_rows(data, filename)
    sheet = PurePath(filename).stem or filename
    layout = _find_layout(rows[: HEADER_SCAN_ROWS + 1])
    if layout is not None:
        parsed = _parse_sheet(filename, sheet, rows, layout)
        if parsed is not None:
            return parsed
    raise NotStrikeData(
        f"{filename}: no sheet has an org code column with inpatient or outpatient figures"
    )


def _read_calamine(data: bytes, filename: str) -> ParsedWorkbook:
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        meta = wb.sheets_metadata
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # calamine's Rust panics are BaseException, not Exception
        raise _unreadable(filename, e) from None
    # Hidden sheets (lookups, validation lists) are tried only after every visible one.
    sheets = [m for m in meta if m.typ == SheetTypeEnum.WorkSheet]
    names = [m.name for m in sheets if m.visible == SheetVisibleEnum.Visible]
    names += [m.name for m in sheets if m.visible != SheetVisibleEnum.Visible]
    empty_table: WorkbookError | None = None
    for name in names:
        try:
            sheet = wb.get_sheet_by_name(name)
            head = sheet.to_python(skip_empty_area=False, nrows=HEADER_SCAN_ROWS + 1)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:
            raise _unreadable(filename, f"sheet '{name}': {e}") from None
        layout = _find_layout(head)
        if layout is None:
            continue
        if len(head) > HEADER_SCAN_ROWS:
            try:
                rows = sheet.to_python(skip_empty_area=False)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as e:
                raise _unreadable(filename, f"sheet '{name}': {e}") from None
        else:
            rows = head
        try:
            parsed = _parse_sheet(filename, name, rows, layout)
        except _EmptyTable as e:
            # A blank template sheet may precede the real table.
            empty_table = empty_table or WorkbookError(str(e))
            continue
        if parsed is not None:
            return parsed
    if empty_table is not None:
        raise empty_table
    raise NotStrikeData(
        f"{filename}: no sheet has an org code column with inpatient or outpatient figures "
        f"(sheets: {', '.join(repr(n) for n in names) or 'none'})"
    )


def read_workbook(data: bytes, filename: str, *, max_uncompressed: int) -> ParsedWorkbook:
    """Parse one downloaded spreadsheet; raises WorkbookError (or NotStrikeData) with a clear message."""
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        _check_zip(data, filename, max_uncompressed)
        return _read_calamine(data, filename)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return _read_calamine(data, filename)
    if filename.lower().endswith((".csv", ".txt")) or _looks_like_text(data):
        if not data:
            raise _unreadable(filename, "empty file")
        if not _looks_like_text(data):
            raise _unreadable(filename, "binary content in a .csv file")
        try:
            return _read_csv(data, filename)
        except _EmptyTable as e:
            raise WorkbookError(str(e)) from None
    if not data:
        raise _unreadable(filename, "empty file")
    raise _unreadable(filename, "neither an Excel workbook nor CSV text")
