"""The storage contract: every test here runs on SQLite and on a real PostgreSQL server."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.alerts import AlertKind, AlertStatus, Draft
from bot.domain.records import DocumentState, NewRelease, ReleaseStatus, TrustDay
from bot.domain.releases import current_versions, record_release
from bot.domain.roles import Holder
from storage import StoreError, open_store

pytestmark = pytest.mark.both_backends

SNOWFLAKE = 1_180_000_000_000_000_001  # Discord ids need 64 bits


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
    with pytest.raises(StoreError, match="(?i)check"):
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


async def test_a_failing_migration_is_rolled_back_whole(db_url):
    store = await open_store(db_url)
    engine = store.engine
    with pytest.raises(StoreError, match="migration 0999_broken failed and was rolled back"):
        await engine.migrate(
            999,
            "broken",
            "CREATE TABLE half_done (a INTEGER);\nINSERT INTO no_such_table VALUES (1);",
        )
    assert 999 not in await engine.applied()
    with pytest.raises(StoreError, match="half_done"):
        await engine.fetch("SELECT * FROM half_done")
    assert await store.schema_version() >= 5  # the store still works
    await store.close()


def _draft(guild_id: int = SNOWFLAKE, key: str = "k1", passed=()) -> Draft:
    return Draft(guild_id, AlertKind.TRUST_MILESTONE, "RTX", key, "RTX passed 1,000", passed)


async def test_the_last_successful_poll_is_the_last_that_completed(store):
    assert await store.polls.last_success() is None
    done = await store.polls.start()
    await store.polls.finish(done, ok=True, summary={}, error=None)
    first = await store.polls.last_success()
    failed = await store.polls.start()
    await store.polls.finish(failed, ok=False, summary={}, error="page unreachable")
    await store.polls.start()  # running, or interrupted
    assert await store.polls.last_success() == first
    assert first is not None and abs((datetime.now(UTC) - first).total_seconds()) < 60


async def test_the_backlog_counts_pending_and_due_alerts_and_the_longest_wait(store):
    empty = await store.outbox.backlog()
    assert (empty.pending, empty.due, empty.oldest_due_since) == (0, 0, None)
    now = datetime.now(UTC)
    await store.outbox.add(_draft(key="due"), due=now - timedelta(minutes=10))
    await store.outbox.add(_draft(key="later"), due=now + timedelta(hours=1))
    await store.outbox.add(_draft(key="sent"), due=now - timedelta(hours=2))
    sent = next(a for a in await store.outbox.due() if a.key == "sent")
    await store.outbox.sent(sent.id, SNOWFLAKE + 1, SNOWFLAKE + 2)
    backlog = await store.outbox.backlog()
    assert (backlog.pending, backlog.due) == (2, 1)  # the sent one is not waiting
    assert 599 <= backlog.oldest_due_seconds(datetime.now(UTC)) < 660  # due 10 minutes ago


async def test_an_outbox_key_is_written_once_and_walks_through_its_states(store):
    assert await store.outbox.add(_draft(), due=datetime.now(UTC) - timedelta(seconds=1))
    assert not await store.outbox.add(_draft())  # the same key again: refused
    (alert,) = await store.outbox.due()
    assert (alert.guild_id, alert.status, alert.attempts) == (SNOWFLAKE, AlertStatus.PENDING, 0)

    await store.outbox.retry(
        alert.id, "Discord answered 500", datetime.now(UTC) + timedelta(hours=1)
    )
    assert await store.outbox.due() == []  # not due again before its retry time
    await store.outbox.sent(alert.id, SNOWFLAKE + 1, SNOWFLAKE + 2)
    (sent,) = await store.outbox.of_server(SNOWFLAKE, status=AlertStatus.SENT)
    assert (sent.channel_id, sent.attempts, sent.error) == (SNOWFLAKE + 1, 2, None)

    assert await store.outbox.add(_draft(key="k2"), due=datetime.now(UTC) - timedelta(seconds=1))
    (second,) = await store.outbox.due()
    await store.outbox.failed(second.id, "channel deleted", SNOWFLAKE + 1)
    assert [a.status for a in await store.outbox.of_server(SNOWFLAKE)] == [
        AlertStatus.FAILED,
        AlertStatus.SENT,
    ]


async def test_a_new_channel_gives_failed_alerts_another_chance(store):
    await store.servers.update(SNOWFLAKE, channel_id=5)
    await store.outbox.add(_draft())
    (alert,) = await store.outbox.of_server(SNOWFLAKE)
    await store.outbox.failed(alert.id, "channel deleted", 5)
    await store.servers.update(SNOWFLAKE, role_id=7)  # another setting: stays failed
    assert (await store.outbox.of_server(SNOWFLAKE))[0].status == AlertStatus.FAILED
    await store.servers.update(SNOWFLAKE, channel_id=6)
    assert (await store.outbox.of_server(SNOWFLAKE))[0].status == AlertStatus.PENDING


async def test_server_settings_change_one_at_a_time_and_keep_64_bit_ids(store):
    fresh = await store.servers.settings(SNOWFLAKE)
    assert fresh.channel_id is None and fresh.tracked == frozenset()
    await store.servers.update(SNOWFLAKE, channel_id=SNOWFLAKE + 1, extra=(4000, 10_000))
    changed = await store.servers.update(SNOWFLAKE, role_id=SNOWFLAKE + 2, digest=True)
    assert (changed.channel_id, changed.role_id, changed.extra, changed.digest) == (
        SNOWFLAKE + 1,
        SNOWFLAKE + 2,
        (4000, 10_000),
        True,
    )
    assert (changed.trust_every, changed.national_every) == (
        fresh.trust_every,
        fresh.national_every,
    )
    assert await store.servers.track(SNOWFLAKE, "RTX")
    assert not await store.servers.track(SNOWFLAKE, "RTX")
    assert (await store.servers.settings(SNOWFLAKE)).tracked == {"RTX"}
    assert await store.servers.untrack(SNOWFLAKE, "RTX")
    assert not await store.servers.untrack(SNOWFLAKE, "RTX")


async def test_announced_thresholds_are_kept_once(store):
    async with store.transaction() as unit:
        await unit.write_alerts([_draft(passed=(1000, 2000))], release_id=1)
    async with store.transaction() as unit:
        await unit.write_alerts([_draft(key="k2", passed=(2000, 3000))], release_id=2)
    async with store.transaction() as unit:
        assert await unit.announced() == {(SNOWFLAKE, "RTX", t) for t in (1000, 2000, 3000)}


async def test_a_role_is_held_by_one_process_until_released_or_expired(store):
    first, second = Holder("a-1", "alpha", 11), Holder("b-1", "beta", 22)
    taken = await store.roles.claim("courier", first, 60_000)
    assert taken.holder == first
    assert (await store.roles.claim("courier", second, 60_000)).holder == first  # live: refused
    renewed = await store.roles.claim("courier", first, 60_000)
    assert renewed.since_ms == taken.since_ms and renewed.expires_ms >= taken.expires_ms

    await store.roles.release("courier", second)  # not theirs to release
    assert (await store.roles.claim("courier", second, 60_000)).holder == first
    await store.roles.release("courier", first)
    assert (await store.roles.claim("courier", second, 60_000)).holder == second

    await store.roles.claim("poller", first, 0)  # a lease that has already run out
    moved = await store.roles.claim("poller", second, 60_000)
    assert moved.holder == second and moved.live(await store.roles.clock_ms())
    assert [(lease.role, lease.holder.host) for lease in await store.roles.leases()] == [
        ("courier", "beta"),
        ("poller", "beta"),
    ]


async def test_polls_state_and_the_page_are_kept(store):
    poll_id = await store.polls.start()
    await store.polls.finish(poll_id, ok=True, summary={"new": 1}, error=None)
    (last,) = await store.polls.last(1)
    assert (last.ok, last.summary, last.error) == (True, {"new": 1}, None)

    assert await store.state.get("k") is None
    await store.state.set("k", "one")
    await store.state.set("k", "two")
    assert await store.state.get("k") == "two"

    page = "https://example.test/page"
    await store.source.save_page(
        page, '"e1"', None, [("https://x/a.xlsx", "A"), ("https://x/b.xlsx", "B")]
    )
    assert await store.source.page_validators(page) == ('"e1"', None)
    await store.source.record_document(
        DocumentState("https://x/a.xlsx", ReleaseStatus.INGESTED, etag='"d1"', sha256="a" * 64)
    )
    await store.source.record_document(
        DocumentState("https://x/a.xlsx", ReleaseStatus.FAILED, error="timeout"),
        keep_validators=True,
    )
    await store.source.save_page(page, '"e2"', None, [("https://x/a.xlsx", "A")])
    (doc,) = await store.source.documents()
    assert (doc.url, doc.etag, doc.sha256, doc.status, doc.error) == (
        "https://x/a.xlsx",
        '"d1"',
        "a" * 64,
        ReleaseStatus.FAILED,
        "timeout",
    )
    assert len(await store.source.documents(listed_only=False)) == 2


async def test_many_servers_settings_in_one_call_match_one_at_a_time(store):
    await store.servers.update(SNOWFLAKE, channel_id=5, extra=(4000,))
    await store.servers.track(SNOWFLAKE, "RTX")
    await store.servers.track(SNOWFLAKE, "RJ1")
    await store.servers.update(SNOWFLAKE + 1, national_every=0)
    ids = [SNOWFLAKE, SNOWFLAKE + 1, SNOWFLAKE + 2]  # the last has never been configured
    many = await store.servers.settings_of(ids + [SNOWFLAKE])
    assert list(many) == ids
    assert many == {g: await store.servers.settings(g) for g in ids}
    assert many[SNOWFLAKE].tracked == {"RTX", "RJ1"} and many[SNOWFLAKE + 2].channel_id is None
    assert await store.servers.settings_of([]) == {}


@pytest.mark.parametrize("count", [0, 1, 6, 7])
async def test_many_new_rows_go_in_whole_whatever_the_statement_size(store, monkeypatch, count):
    # SQLite writes them several to a statement: make that 3 so that 6 and 7 rows take two
    # statements, with and without a remainder. PostgreSQL copies them.
    monkeypatch.setattr("storage.engines.sqlite._MAX_ROWS_PER_INSERT", 3)
    rows = [(n, f"R{n:02d}", None if n % 2 else n * 10) for n in range(count)]
    await store.engine.execute("CREATE TABLE scratch (n BIGINT PRIMARY KEY, code TEXT, v BIGINT)")
    async with store.engine.transaction() as tx:
        await tx.insert_rows("scratch", ("n", "code", "v"), rows)
    found = await store.engine.fetch("SELECT n, code, v FROM scratch ORDER BY n")
    assert [tuple(r) for r in found] == rows
