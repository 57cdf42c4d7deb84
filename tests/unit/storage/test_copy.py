"""`copy-store`: SQLite to a real PostgreSQL and back, every row and id, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import copy_between, open_seeded_store
from bot.domain.alerts import AlertKind, ChannelKind, Destination, Draft
from bot.domain.announcements import AnnouncedStrike
from bot.domain.roles import Holder
from bot.nhs.ingest import Ingestor
from bot.settings import Settings
from storage import StoreError, open_store
from storage.copy import TABLES
from tests.replica import workbooks as wb
from tests.replica.site import SEPTEMBER_2023, days, trust_sample

GUILD = 1_180_000_000_000_000_001


async def _rows(url: str) -> dict[str, list[tuple]]:
    store = await open_store(url)
    try:
        return {
            t: sorted(map(tuple, await store.engine.fetch(f"SELECT * FROM {t}"))) for t in TABLES
        }
    finally:
        await store.close()


@pytest.fixture
async def populated(tmp_path) -> str:
    """A SQLite store holding something in every table."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    settings = Settings(database_url=url)
    store = await open_seeded_store(settings)
    try:
        await store.servers.update(GUILD, channel_id=GUILD + 1, extra=(4000,))
        await store.servers.track(GUILD, "RTX")
        await store.servers.follow(
            GUILD, "North West", Destination(GUILD + 2, ChannelKind.ANNOUNCEMENT)
        )
        release = wb.make_release(
            trust_sample(10), days(SEPTEMBER_2023.start, SEPTEMBER_2023.end), seed=1
        )
        wb.add_workforce(release, seed=1)
        path = tmp_path / "sitrep-20230927.xlsx"
        path.write_bytes(wb.wide_workbook(release, workforce="wide"))
        (outcome,) = await Ingestor(store, settings).import_files([path])
        assert outcome.kind == "new"
        await store.source.save_page(
            "https://example.test/page", '"e"', None, [("https://x/a.xlsx", "A")]
        )
        await store.polls.finish(await store.polls.start(), ok=True, summary={}, error=None)
        await store.state.set("global_commands_sha256", "abc")
        await store.outbox.add(
            Draft(GUILD, AlertKind.TEST, "test", "t1", "hello"),
            due=datetime.now(UTC) + timedelta(days=1),
        )
        async with store.transaction() as unit:
            await unit.add_announced_strike(
                AnnouncedStrike(
                    None, GUILD, SEPTEMBER_2023.start, SEPTEMBER_2023.end, "Consultants", "BMA", ""
                ),
                created_by=7,
            )
        async with store.transaction() as unit:
            await unit.write_alerts(
                [Draft(GUILD, AlertKind.TRUST_MILESTONE, "RTX", "1000", "passed", (1000,))],
                release_id=1,
            )
        (milestone,) = [
            a for a in await store.outbox.of_server(GUILD) if (a.subject, a.key) == ("RTX", "1000")
        ]
        await store.outbox.sent(milestone.id, GUILD + 2, GUILD + 3, publish=True)
        await store.engine.execute("INSERT INTO trust_aliases VALUES ('RTX', 'An old name')")
        await store.roles.claim("courier", Holder("x", "host", 1), 60_000)
    finally:
        await store.close()
    return url


async def test_a_store_copies_to_postgres_and_back_row_for_row(populated, pg_url, tmp_path):
    source = await _rows(populated)
    assert all(source.values()), {t: len(r) for t, r in source.items()}
    copied = await copy_between(populated, pg_url, replace=False)
    assert copied == {t: len(rows) for t, rows in source.items()}
    assert await _rows(pg_url) == source

    back = f"sqlite:///{tmp_path / 'back.db'}"
    await copy_between(pg_url, back, replace=False)
    assert await _rows(back) == source

    # New rows continue after the copied ids on PostgreSQL.
    store = await open_store(pg_url)
    try:
        poll_id = await store.polls.start()
        assert poll_id > max(row[0] for row in source["polls"])
    finally:
        await store.close()


async def test_a_target_with_data_is_refused_unless_replaced_and_left_as_it_was(populated, pg_url):
    await copy_between(populated, pg_url, replace=False)
    store = await open_store(pg_url)
    await store.state.set("only-in-target", "1")
    await store.close()
    before = await _rows(pg_url)
    with pytest.raises(StoreError, match="already holds data.*--replace"):
        await copy_between(populated, pg_url, replace=False)
    assert await _rows(pg_url) == before

    await copy_between(populated, pg_url, replace=True)
    assert await _rows(pg_url) == await _rows(populated)


async def test_a_copy_that_fails_halfway_leaves_the_target_empty(populated, pg_url):
    store = await open_store(populated)
    # SQLite keeps text in an INTEGER column; PostgreSQL refuses it, late in the copy.
    await store.engine.execute("INSERT INTO tracked_trusts VALUES ('not a number', 'RTX', 'x')")
    await store.close()
    with pytest.raises(StoreError, match="a row for tracked_trusts"):
        await copy_between(populated, pg_url, replace=False)
    assert not any((await _rows(pg_url)).values())
