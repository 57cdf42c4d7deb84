"""Turnout rules: England per day, the cross-check, peaks, "not reported" never 0, the snapshot's view."""

from __future__ import annotations

from datetime import date

from bot.domain.figures import Figures
from bot.domain.records import Release, ReleaseStatus, StaffAbsentRow, StrikePeriod, Trust, Turnout
from bot.domain.records import Workforce as Part
from bot.domain.reports import build_snapshot, turnout_json
from bot.domain.turnout import (
    by_trust,
    cross_check,
    england,
    outside_strike,
    period_turnout,
)

D1, D2, D3 = date(2023, 9, 19), date(2023, 9, 20), date(2023, 9, 21)


def rows(*items: tuple[str, date, int | None]) -> list[StaffAbsentRow]:
    return [StaffAbsentRow(1, code, day, n) for code, day, n in items]


def test_england_is_its_row_where_stated_else_the_sum_of_the_trusts_that_reported():
    staff = rows(("RTX", D1, 10), ("RXX", D1, None), ("RYY", D1, 5), ("RTX", D2, None))
    got = england(((D1, None), (D2, None), (D3, 40)), staff)
    # D1: 10 + 5 (the trust not reporting adds nothing); D2: nobody reported; D3: the row.
    assert got.days == ((D1, 15), (D2, None), (D3, 40))
    assert (got.peak, got.peak_day) == (40, D3)


def test_a_day_nobody_reported_is_none_not_zero_but_nil_returns_are_zero():
    assert england(((D1, None),), rows(("RTX", D1, None))).days == ((D1, None),)
    assert england(((D1, None),), rows(("RTX", D1, 0))).days == ((D1, 0),)


def test_the_cross_check_names_the_days_that_differ():
    staff = rows(("RTX", D1, 10), ("RYY", D1, 5), ("RTX", D2, 7))
    assert cross_check(((D1, 15), (D2, None)), staff) == "ok"  # no row on D2: nothing to check
    assert cross_check(((D1, 16), (D2, 7)), staff) == (
        "staff absent: 2023-09-19: trust rows sum to 15, the England row says 16"
    )
    assert cross_check(((D3, 3),), staff) == (
        "staff absent: 2023-09-21: trust rows sum to 0, the England row says 3"
    )


def test_peaks_take_the_first_day_of_the_highest_figure():
    t = Turnout(((D1, 4), (D2, 9), (D3, 9)))
    assert (t.peak, t.peak_day, t.reported) == (9, D2, True)
    silent = Turnout(((D1, None), (D2, None)))
    assert (silent.peak, silent.peak_day, silent.reported) == (None, None, False)
    nil = Turnout(((D1, 0), (D2, 0)))
    assert (nil.peak, nil.peak_day, nil.reported) == (0, D1, True)


def test_each_trust_gets_every_day_of_the_part():
    got = by_trust([D1, D2], rows(("RTX", D2, 3), ("RYY", D1, 0)))
    assert got["RTX"].days == ((D1, None), (D2, 3))
    assert got["RYY"].days == ((D1, 0), (D2, None))


def test_days_outside_the_strike():
    assert outside_strike([D1, D3, date(2023, 9, 25)], D1, D3) == [date(2023, 9, 25)]
    assert outside_strike([D1], D2, D3) == [D1]
    assert outside_strike([D2], D1, D3) == []


def test_json_is_null_when_nothing_was_reported():
    assert turnout_json(None) is None
    assert turnout_json(Turnout(((D1, None),))) is None
    assert turnout_json(Turnout(((D1, 0), (D2, None)))) == {
        "days": {"2023-09-19": 0, "2023-09-20": None},
        "peak": 0,
        "peak_day": "2023-09-19",
    }


# -- the snapshot ---------------------------------------------------------------------------------

SEPT = StrikePeriod(1, D1, date(2023, 9, 23), "junior doctors")
OCT = StrikePeriod(2, date(2023, 10, 2), date(2023, 10, 5), "junior doctors")
TRUSTS = [
    Trust("RTX", "Morecambe Bay", "North West"),
    Trust("RYY", "Kent", "South East"),
    Trust("RZZ", "Zed", "South East"),
]


