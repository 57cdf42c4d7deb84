"""Milestone arithmetic: a threshold is passed when a running total goes from below it to at least it."""

from __future__ import annotations

import pytest

from bot.domain.milestones import crossed, next_threshold


def test_crossed_and_next():
    assert crossed(885_154, 1_015_067, step=100_000) == [900_000, 1_000_000]
    assert crossed(3_999, 4_130, step=1_000, extra=(4_000, 10_000)) == [4_000]
    assert crossed(4_130, 3_000, step=1_000) == []
    assert crossed(0, 5_000, step=0, extra=(4_000,)) == [4_000]
    assert next_threshold(1_015_067, step=100_000) == 1_100_000
    assert next_threshold(10, step=0) is None


@pytest.mark.parametrize(
    ("before", "after", "step", "extra", "passed"),
    [
        # A total landing exactly on a threshold has reached it.
        (999, 1_000, 1_000, (), [1_000]),
        (0, 1_000, 1_000, (), [1_000]),
        (99_999, 100_000, 100_000, (), [100_000]),
        (0, 2_000, 1_000, (), [1_000, 2_000]),
        (1_500, 3_000, 1_000, (), [2_000, 3_000]),
        # Extra thresholds likewise, with or without a step.
        (3_999, 4_000, 0, (4_000,), [4_000]),
        (3_999, 4_000, 1_000, (4_000, 4_500), [4_000]),
        (2_000, 4_500, 0, (2_000, 4_500, 9_000), [4_500]),
        # A total that starts on a threshold passed it earlier: not again.
        (1_000, 1_999, 1_000, (), []),
        (1_000, 2_000, 1_000, (), [2_000]),
        (4_000, 4_999, 0, (4_000,), []),
        # One below is not there yet.
        (0, 999, 1_000, (), []),
        (0, 99_999, 100_000, (), []),
        (0, 3_999, 0, (4_000,), []),
    ],
)
def test_a_threshold_is_passed_from_below_it_to_at_least_it(before, after, step, extra, passed):
    assert crossed(before, after, step=step, extra=extra) == passed


@pytest.mark.parametrize(
    ("total", "step", "extra", "expected"),
    [
        (999, 1_000, (), 1_000),
        (1_000, 1_000, (), 2_000),  # on a threshold: the next one is the one after it
        (100_000, 100_000, (), 200_000),
        (3_999, 1_000, (3_500, 4_000), 4_000),
        (3_400, 1_000, (3_500,), 3_500),
        (4_000, 0, (4_000, 10_000), 10_000),
        (10_000, 0, (4_000, 10_000), None),
    ],
)
def test_next_threshold(total, step, extra, expected):
    assert next_threshold(total, step=step, extra=extra) == expected
