"""Workbook parser: the workforce part (staff absent per trust and day) in every layout, and bad input."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from bot.domain.turnout import by_trust as turnouts
from bot.nhs.workbook.workforce import (
    find_staff_layout,
    is_staff_label,
    split_label,
    workforce_part,
)
from tests.replica import workbooks as gen
from tests.replica.workforce import OCTOBER_2023, PUBLISHED_PEAKS, SEPTEMBER_2023
from tests.unit.nhs.helpers import assert_matches, parse, sheet_rows

SEPT_DAYS = [date(2023, 9, 19) + timedelta(days=i) for i in range(4)]
LAYOUTS = ["wide", "wide-merged", "dates", "long", "long-measure", "beside"]
WRITERS = {"wide": gen.wide_workbook, "long": gen.long_workbook}


def staff_release(
    n: int = 30, seed: int = 5, *, peak=SEPTEMBER_2023, days=SEPT_DAYS, silent=("RTX",), **kw
) -> gen.Release:
    """A release whose workforce part England's published peak tops; RTX makes no return."""
    ref = gen.reference_trusts()
    codes = ["RTX"] + [c for c in sorted(ref) if c != "RTX"][: n - 1]
    release = gen.make_release({c: ref[c] for c in codes}, days, seed=seed, missing=0.05)
    return gen.add_workforce(release, seed, peak=peak, silent=silent, **kw)


def edited(data: bytes, change) -> bytes:
    """The workbook after change(openpyxl_workbook)."""
    wb = load_workbook(BytesIO(data))
    change(wb)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def by_trust(table) -> dict[str, dict[date, int | None]]:
    out: dict[str, dict[date, int | None]] = {}
    for r in table.rows:
        out.setdefault(r.org_code, {})[r.day] = r.absent
    return out


def assert_staff_matches(table, release, *, listed_silent: bool) -> None:
    """Per-trust days as written; RTX, with no return, is absent or all not reported, never 0."""
    read = by_trust(table)
    silent = read.pop("RTX", None)
    assert read == gen.expected_staff(release)
    if listed_silent:
        assert silent == dict.fromkeys(release.staff_days)
    else:
        assert silent is None
    assert table.days == release.staff_days


# -- the generator --------------------------------------------------------------------------------


@pytest.mark.parametrize("peak", PUBLISHED_PEAKS, ids=lambda p: p.day.isoformat())
def test_the_replica_puts_englands_published_peak_on_its_day(peak):
    n_days = (peak.end - peak.start).days + 1
    days = [peak.start + timedelta(days=i) for i in range(n_days)]
    release = staff_release(40, peak=peak, days=days)
    england = gen.england_staff(release)
    assert england[peak.day] == peak.absent
    assert all(v < peak.absent for d, v in england.items() if d != peak.day)
    staff = gen.expected_staff(release)
    assert "RTX" not in staff
    assert any(all(v == 0 for v in per_day.values()) for per_day in staff.values())  # nil returns


# -- every layout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("england", ["top", "bottom", None])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_layout_gives_trust_days_peaks_and_englands_published_peak(layout, england):
    release = staff_release()
    parsed = parse(
        gen.wide_workbook(
            release,
            workforce=layout,
            workforce_england=england,
            england=england or "top",
            workforce_no_return="omit",
            notes_rows=6,
            regions=True,
        )
    )
    assert_matches(parsed, release)  # the rescheduled part as before
    table = parsed.workforce
    assert table is not None, parsed.workforce_note
    assert parsed.workforce_note.startswith("workforce part read: ")
    assert table.sheet == ("Data" if layout == "beside" else "Staff absent")
    assert table.shape == ("long" if layout.startswith("long") else "wide")
    # Beside the rescheduled figures, every trust has a row: RTX's cells are "not reported".
    assert_staff_matches(table, release, listed_silent=layout == "beside")
    # England per day: its row where the sheet has one, else the sum of the trusts that reported.
    expected = gen.england_staff(release)
    assert dict(table.england.days) == expected
    assert table.england.peak == SEPTEMBER_2023.absent == 26_802
    assert table.england.peak_day == SEPTEMBER_2023.day
    has_row = england is not None or layout == "beside"
    assert (table.england_row is not None) == has_row
    if has_row:
        assert table.england_row == expected
    assert table.validation == "ok"
    assert table.warnings == []
    assert "Consultants and junior doctors" in table.staff_group


