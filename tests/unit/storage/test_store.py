from datetime import date

import pytest

from bot.domain.records import NewRelease, ReleaseStatus, TrustDay
from bot.domain.releases import current_versions, record_release
from storage import open_store


async def test_migrations_are_recorded_and_applied_once(db_url):
    store = await open_store(db_url)
    assert await store.schema_version() >= 1
    await store.close()
    store = await open_store(db_url)  # a second start applies nothing again
    assert await store.schema_version() >= 1
    await store.close()


async def test_seed_is_idempotent_and_keeps_release_names(store):
    from bot.nhs.reference import calendar_seed, trust_seed

    before = await store.dump()
    await store.calendar.seed(calendar_seed(), trust_seed())
    assert await store.dump() == before
    assert len(await store.calendar.trusts()) == 137


def _release(**kw):
    return NewRelease(
        **{
            "url": "https://x/a.xlsx",
            "published": date(2023, 9, 27),
            "sha256": "a" * 64,
            "status": ReleaseStatus.INGESTED,
            **kw,
        }
    )


async def test_a_release_is_stored_whole_or_not_at_all(store):
    periods = await store.calendar.periods()
    before = await store.dump()
    with pytest.raises(Exception, match="CHECK"):
        await record_release(
            store,
            _release(period_id=periods[0].id),
            figures=[
                TrustDay("RTX", date(2023, 9, 19), 1, 2),
                TrustDay("RTX", date(2023, 9, 20), -5, 2),
            ],
            trust_names={"RTX": ("Renamed", "North West")},
        )
    assert await store.dump() == before


async def test_newest_name_wins_and_old_names_become_aliases(store):
    period = (await store.calendar.periods())[0]
    await record_release(
        store,
        _release(period_id=period.id, published=date(2024, 1, 1)),
        figures=[TrustDay("RTX", None, 1, 1)],
        trust_names={"RTX": ("Morecambe Bay Hospitals NHS FT", None)},
    )
    await record_release(
        store,
        _release(period_id=period.id, published=date(2023, 1, 1), sha256="b" * 64),
        figures=[TrustDay("RTX", None, 1, 1)],
        trust_names={"RTX": ("Older Morecambe Name", None)},
    )
    rtx = next(t for t in await store.calendar.trusts() if t.org_code == "RTX")
    assert rtx.name == "Morecambe Bay Hospitals NHS FT"
    assert set(rtx.aliases) == {
        "University Hospitals of Morecambe Bay NHS Foundation Trust",
        "Older Morecambe Name",
    }


async def test_current_release_is_the_latest_published_version(store):
    period = (await store.calendar.periods())[0]
    first = await record_release(
        store,
        _release(period_id=period.id, published=date(2024, 7, 5)),
        figures=[TrustDay("RTX", None, 1, 1)],
    )
    second = await record_release(
        store,
        _release(period_id=period.id, published=date(2024, 7, 12), sha256="c" * 64),
        figures=[TrustDay("RTX", None, 5, 5)],
    )
    # An older version ingested later does not replace the newer one.
    await record_release(
        store,
        _release(period_id=period.id, published=date(2024, 7, 1), sha256="d" * 64),
        figures=[TrustDay("RTX", None, 9, 9)],
    )
    current = current_versions(await store.releases.ingested())
    assert [(c.release.id, c.versions) for c in current.values()] == [(second.id, 3)]
    assert first.id != second.id
    assert len(await store.releases.list(period_id=period.id)) == 3
