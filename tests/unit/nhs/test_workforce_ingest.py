"""The workforce part through ingest and the command line: import, then `trust --json`, `national
--json`, the text tables and `inspect`, in-process against a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from tests.replica import workbooks as gen
from tests.replica.workforce import OCTOBER_2023, SEPTEMBER_2023
from tests.unit.nhs.test_workforce import SEPT_DAYS, edited, staff_release

SEPT_FILE = "workforce-and-reschedule-sitrep-20230927.xlsx"


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Runs `strikewatch ARGS...` in this process; returns (exit code, stdout)."""
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")

    def run(*args: str) -> tuple[int, str]:
        code = main(list(args))
        out = capsys.readouterr().out
        return code, out

    run.db = db  # type: ignore[attr-defined]
    return run


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def as_json(per_day: dict[date, int | None]) -> dict[str, int | None]:
    return {d.isoformat(): n for d, n in sorted(per_day.items())}


def reporting_trust(release) -> str:
    """A trust that reported on at least one day, not a nil return."""
    return next(
        code
        for code, per_day in sorted(release.staff.items())
        if any(v for v in per_day.values() if v is not None)
    )


@pytest.mark.parametrize(
    "layout, england",
    [
        ("wide", "top"),
        ("wide", None),
        ("wide-merged", "bottom"),
        ("dates", "top"),
        ("long", None),
        ("long-measure", "top"),
        ("beside", "top"),
    ],
)
def test_import_then_trust_and_national_json_carry_staff_absent(cli, tmp_path, layout, england):
    release = staff_release()
    path = write(
        tmp_path,
        SEPT_FILE,
        gen.wide_workbook(release, workforce=layout, workforce_england=england, notes_rows=4),
    )
    code, out = cli("import", path)
    assert code == 0
    assert "1 new" in out
    assert "staff absent read" in out and "England peak 26,802 on 2023-09-20" in out

    who = reporting_trust(release)
    report = json.loads(cli("trust", who, "--json")[1])
    (period,) = report["periods"]
    expected = release.staff[who]
    reported = {d: v for d, v in expected.items() if v is not None}
    top = max(reported.values())
    assert period["staff_absent"] == {
        "days": as_json(expected),
        "peak": top,
        "peak_day": min(d for d, v in reported.items() if v == top).isoformat(),
    }
    # The rescheduled figures are as before.
    inpatient, outpatient = gen.expected_totals(release)[who]
    assert (period["inpatient"], period["outpatient"]) == (inpatient, outpatient)

    # Morecambe Bay made no workforce return: null, not 0.
    rtx = json.loads(cli("trust", "RTX", "--json")[1])
    assert rtx["periods"][0]["staff_absent"] is None
    assert rtx["periods"][0]["total"] is not None

    national = json.loads(cli("national", "--json")[1])["periods"][0]["staff_absent"]
    assert national["days"] == as_json(gen.england_staff(release))
    assert (national["peak"], national["peak_day"]) == (26_802, "2023-09-20")


def test_text_output_shows_the_peak_beside_the_figures(cli, tmp_path):
    september = staff_release()
    october = gen.make_release(
        september.trusts, [OCTOBER_2023.start + timedelta(days=i) for i in range(3)], seed=3
    )
    cli(
        "import",
        write(tmp_path, SEPT_FILE, gen.wide_workbook(september, workforce="wide")),
        write(tmp_path, "sitrep-20231011.xlsx", gen.totals_workbook(october)),
    )
    who = reporting_trust(september)
    staff = september.staff[who]
    top = max(v for v in staff.values() if v is not None)
    day = min(d for d, v in staff.items() if v == top)

    code, out = cli("trust", who)
    assert code == 0
    lines = out.splitlines()
    assert "peak staff absent" in lines[1]
    sept_line = next(line for line in lines if line.startswith("19-23 Sep 2023"))
    assert f"{top:,} on {day.day} {day:%b}" in sept_line
    oct_line = next(line for line in lines if line.startswith("2-5 Oct 2023"))
    assert oct_line.rstrip().endswith("-")  # that release has no workforce part

    rtx = cli("trust", "RTX")[1]
    assert "not reported" in next(line for line in rtx.splitlines() if "Sep 2023" in line)

    national = cli("national")[1].splitlines()
    assert "peak staff absent" in national[0]
    assert "26,802 on 20 Sep" in next(line for line in national if "Sep 2023" in line)