@pytest.mark.parametrize("layout", ["wide", "long", "long-measure", "dates"])
@pytest.mark.parametrize("no_return", ["blank", "-"])
def test_a_trust_with_no_return_written_blank_is_not_reported_never_zero(layout, no_return):
    release = staff_release()
    parsed = parse(gen.wide_workbook(release, workforce=layout, workforce_no_return=no_return))
    table = parsed.workforce
    assert table is not None, parsed.workforce_note
    assert_staff_matches(table, release, listed_silent=True)
    assert all(r.absent is None for r in table.rows if r.org_code == "RTX")
    zeros = [
        c for c, days in by_trust(table).items() if days and all(v == 0 for v in days.values())
    ]
    assert zeros and "RTX" not in zeros  # nil returns are zeros; no return is not
    assert dict(table.england.days) == gen.england_staff(release)


def test_per_trust_peaks_and_peak_days():
    release = staff_release()
    table = parse(gen.wide_workbook(release, workforce="wide")).workforce
    got = turnouts(table.days, table.rows)
    for code, per_day in gen.expected_staff(release).items():
        reported = {d: v for d, v in per_day.items() if v is not None}
        if not reported:
            continue
        top = max(reported.values())
        assert got[code].peak == top
        assert got[code].peak_day == min(d for d, v in reported.items() if v == top)


@pytest.mark.parametrize("by_measure", [False, True])
def test_beside_the_figures_in_a_long_sheet(by_measure):
    release = staff_release()
    parsed = parse(gen.long_workbook(release, workforce="beside", by_measure=by_measure))
    assert_matches(parsed, release)
    table = parsed.workforce
    assert table is not None and table.shape == "long" and table.sheet == "Data"
    assert_staff_matches(table, release, listed_silent=True)
    assert table.england.peak == 26_802 and table.validation == "ok"


def test_october_from_a_totals_workbook_with_the_sheet_first():
    days = [OCTOBER_2023.start + timedelta(days=i) for i in range(3)]
    release = staff_release(peak=OCTOBER_2023, days=days)
    parsed = parse(
        gen.totals_workbook(release, workforce="long", workforce_first=True, notes_rows=4)
    )
    assert parsed.shape == "totals" and parsed.sheet == "Data"
    assert_matches(parsed, release)
    table = parsed.workforce
    assert table.sheet == "Staff absent"
    assert (table.england.peak, table.england.peak_day) == (27_137, date(2023, 10, 3))


def test_a_csv_carries_the_workforce_part_beside_the_figures():
    release = staff_release()
    data = gen.csv_bytes(gen.wide_workbook(release, workforce="beside", merged=False), "Data")
    parsed = parse(data, "sitrep.csv")
    assert parsed.workforce is not None
    assert_staff_matches(parsed.workforce, release, listed_silent=True)


def test_the_old_replica_workforce_sheet_is_read_as_wide_by_day(small):
    parsed = parse(gen.wide_workbook(small, sheets_after=("Workforce",)))
    table = parsed.workforce
    assert table.sheet == "Workforce" and table.shape == "wide"
    assert table.days == small.days
    assert {r.org_code for r in table.rows} == set(small.trusts)
    assert table.england_row is None
    assert table.columns["staff absent 2023-09-19"] == "C"


def test_no_workforce_part_says_why_and_changes_nothing(small):
    parsed = parse(gen.wide_workbook(small))
    assert parsed.workforce is None
    assert parsed.workforce_note == (
        "no workforce part: no sheet has an org code column with staff-absent figures per day"
    )
    assert_matches(parsed, small)


# -- labels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label, staff",
    [
        ("Staff absent", True),
        ("Junior doctors absent 20/09/2023", True),
        ("Number of nurses taking part in industrial action", True),
        ("Medical staff absent", True),
        ("% of staff absent", False),
        ("Average doctors absent per day", False),
        ("Outpatient appointments rescheduled", False),
        ("Org code", False),
    ],
)
def test_staff_labels(label, staff):
    assert is_staff_label(label) is staff


def test_a_date_inside_a_label():
    assert split_label("Junior doctors absent 20/09/2023") == (
        date(2023, 9, 20),
        "Junior doctors absent",
    )
    assert split_label("Staff absent (Wed 20 September 2023)") == (
        date(2023, 9, 20),
        "Staff absent",
    )
    assert split_label("Staff absent") == (None, "Staff absent")


def test_a_sheet_of_bare_dates_needs_a_title_or_name_saying_staff():
    rows = [["Org code", "Org name", date(2023, 9, 20), date(2023, 9, 21)], ["RTX", "X", 1, 2]]
    assert find_staff_layout(rows, "Sheet2", own_sheet=True) is None
    assert find_staff_layout(rows, "Staff absent", own_sheet=True) is not None
    assert find_staff_layout(rows, "Staff absent", own_sheet=False) is None


# -- bad input: a clear note, nothing read, the rescheduled figures unaffected -----------------------


