"""The snapshot cache: one question to the store per burst of answers, a new release seen at once after."""

from __future__ import annotations

import time
from datetime import date

import pytest

from bot.domain.records import NewRelease, ReleaseStatus, TrustDay
from bot.domain.releases import record_release
from bot.nhs.reference import calendar_seed, trust_seed
from bot.services import snapshots
from bot.services.snapshots import SnapshotCache
from storage import open_store


@pytest.fixture
async def store(tmp_path):
    store = await open_store(f"sqlite:///{tmp_path / 's.db'}")
    await store.calendar.seed(calendar_seed(), trust_seed())
    yield store
    await store.close()


async def store_release(store, n: int, total: int) -> None:
    period = (await store.calendar.periods())[n]
    await record_release(
        store,
        NewRelease(
            url=f"https://nhs.example/{n}.xlsx",
            published=date(2024, 1, n + 1),
            sha256=f"{n:064x}",
            status=ReleaseStatus.INGESTED,
            period_id=period.id,
        ),
        figures=[TrustDay("RTX", period.start, total, 0)],
    )


async def test_answers_close_together_share_one_question(store, monkeypatch, tmp_path):
    asked = []
    stamp = store.releases.data_stamp

    async def counted():
        asked.append(time.monotonic())
        return await stamp()

    monkeypatch.setattr(store.releases, "data_stamp", counted)
    monkeypatch.setattr(snapshots, "FRESH_SECONDS", 60.0)  # a slow machine stays inside it
    cache = SnapshotCache(store)
    await store_release(store, 1, 100)
    first = await cache.snapshot()
    for _ in range(20):
        assert await cache.snapshot() is first  # a burst: no further question
    assert len(asked) == 1

    # Stored by this process: the next answer has it, window or not.
    await store_release(store, 2, 50)
    mine = await cache.snapshot()
    assert len(asked) == 2 and mine.national_report().cumulative_total == 150

    # Stored by another process: seen once the window has passed.
    other = await open_store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        await store_release(other, 3, 25)
    finally:
        await other.close()
    assert await cache.snapshot() is mine  # within the window: the burst's answer
    monkeypatch.setattr(snapshots, "FRESH_SECONDS", 0.0)  # the window has passed
    theirs = await cache.snapshot()
    assert len(asked) == 3 and theirs.national_report().cumulative_total == 175
