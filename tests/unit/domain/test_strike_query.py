from datetime import date

import pytest

from bot.domain.formatting import period_label
from bot.domain.records import StrikePeriod
from bot.domain.strike_query import (
    CANDIDATES,
    NEAREST,
    NO_MATCH,
    StrikeMatch,
    find_strike,
    suggest_strikes,
)

JD, CONS, JOINT = "junior doctors", "consultants", "consultants; junior doctors"
# The 2023-24 doctors' strikes, oldest first as the snapshot gives them. Consultants (19-20 Sep)
# and junior doctors (20-23 Sep) share 20 Sep 2023, so a day or a week there is ambiguous.
SPANS = [
    ((2023, 3, 13), (2023, 3, 17), JD),
    ((2023, 4, 14), (2023, 4, 18), JD),
    ((2023, 6, 14), (2023, 6, 17), JD),
    ((2023, 7, 13), (2023, 7, 18), JD),
    ((2023, 7, 20), (2023, 7, 22), CONS),
    ((2023, 8, 11), (2023, 8, 15), JD),
    ((2023, 8, 24), (2023, 8, 25), CONS),
    ((2023, 9, 19), (2023, 9, 20), CONS),
    ((2023, 9, 20), (2023, 9, 23), JD),
    ((2023, 10, 2), (2023, 10, 4), JOINT),
    ((2023, 12, 20), (2023, 12, 23), JD),
    ((2024, 1, 3), (2024, 1, 9), JD),
    ((2024, 2, 24), (2024, 2, 28), JD),
    ((2024, 6, 27), (2024, 7, 2), JD),
]
CAL = [StrikePeriod(i, date(*s), date(*e), g) for i, (s, e, g) in enumerate(SPANS, start=1)]


def ids(periods):
    return [p.id for p in periods]


def found(text, periods=CAL):
    match = find_strike(periods, text)
    return match.period.id if match.period else None


def candidates(text, periods=CAL):
    match = find_strike(periods, text)
    assert match.period is None and not match.nearest
    return ids(match.candidates)


def nearest(text, periods=CAL):
    match = find_strike(periods, text)
    assert match.period is None and not match.candidates
    return ids(match.nearest)


# --- every accepted form ------------------------------------------------------------------------


@pytest.mark.parametrize("period", CAL, ids=lambda p: period_label(p.start, p.end))
def test_every_label_names_its_strike(period):
    # 20-23 Sep overlaps 19-20 Sep too: the label typed exactly wins.
    assert find_strike(CAL, period_label(period.start, period.end)) == StrikeMatch(period)


def test_the_name_autocomplete_shows_names_its_strike():
    assert found("2-4 Oct 2023 (consultants; junior doctors)") == 10
    assert found("20-23 Sep 2023 (junior doctors)") == 9


@pytest.mark.parametrize(
    "text",
    [
        "13-18 Jul 2023",
        "13-18 July 2023",
        "13 Jul - 18 Jul 2023",
        "13 July to 18 July 2023",
        "13th-18th July 2023",
        "13\u201318 Jul 2023",
        "13 jul-18 jul 2023",
        "  13-18   JUL   2023 ",
        "13-18 Jul 23",
        "13-18 jul",
    ],
)
def test_date_ranges(text):
    assert found(text) == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19\u201320 Sep 2023", 8),
        ("19\u201420 Sep 2023", 8),
        ("July, 2024", 14),
        ("5 Jan, 2024", 12),
    ],
)
def test_dashes_and_commas_as_people_type_them(text, expected):
    # Misread, "19\u201320 Sep 2023" is only "20 Sep 2023" and "July, 2024" every July: ambiguous.
    assert found(text) == expected


def test_a_range_that_overlaps_one_strike_names_it():
    assert found("13-15 Mar 2023") == 1  # how the press labelled it


@pytest.mark.parametrize("text", ["27 Jun-2 Jul 2024", "27 June - 2 July 2024", "27 jun-2 jul"])
def test_a_range_across_months(text):
    assert found(text) == 14