@pytest.mark.parametrize(
    "options, reason",
    [
        ({"workforce_poison": {"RXX": "twelve"}}, "'twelve' is not a number"),
        ({"workforce_poison": {"RXX": -3}}, "negative figure -3"),
        ({"workforce_duplicate": "RXX"}, "appears twice"),
    ],
)
def test_a_bad_workforce_part_is_skipped_and_the_figures_are_stored(cli, tmp_path, options, reason):
    release = staff_release()
    victim = sorted(release.staff)[1]
    options = {
        k: ({victim: v["RXX"]} if isinstance(v, dict) else victim) for k, v in options.items()
    }
    path = write(tmp_path, SEPT_FILE, gen.wide_workbook(release, workforce="long", **options))
    code, out = cli("import", path)
    assert code == 0 and "1 new" in out
    assert "workforce part skipped: " in out and reason in out
    report = json.loads(cli("trust", victim, "--json")[1])
    period = report["periods"][0]
    assert period["staff_absent"] is None
    assert (period["inpatient"], period["outpatient"]) == gen.expected_totals(release)[victim]
    national = json.loads(cli("national", "--json")[1])["periods"][0]
    assert national["staff_absent"] is None
    assert (national["inpatient"], national["outpatient"]) == gen.england_totals(release)
    with sqlite3.connect(cli.db) as db:
        assert db.execute("SELECT count(*) FROM staff_absent").fetchone() == (0,)
        status, note = db.execute("SELECT status, note FROM workforce_parts").fetchone()
    assert status == "skipped" and reason in note


def test_an_england_row_that_differs_is_reported_and_wins(cli, tmp_path):
    release = staff_release()
    data = gen.wide_workbook(release, workforce="long-measure")

    def raise_england_on_the_20th(wb):
        ws = wb["Staff absent"]
        row = next(
            r for r in ws.iter_rows(min_row=4) if r[2].value == "ENGLAND" and r[0].value.day == 20
        )
        row[-1].value = 27_000

    out = cli("import", write(tmp_path, SEPT_FILE, edited(data, raise_england_on_the_20th)))[1]
    check = "staff absent: 2023-09-20: trust rows sum to 26,802, the England row says 27,000"
    assert f"England peak 27,000 on 2023-09-20 (check: {check})" in out
    national = json.loads(cli("national", "--json")[1])["periods"][0]
    assert national["staff_absent"]["peak"] == 27_000  # the file's England row, where it has one
    assert national["workforce"] == {
        "staff_group": "Consultants and junior doctors absent",
        "validation": check,
    }
    assert national["validation"] == "ok"  # the rescheduled part's own check is untouched
    with sqlite3.connect(cli.db) as db:  # the owners hear of it, as of a rescheduled mismatch
        reports = db.execute("SELECT guild_id, kind, key, body FROM alerts").fetchall()
    assert [r[:3] for r in reports] == [(0, "owner_report", "staff absent")]
    assert "27,000" in reports[0][3]


def test_days_outside_the_strike_are_not_stored(cli, tmp_path):
    release = staff_release()
    gen.add_workforce(
        release, 5, peak=SEPTEMBER_2023, days=[*SEPT_DAYS, date(2023, 9, 26)], silent=("RTX",)
    )
    out = cli("import", write(tmp_path, SEPT_FILE, gen.wide_workbook(release, workforce="wide")))[1]
    assert "staff absent on 2023-09-26, outside the strike (19-23 Sep 2023)" in out
    assert json.loads(cli("national", "--json")[1])["periods"][0]["staff_absent"] is None


def test_a_release_without_a_workforce_part_says_so(cli, tmp_path):
    release = staff_release()
    out = cli("import", write(tmp_path, SEPT_FILE, gen.wide_workbook(release)))[1]
    assert "1 new" in out
    assert "no workforce part: no sheet has an org code column with staff-absent figures" in out


def test_a_revised_release_replaces_the_staff_absent(cli, tmp_path):
    first = staff_release(seed=5)
    revised = staff_release(seed=6)
    cli("import", write(tmp_path, SEPT_FILE, gen.wide_workbook(first, workforce="wide")))
    out = cli(
        "import",
        write(
            tmp_path,
            "workforce-and-reschedule-sitrep-20231004-revised.xlsx",
            gen.wide_workbook(revised, workforce="long"),
        ),
    )[1]
    assert "1 revised" in out and "staff absent read" in out
    who = reporting_trust(revised)
    period = json.loads(cli("trust", who, "--json")[1])["periods"][0]
    assert period["staff_absent"]["days"] == as_json(revised.staff[who])
    assert first.staff[who] != revised.staff[who]
    assert period["revised"] is True
    national = json.loads(cli("national", "--json")[1])["periods"][0]["staff_absent"]
    assert national["days"] == as_json(gen.england_staff(revised))


def test_inspect_shows_how_the_workforce_part_was_read(cli, tmp_path):
    release = staff_release()
    path = write(tmp_path, SEPT_FILE, gen.wide_workbook(release, workforce="wide-merged"))
    code, out = cli("inspect", path)
    assert code == 0
    assert (
        "workforce:   sheet 'Staff absent', header row 4, wide, 29 trusts (0 not reported),"
        " 4 days, England row, staff 'Consultants and junior doctors absent'"
    ) in out
    assert "staff absent 2023-09-20=E" in out
    assert "  2023-09-20: England 26,802 (England row)" in out
    assert "  peak:      26,802 on 2023-09-20" in out
    assert "  check:     ok" in out
    assert not cli.db.exists()  # inspect stores nothing

    bad = write(
        tmp_path,
        "bad-20230927.xlsx",
        gen.wide_workbook(release, workforce="wide", workforce_poison={"RAE": "n/a?"}),
    )
    out = cli("inspect", bad)[1]
    assert (
        "workforce:   workforce part skipped: bad-20230927.xlsx, sheet 'Staff absent', cell" in out
    )
