"""How figures, dates and workbook text read to people: "4,130", "19-23 Sep 2023", "not reported"."""

from __future__ import annotations

import re
from datetime import date

_MENTION = re.compile(r"@(everyone|here|[!&]?\d{15,21})")
_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]()])")


def escape(text: str) -> str:
    """Text from a workbook, made inert: no markdown, no mention can escape."""
    return _MENTION.sub("@\u200b\\1", _MARKDOWN.sub(r"\\\1", text)).replace("<", "<\u200b")


def number(value: int | None) -> str:
    return "not reported" if value is None else f"{value:,}"


def period_label(start: date, end: date) -> str:
    """'19-23 Sep 2023', '27 Jun-2 Jul 2024', '29 Dec 2023-3 Jan 2024', '13 Mar 2023'."""
    if start == end:
        return f"{start.day} {start:%b %Y}"
    if start.year != end.year:
        return f"{start.day} {start:%b %Y}-{end.day} {end:%b %Y}"
    if start.month != end.month:
        return f"{start.day} {start:%b}-{end.day} {end:%b %Y}"
    return f"{start.day}-{end.day} {end:%b %Y}"


def day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def date_label(day: date) -> str:
    return f"{day.day} {day:%b %Y}"
