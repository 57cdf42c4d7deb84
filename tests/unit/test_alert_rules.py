"""Milestone rules through the real path: generated workbooks, the ingestor, a SQLite store, the outbox.

Every figure here is chosen by hand, so each expected threshold is written out as a literal.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.nhs.ingest import Ingestor
from tests.replica import workbooks as wb
from tests.replica.site import trust_sample

pytestmark = pytest.mark.both_backends  # the rules hold on either store

GUILD_A, GUILD_B = 111, 222
TRUSTS = trust_sample(3)  # RTX (Morecambe Bay) and two others
RTX, OTHER, THIRD = TRUSTS
MORECAMBE = "University Hospitals of Morecambe Bay NHS Foundation Trust"

SEPTEMBER = ("Industrial action 19 to 23 September 2023", [date(2023, 9, 19), date(2023, 9, 20)])
OCTOBER = ("Industrial action 2 to 5 October 2023", [date(2023, 10, 2), date(2023, 10, 3)])
DECEMBER = ("Industrial action 20 to 23 December 2023", [date(2023, 12, 20), date(2023, 12, 21)])


def workbook(
    folder: Path, name: str, strike: tuple[str, list[date]], totals: dict[str, int]
) -> Path:
    """A wide workbook of one strike in which each trust's total is exactly `totals[code]`."""
    title, days = strike
    release = wb.make_release(TRUSTS, days, seed=0, title=title)
    release.figures = {
        code: {days[0]: (total // 5, total - total // 5), **{d: (0, 0) for d in days[1:]}}
        for code, total in totals.items()
    }
    assert {c: i + o for c, (i, o) in wb.expected_totals(release).items()} == totals
    path = folder / name
    path.write_bytes(wb.wide_workbook(release))
    return path


async def listen(store, guild_id: int, *, track: tuple[str, ...] = (), **settings) -> None:
    """Give a server an alert channel and settings, and track trusts."""
    await store.servers.update(guild_id, **settings)
    for code in track:
        await store.servers.track(guild_id, code)


async def outbox(store, guild_id: int):
    return sorted(await store.outbox.of_server(guild_id), key=lambda a: a.id)


def told(alerts) -> list[tuple[str, str, str]]:
    return [(a.kind, a.subject, a.key) for a in alerts]


@pytest.fixture
def ingest(store, settings, tmp_path):
    ingestor = Ingestor(store, settings)

    async def run(name: str, strike, totals: dict[str, int]) -> str:
        (outcome,) = await ingestor.import_files([workbook(tmp_path, name, strike, totals)])
        assert outcome.validation == "ok", outcome
        return outcome.kind

    return run


async def test_totals_landing_exactly_on_a_threshold_announce_it(store, ingest):
    await listen(
        store, GUILD_A, channel_id=5, trust_every=1_000, national_every=100_000, track=(RTX,)
    )
    await listen(
        store, GUILD_B, channel_id=6, trust_every=0, extra=(1_000,), national_every=0, track=(RTX,)
    )

    # RTX 999, England 99,999: one short of both.
    september = {RTX: 999, OTHER: 50_000, THIRD: 49_000}
    assert await ingest("sitrep-20230927.xlsx", SEPTEMBER, september) == "new"
    assert await outbox(store, GUILD_A) == [] and await outbox(store, GUILD_B) == []

    # One more each: RTX exactly 1,000, England exactly 100,000.
    assert await ingest("sitrep-20231011.xlsx", OCTOBER, {RTX: 1, OTHER: 0, THIRD: 0}) == "new"
    a = await outbox(store, GUILD_A)
    assert told(a) == [
        ("trust_milestone", RTX, "1000"),
        ("national_milestone", "ENGLAND", "100000"),
    ]
    assert f"**{MORECAMBE}** has now passed **1,000** strike cancellations" in a[0].body
    assert "(1,000 since December 2022; 1 in the 2-5 Oct 2023 strikes)" in a[0].body
    assert "**England passes 100,000**" in a[1].body
    assert "(100,000 since December 2022; 1 in the 2-5 Oct 2023 strikes)" in a[1].body
    b = await outbox(store, GUILD_B)
    assert told(b) == [("trust_milestone", RTX, "1000")]  # its extra threshold, exactly reached

    # From exactly 1,000 to exactly 2,000 (and 100,000 to 200,000): the new ones only.
    december = {RTX: 1_000, OTHER: 60_000, THIRD: 39_000}
    assert await ingest("sitrep-20231228.xlsx", DECEMBER, december) == "new"
    assert told(await outbox(store, GUILD_A))[2:] == [
        ("trust_milestone", RTX, "2000"),
        ("national_milestone", "ENGLAND", "200000"),
    ]
    assert told(await outbox(store, GUILD_B)) == [("trust_milestone", RTX, "1000")]


async def test_a_threshold_announced_once_is_never_announced_again_after_revisions(store, ingest):
    await listen(store, GUILD_A, channel_id=5, trust_every=1_000, national_every=0, track=(RTX,))

    october = {RTX: 2_100, OTHER: 10, THIRD: 10}
    assert await ingest("sitrep-20231011.xlsx", OCTOBER, october) == "new"
    first = await outbox(store, GUILD_A)
    assert told(first) == [("trust_milestone", RTX, "2000")]  # one alert, naming the highest
    assert "passed **2,000**" in first[0].body and "(2,100 since December 2022;" in first[0].body

    # Revised down to 10, then up to 1,050: RTX passes 1,000 again, which is not news.
    revised = {RTX: 10, OTHER: 10, THIRD: 10}
    assert await ingest("sitrep-20231018-revised.xlsx", OCTOBER, revised) == "revised"
    assert told(await outbox(store, GUILD_A)) == [("trust_milestone", RTX, "2000")]
    revised = {RTX: 1_050, OTHER: 10, THIRD: 10}
    assert await ingest("sitrep-20231025-revised.xlsx", OCTOBER, revised) == "revised"
    assert told(await outbox(store, GUILD_A)) == [("trust_milestone", RTX, "2000")]

    # Still listening: a revision up to 3,050 announces 3,000 (2,000 was told already).
    revised = {RTX: 3_050, OTHER: 10, THIRD: 10}
    assert await ingest("sitrep-20231101-revised.xlsx", OCTOBER, revised) == "revised"
    alerts = await outbox(store, GUILD_A)
    assert told(alerts) == [("trust_milestone", RTX, "2000"), ("trust_milestone", RTX, "3000")]
    assert "passed **3,000**" in alerts[1].body and "(3,050 since December 2022;" in alerts[1].body
    assert "(revised figures)" in alerts[1].body
