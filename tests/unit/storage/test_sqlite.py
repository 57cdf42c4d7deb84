from datetime import date

import pytest

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
    await store.seed(calendar_seed(), trust_seed())
    assert await store.dump() == before
    assert len(await store.trusts()) == 137


def _release(**kw):
    return {
        "url": "https://x/a.xlsx",
        "published": date(2023, 9, 27),
        "sha256": "a" * 64,
        "status": "ingested",
        **kw,
    }


async def test_a_release_is_stored_whole_or_not_at_all(store):
    periods = await store.periods()
    before = await store.dump()
    with pytest.raises(Exception, match="CHECK"):
        await store.add_release(
            _release(period_id=periods[0].id),
            figures=[("RTX", date(2023, 9, 19), 1, 2), ("RTX", date(2023, 9, 20), -5, 2)],
            trust_names={"RTX": ("Renamed", "North West")},
        )
    assert await store.dump() == before


async def test_newest_name_wins_and_old_names_become_aliases(store):
    period = (await store.periods())[0]
    await store.add_release(
        _release(period_id=period.id, published=date(2024, 1, 1)),
        figures=[("RTX", None, 1, 1)],
        trust_names={"RTX": ("Morecambe Bay Hospitals NHS FT", None)},
    )
    await store.add_release(
        _release(period_id=period.id, published=date(2023, 1, 1), sha256="b" * 64),
        figures=[("RTX", None, 1, 1)],
        trust_names={"RTX": ("Older Morecambe Name", None)},
    )
    rtx = next(t for t in await store.trusts() if t.org_code == "RTX")
    assert rtx.name == "Morecambe Bay Hospitals NHS FT"
    assert set(rtx.aliases) == {
        "University Hospitals of Morecambe Bay NHS Foundation Trust",
        "Older Morecambe Name",
    }


async def test_current_release_is_the_latest_published_version(store):
    period = (await store.periods())[0]
    first = await store.add_release(
        _release(period_id=period.id, published=date(2024, 7, 5)), figures=[("RTX", None, 1, 1)]
    )
    second = await store.add_release(
        _release(period_id=period.id, published=date(2024, 7, 12), sha256="c" * 64),
        figures=[("RTX", None, 5, 5)],
    )
    # An older version ingested later does not replace the newer one.
    await store.add_release(
        _release(period_id=period.id, published=date(2024, 7, 1), sha256="d" * 64),
        figures=[("RTX", None, 9, 9)],
    )
    current = await store.current_releases()
    assert [(r.id, v) for r, v in current] == [(second.id, 3)]
    assert first.id != second.id
    assert len(await store.releases(period_id=period.id)) == 3
