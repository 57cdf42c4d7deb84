from datetime import date

import pytest

from bot.domain.records import StrikePeriod
from bot.domain.strike_calendar import match_period
from bot.nhs.reference import calendar_seed, trust_seed


@pytest.fixture
def periods():
    return [StrikePeriod(i, p.start, p.end, p.staff_groups) for i, p in enumerate(calendar_seed())]


def _period(periods, start):
    return next(p for p in periods if p.start == start)


def test_text_names_the_strike_even_when_the_table_ends_a_day_early(periods):
    days = [
        date(2023, 9, 19) + (date(2023, 9, 20) - date(2023, 9, 19)) * i for i in range(4)
    ]  # 19-22 Sep
    match = match_period(
        periods, texts=["Industrial action 19 to 23 September 2023"], days=days, published=None
    )
    assert match.period == _period(periods, date(2023, 9, 19))
    assert "dates named" in match.how


def test_table_days_decide_without_text(periods):
    days = [date(2023, 3, 13), date(2023, 3, 14), date(2023, 3, 15)]
    match = match_period(periods, texts=["sitrep.xlsx"], days=days, published=None)
    assert match.period == _period(periods, date(2023, 3, 13))
    assert match.how == "the table's strike days"


def test_text_contradicting_the_table_is_ignored(periods):
    days = [date(2023, 9, 19), date(2023, 9, 20)]
    match = match_period(periods, texts=["Published 27 September 2023"], days=days, published=None)
    assert match.period == _period(periods, date(2023, 9, 19))


def test_publication_date_is_the_last_resort(periods):
    match = match_period(periods, texts=["sitrep"], days=[], published=date(2023, 6, 19))
    assert match.period == _period(periods, date(2023, 6, 14))
    assert match_period(periods, texts=[], days=[], published=date(2021, 1, 1)).period is None


def test_a_strike_missing_from_the_calendar_is_proposed(periods):
    match = match_period(
        periods, texts=["Industrial action 3 to 7 March 2027"], days=[], published=None
    )
    assert match.period is None
    assert match.new_dates == (date(2027, 3, 3), date(2027, 3, 7))


def test_seed_data_ships_with_the_project():
    calendar, trusts = calendar_seed(), trust_seed()
    assert len(calendar) >= 30 and len(trusts) == 137
    sep = next(p for p in calendar if p.start == date(2023, 9, 19))
    assert sep.end == date(2023, 9, 23) and sep.national_total == 129913
    assert next(t for t in trusts if t.org_code == "RTX").name.startswith(
        "University Hospitals of Morecambe Bay"
    )
