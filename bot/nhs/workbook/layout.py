"""Finds a sheet's table: the role of each column label, the header row(s), the layout record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from bot.nhs.workbook.cells import TRUST_CODE, as_date, col, norm

# The header must sit near the top; one extra row lets a header on row 40 see the row below it.
HEADER_SCAN_ROWS = 40

CODE, NAME, REGION, DATE, MEASURE, VALUE = (
    "org_code",
    "name",
    "region",
    "date",
    "measure",
    "value",
)
IN, OUT, TOTAL = "inpatient", "outpatient", "total"
_ID_ROLES = frozenset((CODE, NAME, REGION, DATE, MEASURE, VALUE))
_FIGURE_ROLES = frozenset((IN, OUT, TOTAL))

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


@lru_cache(maxsize=4096)
def label_role(text: str) -> str | None:
    """The role a column label (or a long table's measure name) plays; None when it plays none."""
    n = norm(text)
    if not n or "%" in text or any(w in n for w in _EXCLUDED_WORDS):
        return None
    if "region" in n:
        return REGION
    if n in _CODE_LABELS or (
        n.endswith("code")
        and not n.endswith("postcode")
        and any(w in n for w in ("org", "provider", "trust", "ods"))
    ):
        return CODE
    if n in _NAME_LABELS or (
        n.endswith("name") and any(w in n for w in ("org", "provider", "trust"))
    ):
        return NAME
    if n in _DATE_LABELS or n.endswith("date") or n.startswith("date"):
        return DATE
    if n in _MEASURE_LABELS or n.startswith(("measure", "metric")):
        return MEASURE
    if n in _VALUE_LABELS:
        return VALUE
    # Outpatient first: "elective outpatient" is an outpatient measure; a label naming both
    # inpatients and outpatients is their combined total.
    has_in = "inpatient" in n
    if "outpatient" in n:
        return TOTAL if has_in else OUT
    if has_in or "elective" in n or "daycase" in n:
        return IN
    if n.startswith("total"):
        return TOTAL
    return None


@dataclass(slots=True)
class Layout:
    top: int | None  # 0-based upper header row of a two-row header
    bottom: int  # 0-based lower (or only) header row
    ids: dict[str, int]
    figures: list[tuple[date | None, str, int]]  # (day, role, column) in column order

    @property
    def first(self) -> int:
        return self.bottom if self.top is None else self.top


def _roles(rows: list[list]) -> list[list[str | None]]:
    return [[label_role(v) if v.__class__ is str and v else None for v in row] for row in rows]


def _layout(
    rows: list[list], roles: list[list[str | None]], top: int | None, bottom: int
) -> tuple[Layout, bool]:
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
            day = as_date(tv)
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
            d = as_date(bv)
            if d is not None:
                figures.append((d, tmeasure, c))
                contributed = True
    chosen: dict[str, int] = {}
    for role, cols in ids.items():
        if len(cols) > 1 and role in (CODE, NAME):
            labels = _CODE_LABELS if role == CODE else _NAME_LABELS
            exact = [c for c in cols if norm(_header_text(rows, top, bottom, c)) in labels]
            cols = exact or cols
        chosen[role] = cols[0]
    return Layout(top, bottom, chosen, figures), contributed


def _header_text(rows: list[list], top: int | None, bottom: int, c: int) -> str:
    for r in (bottom, top):
        if r is not None and c < len(rows[r]) and rows[r][c].__class__ is str and rows[r][c]:
            return rows[r][c]
    return ""


def _usable(layout: Layout) -> bool:
    if CODE not in layout.ids:
        return False
    if any(role is not TOTAL for _d, role, _c in layout.figures):
        return True
    return MEASURE in layout.ids and VALUE in layout.ids


def find_layout(rows: list[list]) -> Layout | None:
    """The first header in the rows given (the top of a sheet) that a strike table can sit under."""
    roles = _roles(rows)
    for r in range(min(len(rows), HEADER_SCAN_ROWS)):
        lab = roles[r]
        if not (IN in lab or OUT in lab or (MEASURE in lab and VALUE in lab)):
            continue
        if r + 1 < len(rows):
            # Measure groups over a row of dates.
            below, _ = _layout(rows, roles, r, r + 1)
            if CODE in below.ids and any(d is not None for d, _r, _c in below.figures):
                code_cell = rows[r + 1][below.ids[CODE]]
                if not (code_cell.__class__ is str and TRUST_CODE.fullmatch(code_cell.strip())):
                    return below
        if r > 0:
            pair, contributed = _layout(rows, roles, r - 1, r)
            if contributed and _usable(pair):
                return pair
        single, _ = _layout(rows, roles, None, r)
        if _usable(single):
            return single
    return None


def title(rows: list[list], above: int) -> str:
    """The text above the header (titles, notes), joined with " | "."""
    parts = []
    for row in rows[:above]:
        for v in row:
            if v.__class__ is str:
                s = v.strip()
                if s:
                    parts.append(s)
    return " | ".join(parts)


def columns(layout: Layout, shape: str) -> dict[str, str]:
    """Which column letters were read as what, for the parse report."""
    out = {role: col(c) for role, c in sorted(layout.ids.items(), key=lambda kv: kv[1])}
    grouped: dict[str, list[str]] = {}
    for day, role, c in layout.figures:
        if shape == "wide":
            key = f"{role} {day.isoformat()}" if day is not None else f"{role} (period total)"
        else:
            key = role
        grouped.setdefault(key, []).append(col(c))
    out.update({k: ",".join(v) for k, v in grouped.items()})
    return out
