"""Dates as NHS England writes them: month names, date cells, date ranges in titles, file-name dates."""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(\d{4}|\d{2}(?!\d))"
# "19 to 23 September 2023", "27 June - 2 July 2024", "29 December 2023 to 3 January 2024", "15 and 20 Dec 2022"
RANGE = re.compile(
    rf"\b{_DAY}(?:\s+{_MONTH}\.?(?:\s+{_YEAR})?)?\s*(?:-|–|—|to|until|and|&)\s*{_DAY}\s+{_MONTH}\.?,?\s+{_YEAR}\b",
    re.IGNORECASE,
)
SINGLE = re.compile(rf"\b{_DAY}\s+{_MONTH}\.?,?\s+{_YEAR}\b", re.IGNORECASE)
FILE_DATE = re.compile(r"(20\d{2})(0[1-9]|1[0-2])([0-2]\d|3[01])")
# One date filling a whole cell: "2023-09-20" (time allowed), "20/09/2023", "20-Sep-23",
# "Wed 20 September 2023". The month word is read by its first three letters.
CELL_DATE = re.compile(
    r"""\s*(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?
    (?:
        (?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?
      | (?P<nd>\d{1,2})[/.-](?P<nm>\d{1,2})[/.-](?P<ny>\d{4}|\d{2})
      | (?P<td>\d{1,2})(?:st|nd|rd|th)?[\s-]+(?P<tm>[a-z]{3,9})\.?,?[\s-]+(?P<ty>\d{4}|\d{2})
    )\s*""",
    re.X | re.I,
)


def full_year(text: str) -> int:
    """A year as written; two digits mean 20xx."""
    value = int(text)
    return value + 2000 if value < 100 else value


def date_in_cell(text: str) -> date | None:
    """The date a cell's whole text names, or None when it names no real date."""
    m = CELL_DATE.fullmatch(text)
    if m is None:
        return None
    g = m.groupdict()
    try:
        if g["iy"]:
            return date(int(g["iy"]), int(g["im"]), int(g["id"]))
        if g["nd"]:
            return date(full_year(g["ny"]), int(g["nm"]), int(g["nd"]))
        month = MONTHS.get(g["tm"][:3].lower())
        if month is None:
            return None
        return date(full_year(g["ty"]), month, int(g["td"]))
    except ValueError:
        return None


def dates_in_text(text: str) -> tuple[date, date] | None:
    """The first strike date range a text names ("19 to 23 September 2023"), or one named day."""
    match = RANGE.search(text)
    try:
        if match:
            d1, m1, y1, d2, m2, y2 = match.groups()
            end_year = full_year(y2)
            end = date(end_year, MONTHS[m2.lower()], int(d2))
            start_month = MONTHS[m1.lower()] if m1 else end.month
            start_year = (
                full_year(y1) if y1 else (end_year if start_month <= end.month else end_year - 1)
            )
            start = date(start_year, start_month, int(d1))
            if start <= end:
                return start, end
        match = SINGLE.search(text)
        if match:
            day = date(full_year(match[3]), MONTHS[match[2].lower()], int(match[1]))
            return day, day
    except ValueError:  # "31 September": not a date, so not a strike
        return None
    return None


def date_in_filename(url: str) -> date | None:
    """NHS England's file names carry the publication date as YYYYMMDD."""
    match = FILE_DATE.search(url.rsplit("/", 1)[-1])
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
