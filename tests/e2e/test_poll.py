"""End to end: `strikewatch poll` against the NHS replica, then the CLI's answers checked against what was served."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from tests.processes import clean_env, strikewatch
from tests.replica import workbooks as wb
from tests.replica.server import NHSReplica, release_path
from tests.replica.site import (
    JUNE_2024,
    OCTOBER_2023,
    SEPTEMBER_2023,
    Served,
    serve,
    standard_site,
    trust_sample,
)


@pytest.fixture
def nhs():
    with NHSReplica() as replica:
        yield replica
        assert not replica.errors


@pytest.fixture
def env(tmp_path, nhs) -> dict[str, str]:
    return clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'e2e.db'}",
        NHS_INDEX_URL=nhs.page_url,
        HTTP_USER_AGENT="Strikewatch-test (tests@example.invalid)",
    )


def db_path(env: dict[str, str]) -> Path:
    return Path(env["DATABASE_URL"].removeprefix("sqlite:///"))


def dump(env: dict[str, str]) -> dict[str, list[tuple]]:
    with sqlite3.connect(db_path(env)) as db:
        return {
            t: db.execute(f"SELECT * FROM {t} ORDER BY {order}").fetchall()
            for t, order in (
                ("trusts", "org_code"),
                ("trust_aliases", "org_code, alias"),
                ("strike_periods", "id"),
                ("releases", "id"),
                ("figures", "release_id, org_code, day"),
            )
        }


def assert_nothing_lost(before: dict, after: dict) -> None:
    """What was stored before is unchanged; anything added is a record of a refusal, not figures."""
    for table in ("trusts", "trust_aliases", "strike_periods", "figures"):
        assert after[table] == before[table], table
    assert after["releases"][: len(before["releases"])] == before["releases"]
    assert all(row[9] != "ingested" for row in after["releases"][len(before["releases"]) :])


def sums(served: Served, code: str) -> tuple[int | None, int | None, int | None]:
    inpatient, outpatient = served.totals().get(code, (None, None))
    total = (
        None if inpatient is None and outpatient is None else (inpatient or 0) + (outpatient or 0)
    )
    return inpatient, outpatient, total


def test_poll_ingests_every_strike_workbook_then_finds_nothing_new(nhs, env):
    site = standard_site(nhs)
    nhs.add_file(
        release_path("20230301"), wb.unrecognised_workbook(), link_text="Assurance template"
    )

    first = strikewatch(env, "poll")
    assert first.returncode == 0, first.stderr
    assert "3 new, 0 revised, 0 unchanged, 1 skipped" in first.stdout
    assert "not strike data" in first.stdout and "20230301" in first.stdout
    assert nhs.requests[0].user_agent == "Strikewatch-test (tests@example.invalid)"

    nhs.reset_log()
    second = strikewatch(env, "poll")
    assert second.returncode == 0, second.stderr
    assert "0 new, 0 revised" in second.stdout
    workbook_bytes = sum(nhs.bytes_sent(s.path) for s in site) + nhs.bytes_sent(
        release_path("20230301")
    )
    assert workbook_bytes == 0
    assert nhs.count(nhs.page_path, status=304) == 1

    # Morecambe Bay: every period's totals and the running total equal the sums of its served rows.
    trust = strikewatch(env, "trust", "Morecambe Bay", "--json")
    assert trust.returncode == 0, trust.stderr
    report = json.loads(trust.stdout)
    assert report["org_code"] == "RTX" and report["region"] == "North West"
    assert [(p["start"], p["end"]) for p in report["periods"]] == [
        (s.start.isoformat(), s.end.isoformat()) for s in site
    ]
    for period, served in zip(report["periods"], site, strict=True):
        assert (period["inpatient"], period["outpatient"], period["total"]) == sums(served, "RTX")
        assert period["release_url"] == nhs.url(served.path)
        assert period["staff_groups"]
    assert report["cumulative_total"] == sum(sums(s, "RTX")[2] or 0 for s in site)

    national = json.loads(strikewatch(env, "national", "--json").stdout)
    for period, served in zip(national["periods"], site, strict=True):
        inpatient, outpatient = wb.england_totals(served.release)
        assert (period["inpatient"], period["outpatient"]) == (inpatient, outpatient)
        if served.england_row:
            assert period["england_row"] == {"inpatient": inpatient, "outpatient": outpatient}
        assert period["validation"] == "ok"
    assert national["cumulative_total"] == sum(sum(wb.england_totals(s.release)) for s in site)

    strikes = json.loads(strikewatch(env, "strikes", "--json").stdout)
    sep = next(s for s in strikes if s["start"] == "2023-09-19")
    assert sep["end"] == "2023-09-23" and sep["status"] == "past" and "BMA" in sep["unions"]
    assert sep["national_total"] == sum(wb.england_totals(site[0].release))


def test_a_trust_with_no_return_has_null_figures_never_zero(nhs, env):
    trusts = trust_sample(10)
    serve(
        nhs,
        SEPTEMBER_2023,
        shape="wide",
        trusts=trusts,
    )
    without_rtx = {c: v for c, v in trusts.items() if c != "RTX"}
    serve(
        nhs,
        OCTOBER_2023,
        shape="totals",
        trusts=without_rtx,
    )
    assert strikewatch(env, "poll").returncode == 0
    report = json.loads(strikewatch(env, "trust", "RTX", "--json").stdout)
    assert len(report["periods"]) == 2
    october = report["periods"][1]
    assert (october["inpatient"], october["outpatient"], october["total"]) == (None, None, None)


def test_a_revision_replaces_the_period_and_keeps_the_old_version(nhs, env):
    trusts = trust_sample(12)
    original = serve(
        nhs,
        JUNE_2024,
        shape="wide",
        trusts=trusts,
        seed=1,
    )
    assert strikewatch(env, "poll").returncode == 0
    before = json.loads(strikewatch(env, "trust", "RTX", "--json").stdout)

    # A revised file: a new link, late returns raise the figures.
    revised = serve(
        nhs,
        JUNE_2024,
        published="20240712",
        suffix="-revised",
        shape="wide",
        trusts=trusts,
        seed=2,
        link_text="Industrial action 27 June to 2 July 2024 (revised)",
    )
    result = strikewatch(env, "poll")
    assert result.returncode == 0, result.stderr
    assert "0 new, 1 revised" in result.stdout
    after = json.loads(strikewatch(env, "trust", "RTX", "--json").stdout)
    assert len(after["periods"]) == 1
    assert (after["periods"][0]["inpatient"], after["periods"][0]["outpatient"]) == sums(
        revised, "RTX"
    )[:2]
    assert after["cumulative_total"] == sums(revised, "RTX")[2] != before["cumulative_total"]
    assert after["periods"][0]["revised"] is True
    national = json.loads(strikewatch(env, "national", "--json").stdout)
    assert national["cumulative_total"] == sum(
        wb.england_totals(revised.release)
    )  # not counted twice

    # New bytes at the same URL: a third version, found when workbooks are revalidated.
    third = wb.make_release(trusts, original.release.days, 3)
    nhs.add_file(revised.path, wb.wide_workbook(third), link_text=revised.link_text)
    env = {**env, "WORKBOOK_RECHECK_HOURS": "0"}
    result = strikewatch(env, "poll")
    assert "0 new, 1 revised" in result.stdout, result.stdout
    latest = json.loads(strikewatch(env, "trust", "RTX", "--json").stdout)
    assert latest["cumulative_total"] == sum(v or 0 for v in wb.expected_totals(third)["RTX"])

    with sqlite3.connect(db_path(env)) as db:
        versions = db.execute("SELECT url, status FROM releases ORDER BY id").fetchall()
    assert [v[1] for v in versions] == ["ingested"] * 3
    assert versions[0][0] == nhs.url(original.path)


def test_unknown_trust_exits_non_zero_with_the_closest_names(nhs, env):
    standard_site(nhs, n_trusts=10)
    assert strikewatch(env, "poll").returncode == 0
    result = strikewatch(env, "trust", "Royal")
    assert result.returncode == 1
    assert (
        result.stderr.count("\n") == 1 and "closest:" in result.stderr and "Royal" in result.stderr
    )


def test_import_and_inspect_local_workbooks(tmp_path, env):
    release = wb.make_release(
        trust_sample(8), [date(2023, 3, 13), date(2023, 3, 14), date(2023, 3, 15)], 5
    )
    path = tmp_path / "sitrep-20230317.xlsx"
    path.write_bytes(wb.wide_workbook(release, notes_rows=12, england="top"))

    inspect = strikewatch(env, "inspect", str(path))
    assert inspect.returncode == 0, inspect.stderr
    assert "shape wide" in inspect.stdout and "13-16 Mar 2023" in inspect.stdout
    assert "matches" in inspect.stdout and "trusts:      8" in inspect.stdout
    assert not db_path(env).exists()  # inspect stores nothing

    imported = strikewatch(env, "import", str(path), str(tmp_path / "missing.xlsx"))
    assert imported.returncode == 0
    assert "1 new" in imported.stdout and "cannot read" in imported.stdout
    report = json.loads(strikewatch(env, "trust", "RTX", "--json").stdout)
    assert report["cumulative_total"] == sum(v or 0 for v in wb.expected_totals(release)["RTX"])
    again = strikewatch(env, "import", str(path))
    assert "1 unchanged" in again.stdout


# -- bad input: one clear message, the rest of the poll goes on, nothing stored is lost --------------


@pytest.fixture
def stocked(nhs, env):
    """A store holding one good release, and its dump, before each bad input is served."""
    good = serve(
        nhs,
        SEPTEMBER_2023,
        shape="wide",
        trusts=trust_sample(8),
    )
    assert strikewatch(env, "poll").returncode == 0
    return good, dump(env)


def _bad_workbooks():
    good = wb.make_release(trust_sample(8), [date(2023, 10, 2), date(2023, 10, 3)], 9)
    return {
        "corrupt": (wb.corrupt_workbook(), "not a readable spreadsheet"),
        "zip bomb": (wb.zip_bomb(300), "cap"),
        "unrecognised": (wb.unrecognised_workbook(), "not strike data"),
        "negative": (
            wb.wide_workbook(good, poison={("RTX", "inpatient"): -3}),
            "negative figure -3",
        ),
        "non-numeric": (
            wb.wide_workbook(good, poison={("RTX", "outpatient"): "twelve"}),
            "'twelve' is not a number",
        ),
    }


@pytest.mark.parametrize("case", list(_bad_workbooks()))
def test_a_bad_workbook_is_skipped_with_a_reason_and_the_rest_goes_on(nhs, env, stocked, case):
    _, before = stocked
    body, reason = _bad_workbooks()[case]
    bad = nhs.add_file(
        release_path("20231011"), body, link_text="Industrial action 2 to 5 October 2023"
    )
    result = strikewatch(env, "poll")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("skipped"))
    assert reason in line and "20231011" in line
    assert "1 unchanged, 1 skipped" in result.stdout, result.stdout
    assert_nothing_lost(before, dump(env))
    assert nhs.count(bad) == 1


def test_a_listed_file_that_is_404_is_skipped(nhs, env, stocked):
    _, before = stocked
    nhs.link_only(release_path("20231011"), "Industrial action 2 to 5 October 2023")
    result = strikewatch(env, "poll")
    assert result.returncode == 0
    assert "HTTP 404" in result.stdout and "20231011" in result.stdout
    assert_nothing_lost(before, dump(env))


def test_a_body_over_the_cap_is_not_downloaded_whole(nhs, env, stocked):
    _, before = stocked
    path = nhs.add_file(
        release_path("20231011"), b"x", link_text="Industrial action 2 to 5 October 2023"
    )
    nhs.oversize(path, 50_000_000, length="close")
    result = strikewatch({**env, "MAX_WORKBOOK_BYTES": "1000000"}, "poll")
    assert result.returncode == 0
    assert "passed the 1.0 MB cap" in result.stdout
    # What the client read, by its own count: the cap plus at most one chunk.
    received = int(re.search(r"requests, ([\d,]+) bytes", result.stdout)[1].replace(",", ""))
    assert received < 1_200_000
    # The server wrote more into socket buffers before the client hung up, but nowhere near 50 MB.
    assert nhs.bytes_sent(path) < 25_000_000
    assert_nothing_lost(before, dump(env))


def test_a_failed_workbook_is_tried_again_on_the_next_poll_even_when_the_page_is_unchanged(
    nhs, env, stocked
):
    path = nhs.add_file(
        release_path("20231011"), b"", link_text="Industrial action 2 to 5 October 2023"
    )
    nhs.fail(path, 503, times=10)
    assert "skipped" in strikewatch(env, "poll").stdout
    nhs.clear_faults(path)
    release = wb.make_release(trust_sample(8), [date(2023, 10, 2), date(2023, 10, 3)], 9)
    nhs.add_file(
        path, wb.totals_workbook(release), link_text="Industrial action 2 to 5 October 2023"
    )
    nhs.reset_log()
    result = strikewatch(env, "poll")
    assert nhs.count(nhs.page_path, status=304) == 1
    assert "1 new" in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("unreachable", "publication page unreachable"),
        ("500", "HTTP 500"),
        ("hang", "no complete answer within 1 s"),
        ("no links", "no spreadsheet links"),
    ],
)
def test_a_poll_that_cannot_run_exits_non_zero_with_one_line(nhs, env, stocked, fault, message):
    _, before = stocked
    env = {**env, "HTTP_DEADLINE_SECONDS": "1", "HTTP_RETRIES": "2"}
    if fault == "unreachable":
        env["NHS_INDEX_URL"] = "http://127.0.0.1:9/publication/"
    elif fault == "500":
        nhs.fail(nhs.page_path, 500, times=5)
    elif fault == "hang":
        nhs.hang(nhs.page_path, 3, times=5)
    else:
        nhs.set_page_html(
            "<html><body><p>This page has moved.</p><a href='/other.pdf'>PDF</a></body></html>"
        )
    result = strikewatch(env, "poll")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "strikewatch:" in line]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert_nothing_lost(before, dump(env))


def test_transient_errors_are_retried_and_honour_retry_after(nhs, env, stocked):
    good, _ = stocked
    nhs.touch_page()
    nhs.fail(nhs.page_path, 503, times=1)
    nhs.fail(nhs.page_path, 429, times=1, retry_after=1)
    result = strikewatch(env, "poll")
    assert result.returncode == 0, result.stderr
    assert nhs.count(nhs.page_path) == 4  # first poll, 503, 429, success
    assert "1 unchanged" in result.stdout
    assert nhs.count(good.path, status=304) == 1


def test_redirects_are_followed(nhs, env):
    standard_site(nhs, n_trusts=5)
    nhs.redirect("/old-page/", nhs.page_path)
    result = strikewatch({**env, "NHS_INDEX_URL": nhs.url("/old-page/")}, "poll")
    assert result.returncode == 0, result.stderr
    assert "3 new" in result.stdout


async def test_a_poll_that_hangs_is_abandoned_at_its_deadline_and_recorded(nhs, store, settings):
    from bot.domain.releases import current_versions
    from bot.nhs.fetch import Fetcher, make_client
    from bot.nhs.poller import PollError
    from bot.services.polling import run_poll

    standard_site(nhs, n_trusts=5)
    nhs.hang(nhs.page_path, 5, times=3)
    slow = settings.model_copy(
        update={
            "nhs_index_url": nhs.page_url,
            "poll_deadline_seconds": 1.0,
            "http_deadline_seconds": 30,
        }
    )
    async with make_client("test", 30) as client:
        with pytest.raises(PollError, match="did not finish within 1 s"):
            await run_poll(store, slow, Fetcher.from_settings(client, slow))
    (poll,) = await store.polls.last(1)
    assert poll.ok is False and "did not finish within 1 s" in poll.error
    assert current_versions(await store.releases.ingested()) == {}
