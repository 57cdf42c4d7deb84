"""The England row cross-check, computed once when a workbook is parsed."""

from __future__ import annotations

import pytest

from bot.nhs.workbook import EnglandCheck
from tests.replica import workbooks as gen
from tests.unit.nhs.helpers import build, parse


def test_no_england_row_agrees():
    check = EnglandCheck(None, (6, 7))
    assert check.agrees and check.validation == "ok"


@pytest.mark.parametrize("stated", [(6, 7), (None, 7), (6, None), (None, None)])
def test_each_stated_side_equal_or_missing_agrees(stated):
    check = EnglandCheck(stated, (6, 7))
    assert check.agrees and check.validation == "ok"


def test_disagreement_is_described_with_the_sums_and_the_row():
    check = EnglandCheck((99, None), (1234, 56789))
    assert not check.agrees
    assert check.validation == (
        "trust rows sum to 1,234 inpatient and 56,789 outpatient; the England row says 99 and -"
    )


def test_parsed_workbook_carries_the_check(small):
    parsed = parse(gen.wide_workbook(small, england="top"))
    check = parsed.england_check
    assert check.stated == parsed.england == gen.england_totals(small)
    assert check.summed == parsed.sums()
    assert check.agrees and check.validation == "ok"
    assert parse(gen.wide_workbook(small, england=None)).england_check.stated is None


def test_parsed_disagreement():
    rows = [
        ["Code", "Name", "Inpatient", "Outpatient"],
        ["", "ENGLAND", 99, "-"],
        ["RTX", "Trust X", 5, 6],
        ["RA2", "Trust Y", 1, None],
    ]
    check = parse(build(rows)).england_check
    assert (check.stated, check.summed) == ((99, None), (6, 6))
    assert check.validation == (
        "trust rows sum to 6 inpatient and 6 outpatient; the England row says 99 and -"
    )
