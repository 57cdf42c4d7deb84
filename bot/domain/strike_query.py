"""Which strike a member means by what they typed: an id, dates, a month, 'latest', staff groups."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher

from bot.domain.dates import MONTHS, full_year
from bot.domain.formatting import period_label
from bot.domain.records import StrikePeriod

MAX_TEXT = 100  # a strike is named in far fewer characters: the rest is noise, and costs time
CANDIDATES = 5
NEAREST = 3
SIMILAR = 0.6  # below this a text shares too little with a strike's name to offer that strike
LATEST = frozenset({"latest", "last", "newest", "recent"})

Span = tuple[date, date]
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"} | {",": " "})
_M = r"\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_D = r"\b(\d{1,2})(?:st|nd|rd|th)?"
_Y = r"(\d{4}|\d{2})(?!\d)"


@dataclass(frozen=True, slots=True)
class StrikeMatch:
    """One strike (period), or, when the text fits several, candidates, or when none, nearest."""

    period: StrikePeriod | None
    candidates: tuple[StrikePeriod, ...] = ()  # newest first, at most CANDIDATES
    nearest: tuple[StrikePeriod, ...] = ()  # closest first, at most NEAREST


NO_MATCH = StrikeMatch(None)


def _month(year: int, month: int) -> Span:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _day(year: int, month: int, day: int) -> Span:
    return date(year, month, day), date(year, month, day)


def _range(g: tuple[str, ...], year: int) -> Span:
    d1, m1, y1, d2, m2, y2 = g
    end = date(full_year(y2) if y2 else year, MONTHS[m2], int(d2))
    month = MONTHS[m1] if m1 else end.month
    # "29 Dec-3 Jan 2024": a start later in the year than the end belongs to the year before.
    start_year = full_year(y1) if y1 else end.year - (month > end.month)
    start = date(start_year, month, int(d1))
    if start > end:
        raise ValueError("a range that ends before it starts")
    return start, end


_RANGE = re.compile(rf"{_D}(?:\s+{_M}(?:\s+{_Y})?)?\s*(?:-|to|until)\s*{_D}\s+{_M}(?:\s+{_Y})?")
_DAY = re.compile(rf"{_D}\s+{_M}(?:\s+{_Y})?")
_ISO_DAY = re.compile(r"\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})\b")
_UK_DAY = re.compile(rf"\b(\d{{1,2}})([/.-])(\d{{1,2}})\2{_Y}")
_ISO_MONTH = re.compile(r"\b(\d{4})-(\d{1,2})\b")
_UK_MONTH = re.compile(r"\b(\d{1,2})/(\d{4})\b")
_MONTH = re.compile(rf"{_M}(?:\s+(\d{{4}}))?(?!\d)")
_YEAR = re.compile(r"\b(\d{4})\b")
# Tried in order, the first found wins; `y` stands in when the text gives no year. Ranges and
# month words come before bare numbers, so "29 Dec 2023-3 Jan 2024" is not read as "2023-3".
_FORMS: list[tuple[re.Pattern[str], Callable[[tuple[str, ...], int], Span]]] = [
    (_RANGE, _range),
    (_DAY, lambda g, y: _day(full_year(g[2]) if g[2] else y, MONTHS[g[1]], int(g[0]))),
    (_ISO_DAY, lambda g, y: _day(int(g[0]), int(g[1]), int(g[2]))),
    (_UK_DAY, lambda g, y: _day(full_year(g[3]), int(g[2]), int(g[0]))),
    (_ISO_MONTH, lambda g, y: _month(int(g[0]), int(g[1]))),
    (_UK_MONTH, lambda g, y: _month(int(g[1]), int(g[0]))),
    (_MONTH, lambda g, y: _month(int(g[1]) if g[1] else y, MONTHS[g[0]])),
    (_YEAR, lambda g, y: (date(int(g[0]), 1, 1), date(int(g[0]), 12, 31))),
]


def _clean(text: str) -> str:
    return " ".join(text[:MAX_TEXT].lower().translate(_DASHES).split())


def _name(period: StrikePeriod) -> str:
    label = period_label(period.start, period.end)
    return _clean(f"{label} {period.staff_groups} {period.start} {period.end}")


def _newest(periods: Sequence[StrikePeriod]) -> list[StrikePeriod]:
    return sorted(periods, key=lambda p: (p.start, p.end, p.id), reverse=True)


def _has(name: str, term: str) -> bool:
    # At a word's start, so "oct" finds "2-4 oct 2023" but not "junior doctors".
    return re.search(rf"(?<![a-z0-9]){re.escape(term)}", name) is not None


def _in_groups(word: str, period: StrikePeriod) -> bool:
    # By word start, so "doctor" finds "junior doctors" but "on" does not find "consultants".
    return any(g.startswith(word) for g in re.findall(r"[a-z]+", period.staff_groups.lower()))


def _gap(period: StrikePeriod, spans: list[Span]) -> int:
    return min(max((lo - period.end).days, (period.start - hi).days, 0) for lo, hi in spans)


@dataclass(frozen=True, slots=True)
class _Query:
    matches: list[StrikePeriod]
    pool: list[StrikePeriod]  # the periods the staff group words left, before dates narrowed them
    spans: list[Span] | None  # the days typed (one span a year when no year is typed)
    latest: bool


def _query(periods: Sequence[StrikePeriod], q: str) -> _Query | None:
    """What the text names; None when it is empty or names a date that does not exist."""
    if not q or not periods:
        return None
    years = range(min(p.start.year for p in periods), max(p.end.year for p in periods) + 1)
    spans: list[Span] | None = None
    rest = q
    for pattern, read in _FORMS:
        if found := pattern.search(q):
            read_spans: set[Span] = set()
            for year in years:
                try:
                    read_spans.add(read(found.groups(), year))
                except ValueError:
                    continue  # 29 Feb in a common year; 31/02/2023 in every year
            if not read_spans:
                return None
            spans, rest = sorted(read_spans), f"{q[: found.start()]} {q[found.end() :]}"
            break
    words = re.findall(r"[a-z]{3,}", rest)
    latest = any(w in LATEST for w in words)
    # Only words some strike's staff groups start with narrow: "strike" or "the" are noise.
    groups = [w for w in words if w not in LATEST and any(_in_groups(w, p) for p in periods)]
    pool = [p for p in periods if all(_in_groups(w, p) for w in groups)]
    if spans is not None:
        matches = [p for p in pool if _gap(p, spans) == 0]
        # A label typed exactly beats the strikes that merely overlap it.
        matches = [p for p in matches if (p.start, p.end) in spans] or matches
    elif latest or groups:
        matches = pool
    else:
        matches = [p for p in pool if all(_has(_name(p), t) for t in q.split())]
    return _Query(matches, pool, spans, latest)


def _similarity(q: str, period: StrikePeriod) -> float:
    parts = (period_label(period.start, period.end), period.staff_groups)
    return max(SequenceMatcher(None, q, _clean(part)).ratio() for part in parts)


def find_strike(periods: Sequence[StrikePeriod], text: str) -> StrikeMatch:
    """The strike a text names among periods (any order): by id, dates, month, 'latest', groups.

    Never raises: text it cannot read gives NO_MATCH. A bare number is a period id (autocomplete's
    value), else a four-digit year. The nearest strikes, offered when none fits, are the closest
    in days to the dates typed, or when no date is typed, the most alike in name.
    """
    q = _clean(text)
    if re.fullmatch(r"\d{1,18}", q, re.ASCII):
        by_id = next((p for p in periods if p.id == int(q)), None)
        if by_id is not None or len(q) != 4:
            return StrikeMatch(by_id)
    query = _query(periods, q)
    if query is None:
        return NO_MATCH
    matches = _newest(query.matches)
    if len(matches) == 1 or (matches and query.latest):
        return StrikeMatch(matches[0])
    if matches:
        return StrikeMatch(None, candidates=tuple(matches[:CANDIDATES]))
    pool = _newest(query.pool or periods)
    if query.spans is not None:
        spans = query.spans
        nearest = sorted(pool, key=lambda p: _gap(p, spans))  # stable: newest first among ties
    else:
        scored = [(s, p) for p in pool if (s := _similarity(q, p)) >= SIMILAR]
        nearest = [p for _, p in sorted(scored, key=lambda sp: -sp[0])]
    return StrikeMatch(None, nearest=tuple(nearest[:NEAREST]))


def suggest_strikes(
    periods: Sequence[StrikePeriod], text: str, limit: int = 25
) -> list[StrikePeriod]:
    """Autocomplete: the strikes a partial text may name, newest first; all of them when empty.

    The strikes its dates, month, 'latest' or staff groups name come first, then those whose
    label, staff groups or ISO dates contain every word typed ("19 se", "2023-0").
    """
    q = _clean(text)
    ordered = _newest(periods)
    if not q:
        return ordered[: max(limit, 0)]
    query = _query(periods, q)
    first = _newest(query.matches) if query else []
    seen = {p.id for p in first}
    rest = [p for p in ordered if p.id not in seen and all(_has(_name(p), t) for t in q.split())]
    return (first + rest)[: max(limit, 0)]
