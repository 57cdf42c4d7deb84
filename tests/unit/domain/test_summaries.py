"""Folded answers: strikes that touched nothing fold, "no return" stays, what a reader asks next."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.figures import NOT_REPORTED, Figures
from bot.domain.records import PeriodFigures, Release, ReleaseStatus, StrikePeriod, Trust
from bot.domain.reports import build_snapshot
from bot.domain.summaries import fold, fold_league, rank_in_region

DOCTORS, NURSES = "junior doctors", "nurses"


def strike(i: int, total: int | None, group: str = DOCTORS) -> PeriodFigures:
    start = date(2023, 1, 1) + timedelta(days=30 * i)
    period = StrikePeriod(i, start, start + timedelta(days=3), group)
    release = Release(
        100 + i,
        f"https://nhs.example/{i}.xlsx",
        "",
        "",
        start,
        "x",
        ReleaseStatus.INGESTED,
        None,
        i,
    )
    figures = NOT_REPORTED if total is None else Figures(total // 2, total - total // 2)
    return PeriodFigures(period, release, figures)


def totals(folded) -> list[int | None]:
    return [line.figures.figures.total for line in folded.lines]


def test_strikes_with_none_rescheduled_fold_and_no_return_stays():
    periods = [strike(0, 100), strike(1, 0), strike(2, None), strike(3, 0), strike(4, 40)]
    folded = fold(periods)
    assert totals(folded) == [40, None, 100]  # newest first; "no return" is not zero
    assert (folded.none_rescheduled, folded.older, folded.older_total) == (2, 0, 0)


def test_at_most_twelve_lines_and_the_older_ones_are_counted():
    periods = [strike(i, 10 * (i + 1)) for i in range(15)]
    folded = fold(periods)
    assert len(folded.lines) == 12 and totals(folded)[0] == 150
    assert (folded.older, folded.older_total) == (3, 10 + 20 + 30)


def test_change_is_from_the_previous_strike_of_the_same_staff_group():
    periods = [
        strike(0, 100, DOCTORS),
        strike(1, 500, NURSES),
        strike(2, 0, DOCTORS),  # touched nothing: not the "previous" of the next one
        strike(3, 160, "Junior Doctors "),
        strike(4, 30, NURSES),
    ]
    lines = {line.figures.period.id: line for line in fold(periods).lines}
    assert lines[3].change == 60 and lines[3].previous.period.id == 0
    assert lines[4].change == -470
    assert lines[0].change is None and lines[1].change is None  # the first of their group


def test_share_of_england_per_strike():
    periods = [strike(0, 50), strike(1, None)]
    england = {0: Figures(600, 400), 1: Figures(10, 10)}
    lines = {line.figures.period.id: line for line in fold(periods, england).lines}
    assert lines[0].share == 0.05
    assert lines[1].share is None  # no return: no share


def _trust(code: str, region: str) -> Trust:
    return Trust(code, f"Trust {code}", region)


def test_rank_in_region_and_the_folded_league():
    periods = [StrikePeriod(1, date(2023, 9, 19), date(2023, 9, 23), DOCTORS)]
    release = Release(7, "u", "", "", date(2023, 9, 27), "x", ReleaseStatus.INGESTED, None, 1)
    trusts = [_trust("A", "North West"), _trust("B", "North West"), _trust("C", "London")]
    trusts.append(_trust("D", "North West"))
    figures = {
        7: {"A": Figures(10, 0), "B": Figures(30, 5), "C": Figures(99, 0), "D": Figures(0, 0)}
    }
    snap = build_snapshot((1,), periods, [release], figures, trusts)
    assert rank_in_region(snap, trusts[0]) == (2, 3)  # B, A, D in the North West
    assert rank_in_region(snap, Trust("Z", "Nowhere", None)) is None
    top, none = fold_league(snap.league(1), 10)
    assert [r.trust.org_code for r in top] == ["C", "B", "A"] and none == 1