@pytest.mark.parametrize(
    "text", ["29 Dec 2024-3 Jan 2025", "29 December 2024 to 3 January 2025", "29 dec-3 jan 2025"]
)
def test_a_range_across_years(text):
    new_year = StrikePeriod(99, date(2024, 12, 29), date(2025, 1, 3), JD)
    assert found(text, [*CAL, new_year]) == 99
    assert period_label(new_year.start, new_year.end) == "29 Dec 2024-3 Jan 2025"


@pytest.mark.parametrize("text", ["19-23 Sep 2023", "19-23 September 2023", "19 Sep - 23 Sep 2023"])
def test_the_joint_september_week(text):
    assert candidates(text) == [9, 8]  # two strikes overlap that week
    joint = StrikePeriod(50, date(2023, 9, 19), date(2023, 9, 23), JOINT)
    assert found(text, [*CAL[:7], joint, *CAL[9:]]) == 50


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-09-21", 9),
        ("2023-09-19", 8),
        ("2023/09/22", 9),
        ("19/09/2023", 8),
        ("21/09/2023", 9),
        ("21.09.2023", 9),
        ("21-09-2023", 9),
        ("21/9/23", 9),
        ("5 January 2024", 12),
        ("5 Jan 2024", 12),
        ("5th Jan 2024", 12),
        ("Fri 5 Jan 2024", 12),
        ("5 Jan, 2024", 12),
        ("5 jan 24", 12),
        ("19 September 2023", 8),
        ("22 Sep 2023", 9),
        ("16 mar", 1),
        ("1 jul", 14),
    ],
)
def test_a_day_inside_a_strike(text, expected):
    assert found(text) == expected


def test_a_day_two_strikes_share():
    assert candidates("20 Sep 2023") == [9, 8]
    assert candidates("2023-09-20") == [9, 8]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("June 2023", 3),
        ("Jun 2023", 3),
        ("2023-06", 3),
        ("06/2023", 3),
        ("March 2023", 1),
        ("Sept 2023 junior doctors", 9),
        ("july 2024", 14),  # the strike began in June: overlapping counts
        ("2024-07", 14),
        ("Jun 2024", 14),
        ("december 2023", 11),
        ("march", 1),
    ],
)
def test_a_month_with_one_strike(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("July 2023", [5, 4]),
        ("Aug 2023", [7, 6]),
        ("September 2023", [9, 8]),
        ("2023-09", [9, 8]),
        ("september", [9, 8]),
        ("2024", [14, 13, 12]),
    ],
)
def test_a_month_with_several_strikes_gives_candidates_newest_first(text, expected):
    assert candidates(text) == expected


def test_candidates_are_a_short_list():
    assert candidates("2023") == [11, 10, 9, 8, 7][:CANDIDATES]


@pytest.mark.parametrize(
    "text", ["latest", "Latest", "  LATEST ", "last", "newest", "the latest strike", "most recent"]
)
def test_latest(text):
    assert found(text) == 14


def test_latest_among_a_staff_group_or_a_year():
    assert found("latest consultants") == 10
    assert found("latest consultant strike") == 10
    assert found("last 2023") == 11


def test_an_id_names_its_period():
    assert found("4") == 4
    assert found(" 12 ") == 12
    # A stale id is not guessed at, though "15" is in "11-15 Aug 2023".
    assert find_strike(CAL, "15") == NO_MATCH
    assert find_strike(CAL, "999") == NO_MATCH


def test_an_id_wins_over_a_year():
    periods = [*CAL, StrikePeriod(2024, date(2025, 7, 25), date(2025, 7, 30), "resident doctors")]
    assert found("2024", periods) == 2024


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("junior doctors September 2023", 9),
        ("consultants September 2023", 8),
        ("consultants 20 Sep 2023", 8),
        ("junior doctor 20/09/2023", 9),
        ("2023-09-20 junior", 9),
        ("consultants July 2023", 5),
        ("strike on 21 Sep 2023", 9),  # words no staff group has are noise
    ],
)
def test_staff_group_words_narrow(text, expected):
    assert found(text) == expected


def test_only_the_start_of_a_staff_group_word_narrows():
    assert candidates("20 Sep 2023 ctors") == [9, 8]  # the end of "doctors" is noise


def test_staff_group_words_alone():
    assert candidates("consultants") == [10, 8, 7, 5]
    assert candidates("CONSULTANT") == [10, 8, 7, 5]


