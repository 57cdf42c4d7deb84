"""What one cell says: a figure, a date, a text, an org code; "not reported" is None, never 0."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from bot.domain.dates import date_in_cell

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
ENGLAND = frozenset(
    ("england", "englandtotal", "total", "grandtotal", "englandtotals", "allengland")
)
# Words that fit the org-code pattern but label footnotes or totals (REF is a real trust code, kept).
NOT_CODES = frozenset(("NOTES", "TRUST", "TOTAL", "NHS", "THE", "TBC", "TBA"))
TRUST_CODE = re.compile(r"[RNT][A-Z0-9]{2}(?:[A-Z0-9]{2})?")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


class BadFigure(Exception):
    """A figure cell holds something that is not a whole, non-negative number."""


def norm(text: str) -> str:
    """Lower case with punctuation and spacing removed, for matching labels."""
    return _NON_ALNUM.sub("", text.lower())


def col(index: int) -> str:
    """The column letters of a 0-based column index, as in a cell reference."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def show(v: object) -> str:
    """A cell value as it would read in the sheet (calamine hands whole numbers over as floats)."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def as_date(v: object) -> date | None:
    """An Excel date or a date written as text; None for anything else."""
    t = v.__class__
    if t is date:
        return v  # type: ignore[return-value]
    if t is datetime:
        return v.date()  # type: ignore[union-attr]
    if t is str and 6 <= len(v) <= 40:  # type: ignore[arg-type]
        return date_in_cell(v)  # type: ignore[arg-type]
    return None


def figure_value(v: object) -> int | None:
    """A figure cell as an int, None when not reported; raises BadFigure."""
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
            raise BadFigure(f"{s!r} is not a number") from None
        if num != num or num in (float("inf"), float("-inf")):
            raise BadFigure(f"{s!r} is not a number")
        if num < 0:
            raise BadFigure(f"negative figure {s}")
        if not num.is_integer():
            raise BadFigure(f"{s} is not a whole number")
        return int(num)
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise BadFigure(f"{show(v)!r} is not a number")
    if v != v or v in (float("inf"), float("-inf")):
        raise BadFigure(f"{v!r} is not a number")
    if v < 0:
        raise BadFigure(f"negative figure {show(v)}")
    raise BadFigure(f"{v} is not a whole number")


def text_value(v: object) -> str | None:
    """A name or region cell, stripped; None when blank."""
    if v is None:
        return None
    s = (v if v.__class__ is str else show(v)).strip()  # type: ignore[union-attr]
    return s or None


def is_aggregate_name(v: object) -> bool:
    """A name cell that labels a region subtotal or the England total rather than a trust."""
    if v.__class__ is not str or not v:
        return False
    s = v.lower()  # type: ignore[union-attr]
    if "region" in s or "total" in s and s.lstrip().startswith("total"):
        return True
    return "england" in s and norm(s) in ENGLAND


# Cached: a workbook repeats each trust's cells on every day, in each measure and in both parts,
# and the trusts are the same in every workbook.
@lru_cache(maxsize=8192)
def org_code(code: object, name: object) -> str | None:
    """A row's trust code: the code cell's, tidied, when it is one and the name cell (None when
    the table has no name column) does not label a region subtotal or England's total."""
    if code.__class__ is not str:
        return None
    text = code.strip().upper()  # type: ignore[union-attr]
    if not TRUST_CODE.fullmatch(text) or text in NOT_CODES or is_aggregate_name(name):
        return None
    return text
