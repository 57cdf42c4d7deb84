"""Dates as NHS England writes them: date cells, date ranges in link texts and titles, file names."""

from datetime import date

import pytest

from bot.domain.dates import date_in_cell, date_in_filename, dates_in_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Industrial action 19 to 23 September 2023", (date(2023, 9, 19), date(2023, 9, 23))),
        ("Data 27 June - 2 July 2024 (revised)", (date(2024, 6, 27), date(2024, 7, 2))),
        ("29 December 2023 to 3 January 2024", (date(2023, 12, 29), date(2024, 1, 3))),
        ("15 and 20 December 2022", (date(2022, 12, 15), date(2022, 12, 20))),
        ("13th–15th March 2023", (date(2023, 3, 13), date(2023, 3, 15))),
        ("19-23 Sep 23", (date(2023, 9, 19), date(2023, 9, 23))),
        ("strike on 13 March 2023", (date(2023, 3, 13), date(2023, 3, 13))),
        ("31 September 2023", None),
        ("workforce-and-reschedule-sitrep-20230619.xlsx", None),
        ("", None),
    ],
)
def test_dates_in_text(text, expected):
    assert dates_in_text(text) == expected


def test_date_in_filename():
    url = "https://x/wp-content/uploads/2022/11/workforce-and-reschedule-sitrep-20230619.xlsx"
    assert date_in_filename(url) == date(2023, 6, 19)
    assert date_in_filename("https://x/2022/11/sitrep-revised.xlsx") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20-Sep-23", date(2023, 9, 20)),
        ("2023-09-20", date(2023, 9, 20)),
        ("2023-09-20 00:00:00", date(2023, 9, 20)),
        ("20/09/2023", date(2023, 9, 20)),
        ("20.09.23", date(2023, 9, 20)),
        ("Wed 20 September 2023", date(2023, 9, 20)),
        ("Wednesday, 20th Sept 2023", date(2023, 9, 20)),
        (" 20 Sep 2023 ", date(2023, 9, 20)),
        ("31-Sep-23", None),
        ("20 Smarch 2023", None),
        ("Total", None),
        ("Inpatient 20 Sep 2023", None),
    ],
)
def test_date_in_cell(text, expected):
    assert date_in_cell(text) == expected