def test_input_order_does_not_matter():
    backwards = list(reversed(CAL))
    assert found("latest", backwards) == 14
    assert candidates("July 2023", backwards) == [5, 4]
    assert nearest("1 May 2023", backwards) == [2, 3, 1]


# --- nothing found -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 May 2023", [2, 3, 1]),  # 13, 44 and 45 days away
        ("November 2023", [11, 10, 12]),  # 20, 28 and 34 days away
        ("2022", [1, 2, 3]),
        ("1 Jan 2030", [14, 13, 12]),
        ("29 feb", [13, 12, 11]),  # only 2024 has one
        ("1-2 May 2023", [2, 3, 1]),
    ],
)
def test_nothing_found_gives_the_nearest_by_date(text, expected):
    assert nearest(text) == expected[:NEAREST]


def test_a_staff_group_with_no_strike_that_day_gives_its_nearest():
    assert nearest("consultants 14 Jun 2023") == [5, 7, 8]


def test_no_date_gives_the_most_alike_by_name():
    assert nearest("consultnts") == [8, 7, 5]
    assert nearest("consltants junor doctrs") == [10, 14, 13]  # the best first, then newest
    assert nearest("hello") == []


# --- silly input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "x" * 10_000,
        "9" * 10_000,
        "-" * 10_000,
        "latest" * 2_000,
        "\U0001f389",
        "\x00",
        "31/02/2023",
        "2023-13-01",
        "2023-02-30",
        "30 Feb 2023",
        "31 feb",
        "0000-01-01",
        "99/99/9999",
        "2023-00",
        "32-33 Sep 2023",
        "23-19 Sep 2023",
        "\uff14",  # a full-width 4 is not an id
    ],
)
def test_junk_is_no_match_and_never_raises(text):
    assert find_strike(CAL, text) == NO_MATCH
    assert isinstance(suggest_strikes(CAL, text), list)


def test_only_the_start_of_a_long_text_is_read():
    assert found("19 Sep 2023 " + "x" * 10_000) == 8
    assert find_strike(CAL, "x" * 100 + " 19 Sep 2023") == NO_MATCH


def test_no_periods():
    assert find_strike([], "latest") == NO_MATCH
    assert find_strike([], "19 Sep 2023") == NO_MATCH
    assert suggest_strikes([], "") == []
    assert suggest_strikes([], "sep") == []


# --- autocomplete --------------------------------------------------------------------------------


def test_suggest_nothing_typed_gives_all_newest_first():
    assert ids(suggest_strikes(CAL, "")) == list(range(14, 0, -1))
    assert ids(suggest_strikes(CAL, "", limit=3)) == [14, 13, 12]
    assert suggest_strikes(CAL, "", limit=0) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sep 2023", [9, 8]),
        ("2023-09", [9, 8]),
        ("September 2023", [9, 8]),
        ("19 sep", [8]),
        ("jul", [14, 5, 4]),
        ("dec 2023", [11]),
        ("oct", [10]),  # not "doctors"
        ("19 se", [8]),  # a month half typed: the label's text
        ("27 ju", [14]),
        ("2023-0", [9, 8, 7, 6, 5, 4, 3, 2, 1]),  # the ISO dates' text
        ("consultants sep", [8]),
    ],
)
def test_suggest(text, expected):
    assert ids(suggest_strikes(CAL, text)) == expected


def test_suggest_puts_what_the_dates_name_before_text_matches():
    # 2 Jul is inside the 2024 strike; "2" and "jul" also appear in July 2023's labels.
    assert ids(suggest_strikes(CAL, "2 jul")) == [14, 5, 4]
    # 20 Jul 2023 is a strike day; "20" also starts "2024" and "2023" in the others' labels.
    assert ids(suggest_strikes(CAL, "20 jul")) == [5, 14, 4]


def test_suggest_latest_and_staff_groups():
    assert ids(suggest_strikes(CAL, "latest"))[:2] == [14, 13]
    assert ids(suggest_strikes(CAL, "consultants")) == [10, 8, 7, 5]
    assert ids(suggest_strikes(CAL, "jun", limit=1)) == [14]