def release(id_: int, period: StrikePeriod, published: date) -> Release:
    return Release(
        id_,
        f"https://x/{id_}.xlsx",
        "",
        "",
        published,
        "a" * 64,
        ReleaseStatus.INGESTED,
        None,
        period.id,
    )


def snapshot():
    first, revised = release(1, SEPT, date(2023, 9, 27)), release(2, SEPT, date(2023, 10, 1))
    october = release(3, OCT, date(2023, 10, 11))
    part = Part(
        True, "read", "Staff absent", "wide", "Junior doctors", "ok", ((D1, None), (D2, 100))
    )
    old = period_turnout(part, rows(("RTX", D1, 999), ("RTX", D2, 999)))
    new = period_turnout(
        part,
        [
            StaffAbsentRow(2, "RTX", D1, 7),
            StaffAbsentRow(2, "RTX", D2, 30),
            StaffAbsentRow(2, "RYY", D1, None),
            StaffAbsentRow(2, "RYY", D2, None),
            StaffAbsentRow(2, "RZZ", D1, 40),
            StaffAbsentRow(2, "RZZ", D2, 30),
        ],
    )
    totals = {
        r: {"RTX": Figures(1, 2), "RYY": Figures(3, 4), "RZZ": Figures(5, 6)} for r in (1, 2, 3)
    }
    return build_snapshot(
        ("stamp",), [SEPT, OCT], [first, revised, october], totals, TRUSTS, {1: old, 2: new}
    )


def test_the_snapshot_holds_the_current_releases_turnout_per_period():
    snap = snapshot()
    assert set(snap.turnout) == {SEPT.id}  # October's release has no workforce part
    rtx = snap.staff_absent(SEPT.id, "RTX")
    assert rtx.days == ((D1, 7), (D2, 30))  # the revised release's, not the first one's 999
    assert snap.staff_absent(SEPT.id, "RYY") is None  # listed, nothing reported: no return
    assert snap.staff_absent(OCT.id, "RTX") is None
    # England: the row on D2 (100), the sum of the trusts that reported on D1 (7 + 40).
    assert snap.england_staff_absent(SEPT.id).days == ((D1, 47), (D2, 100))
    assert snap.england_staff_absent(OCT.id) is None
    assert snap.turnout[SEPT.id].staff_group == "Junior doctors"


def test_reports_and_their_json_carry_staff_absent():
    snap = snapshot()
    report = snap.trust_report(TRUSTS[0]).as_json()
    sept, october = report["periods"]
    assert sept["staff_absent"] == {
        "days": {"2023-09-19": 7, "2023-09-20": 30},
        "peak": 30,
        "peak_day": "2023-09-20",
    }
    assert october["staff_absent"] is None
    assert snap.trust_report(TRUSTS[1]).as_json()["periods"][0]["staff_absent"] is None
    national = snap.national_report().as_json()["periods"]
    assert national[0]["staff_absent"] == {
        "days": {"2023-09-19": 47, "2023-09-20": 100},
        "peak": 100,
        "peak_day": "2023-09-20",
    }
    assert national[1]["staff_absent"] is None
    assert national[0]["workforce"] == {"staff_group": "Junior doctors", "validation": "ok"}
    assert national[1]["workforce"] is None
    # with_days keeps staff absent
    assert snap.trust_report(TRUSTS[0]).with_days([]).periods[0].staff_absent.peak == 30


def test_the_turnout_league_leaves_out_and_counts_trusts_that_did_not_report():
    snap = snapshot()
    league = snap.turnout_league(SEPT.id)
    assert [(r.rank, r.trust.org_code, r.turnout.peak) for r in league.rows] == [
        (1, "RZZ", 40),
        (2, "RTX", 30),
    ]
    assert league.not_reported == 1  # RYY
    south_east = snap.turnout_league(SEPT.id, region="south east")
    assert [r.trust.org_code for r in south_east.rows] == ["RZZ"]
    assert south_east.not_reported == 1
    october = snap.turnout_league(OCT.id)  # no workforce part: every trust counted as not reported
    assert october.rows == [] and october.not_reported == 3