@pytest.mark.parametrize(
    "poison, reason",
    [
        ("twelve", "'twelve' is not a number"),
        (-3, "negative figure -3"),
        ("4.5", "4.5 is not a whole number"),
    ],
)
@pytest.mark.parametrize("layout", ["wide", "long", "beside"])
def test_a_bad_cell_skips_the_workforce_part_only(layout, poison, reason):
    release = staff_release()
    victim = sorted(release.staff)[3]
    data = gen.wide_workbook(release, workforce=layout, workforce_poison={victim: poison})
    if layout == "beside":  # the writer poisons own sheets; beside, put it in by hand
        data = _poison_beside(data, release, victim, poison)
    parsed = parse(data)
    assert parsed.workforce is None
    note = parsed.workforce_note
    assert note.startswith("workforce part skipped: sitrep.xlsx, sheet ")
    assert reason in note and ", cell " in note
    assert_matches(parsed, release)  # the rescheduled figures, whole
    assert parsed.warnings == []


def _poison_beside(data: bytes, release, code: str, value: object) -> bytes:
    def change(wb):
        ws = wb["Data"]
        staff_col = next(c.column for c in ws[2] if c.value and "absent" in str(c.value))
        row = next(r[0].row for r in ws.iter_rows(min_row=3) if r[0].value == code)
        ws.cell(row=row, column=staff_col, value=value)

    return edited(data, change)


@pytest.mark.parametrize("layout", ["wide", "long", "long-measure"])
def test_a_trust_twice_with_different_figures_skips_the_part(layout):
    release = staff_release()
    victim = sorted(release.staff)[2]
    parsed = parse(gen.wide_workbook(release, workforce=layout, workforce_duplicate=victim))
    assert parsed.workforce is None
    assert f"trust {victim} appears twice" in parsed.workforce_note
    assert "with different figures" in parsed.workforce_note
    assert_matches(parsed, release)


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_a_trust_twice_with_the_same_figures_is_counted_once_with_a_warning(layout):
    release = staff_release()
    victim = sorted(release.staff)[2]
    parsed = parse(
        gen.wide_workbook(
            release, workforce=layout, workforce_duplicate=victim, workforce_duplicate_same=True
        )
    )
    table = parsed.workforce
    assert table is not None
    assert_staff_matches(table, release, listed_silent=False)
    assert len(table.warnings) == 1
    assert "appear twice with the same figures, counted once" in table.warnings[0]
    assert victim in table.warnings[0]
    assert table.validation == "ok"  # counted once: England still adds up


def test_days_outside_the_strike_skip_the_part():
    release = staff_release()
    late = SEPT_DAYS + [date(2023, 9, 25)]
    gen.add_workforce(release, 5, peak=SEPTEMBER_2023, days=late, silent=("RTX",))
    parsed = parse(gen.wide_workbook(release, workforce="wide"))
    assert parsed.workforce is not None  # readable on its own...
    part, rows = workforce_part(parsed, SEPTEMBER_2023.start, SEPTEMBER_2023.end)
    assert not part.read and rows == []  # ...but not stored against 19-23 September
    assert part.note == (
        "workforce part skipped: sitrep.xlsx, sheet 'Staff absent': staff absent on 2023-09-25,"
        " outside the strike (19-23 Sep 2023)"
    )
    inside, rows = workforce_part(parsed, date(2023, 9, 19), date(2023, 9, 25))
    assert inside.read and len(rows) == len(parsed.workforce.rows)


def test_an_england_row_that_differs_is_reported_and_england_is_its_row():
    release = staff_release()
    data = gen.wide_workbook(release, workforce="wide")
    rows = sheet_rows(data, "Staff absent")
    england = next(i for i, r in enumerate(rows) if r[1] == "ENGLAND")
    assert rows[2][4] == "Consultants and junior doctors absent 20/09/2023"
    data = edited(data, lambda wb: wb["Staff absent"].cell(england + 1, 5, 26_900))
    table = parse(data).workforce
    assert table.england.peak == 26_900  # the file's England row, where present
    assert table.validation == (
        "staff absent: 2023-09-20: trust rows sum to 26,802, the England row says 26,900"
    )
    assert any("England row differs" in w for w in table.warnings)


def test_staff_absent_for_the_strike_as_a_whole_is_not_per_day():
    release = staff_release()

    def add_sheet(wb):
        ws = wb.create_sheet("Workforce")
        ws.append(["Org code", "Org name", "Staff absent"])
        ws.append(["RTX", "Morecambe Bay", 12])

    parsed = parse(edited(gen.wide_workbook(release), add_sheet))
    assert parsed.workforce is None
    assert parsed.workforce_note == (
        "workforce part skipped: sitrep.xlsx, sheet 'Workforce': staff absent is given for the"
        " strike as a whole (header row 1), not per day"
    )
    assert_matches(parsed, release)
