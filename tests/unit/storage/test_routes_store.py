"""The storage contract of routes: followed regions, subject channels, alert routes and crossposts.

Every test runs on SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.alerts import (
    SERVER_ROUTE,
    AlertKind,
    AlertSettings,
    ChannelKind,
    CrosspostStatus,
    Destination,
    Draft,
)
from bot.domain.records import NewRelease, ReleaseStatus, StaffAbsentRow, TrustDay, Workforce
from bot.domain.regions import region_subject
from bot.domain.releases import record_release

pytestmark = pytest.mark.both_backends

GUILD = 1_180_000_000_000_000_001  # Discord ids need 64 bits
CHANNEL, THREAD, NEWS = GUILD + 1, GUILD + 2, GUILD + 3
NORTH_WEST = region_subject("North West")


async def test_defaults_are_the_domains_and_new_settings_are_kept(store):
    assert await store.servers.settings(GUILD) == AlertSettings(GUILD)
    await store.servers.update(GUILD, channel_id=CHANNEL)
    fresh = await store.servers.settings(GUILD)
    assert (fresh.region_every, fresh.charts, fresh.channel_kind) == (10_000, True, "text")
    await store.servers.update(
        GUILD, channel_id=NEWS, channel_kind=ChannelKind.ANNOUNCEMENT, region_every=0, charts=False
    )
    changed = await store.servers.settings(GUILD)
    assert changed.server_destination == Destination(NEWS, ChannelKind.ANNOUNCEMENT)
    assert (changed.region_every, changed.charts) == (0, False)


async def test_subjects_and_their_channels_are_kept_per_server(store):
    assert await store.servers.track(GUILD, "RTX", Destination(NEWS, ChannelKind.ANNOUNCEMENT))
    assert await store.servers.follow(GUILD, "North West", Destination(THREAD, ChannelKind.THREAD))
    assert await store.servers.follow(GUILD, "London")
    assert not await store.servers.follow(GUILD, "London")  # followed already
    await store.servers.track(7, "R1H")
    settings = await store.servers.settings(GUILD)
    assert settings.tracked == {"RTX"}
    assert settings.regions == {"North West", "London"}
    assert settings.channels == {
        "RTX": Destination(NEWS, ChannelKind.ANNOUNCEMENT),
        NORTH_WEST: Destination(THREAD, ChannelKind.THREAD),
    }
    other = (await store.servers.settings_of([GUILD, 7]))[7]
    assert (other.tracked, other.regions, other.channels) == ({"R1H"}, frozenset(), {})


async def test_following_again_without_a_channel_uses_the_server_channel_again(store):
    await store.servers.track(GUILD, "RTX", Destination(NEWS))
    assert not await store.servers.track(GUILD, "RTX")
    assert (await store.servers.settings(GUILD)).channels == {}
    await store.servers.follow(GUILD, "North West", Destination(THREAD))
    assert await store.servers.unfollow(GUILD, "North West")
    assert not await store.servers.unfollow(GUILD, "North West")
    await store.servers.track(GUILD, "RJ1", Destination(CHANNEL))
    assert await store.servers.untrack(GUILD, "RJ1")
    settings = await store.servers.settings(GUILD)
    assert (settings.tracked, settings.regions, settings.channels) == ({"RTX"}, frozenset(), {})


async def test_a_deleted_subject_channel_is_marked_gone_until_a_new_one_is_set(store):
    await store.servers.update(GUILD, channel_id=CHANNEL)
    await store.servers.track(GUILD, "RTX", Destination(NEWS))
    assert not await store.servers.channel_gone(GUILD, "RTX", THREAD)  # not its channel
    assert await store.servers.channel_gone(GUILD, "RTX", NEWS)
    assert not await store.servers.channel_gone(GUILD, "RTX", NEWS)  # marked already
    settings = await store.servers.settings(GUILD)
    assert settings.channels["RTX"] == Destination(NEWS, gone=True)
    assert settings.destination("RTX") == Destination(CHANNEL)
    # A failed alert gets another chance when the subject gets a new channel.
    await store.outbox.add(Draft(GUILD, AlertKind.TRUST_MILESTONE, "RTX", "1000", "x", route="RTX"))
    (alert,) = await store.outbox.due()
    await store.outbox.failed(alert.id, "missing Send Messages in #x", NEWS)
    await store.servers.track(GUILD, "RTX", Destination(THREAD, ChannelKind.THREAD))
    assert (await store.servers.settings(GUILD)).destination("RTX") == Destination(
        THREAD, ChannelKind.THREAD
    )
    assert [(a.id, a.status, a.route) for a in await store.outbox.due()] == [
        (alert.id, "pending", "RTX")
    ]


async def test_an_announcement_channels_alert_is_queued_to_publish_once(store):
    await store.outbox.add(Draft(GUILD, AlertKind.NATIONAL_MILESTONE, "ENGLAND", "1", "x"))
    (alert,) = await store.outbox.due()
    assert alert.route == SERVER_ROUTE
    await store.outbox.sent(alert.id, NEWS, GUILD + 9, publish=True)
    await store.outbox.sent(alert.id, NEWS, GUILD + 9, publish=True)  # a resend's bookkeeping
    (queued,) = await store.crossposts.due()
    assert (queued.alert_id, queued.guild_id, queued.channel_id, queued.message_id) == (
        alert.id,
        GUILD,
        NEWS,
        GUILD + 9,
    )
    await store.crossposts.retry(alert.id, "rate limited", datetime.now(UTC) + timedelta(hours=1))
    assert await store.crossposts.due() == []
    (waiting,) = await store.crossposts.of_server(GUILD, status=CrosspostStatus.PENDING)
    assert (waiting.attempts, waiting.error) == (1, "rate limited")
    await store.crossposts.published(alert.id)
    (done,) = await store.crossposts.of_server(GUILD)
    assert (done.status, done.attempts, done.error) == ("published", 2, None)


async def test_an_alert_sent_elsewhere_is_not_queued_to_publish(store):
    await store.outbox.add(Draft(GUILD, AlertKind.NATIONAL_MILESTONE, "ENGLAND", "1", "x"))
    (alert,) = await store.outbox.due()
    await store.outbox.sent(alert.id, CHANNEL, GUILD + 9)
    assert await store.crossposts.due() == [] and await store.crossposts.of_server(GUILD) == []
    await store.outbox.add(Draft(GUILD, AlertKind.NATIONAL_MILESTONE, "ENGLAND", "2", "y"))
    (other,) = await store.outbox.due()
    await store.outbox.sent(other.id, NEWS, GUILD + 10, publish=True)
    await store.crossposts.failed(other.id, "missing Manage Messages in #news")
    (failed,) = await store.crossposts.of_server(GUILD, status=CrosspostStatus.FAILED)
    assert failed.error == "missing Manage Messages in #news"
    assert await store.crossposts.due() == []


# -- alerts of followed regions, decided in the release's transaction -----------------------------


async def _release(
    store, n: int, figures: dict[str, int], *, period_index: int, workforce=None, staff_absent=()
):
    period = (await store.calendar.periods())[period_index]
    return await record_release(
        store,
        NewRelease(
            url=f"https://nhs.example/r{n}.xlsx",
            published=period.end + timedelta(days=4 + n),
            sha256=f"{n:064x}",
            status=ReleaseStatus.INGESTED,
            period_id=period.id,
        ),
        figures=[TrustDay(code, period.start, total, 0) for code, total in figures.items()],
        workforce=workforce,
        staff_absent=staff_absent,
    )


def _told(alerts) -> list[tuple[str, str, str, str]]:
    return [(a.kind, a.subject, a.key, a.route) for a in sorted(alerts, key=lambda a: a.id)]


async def test_a_followed_region_is_told_its_trusts_and_its_own_milestones_on_its_route(store):
    # RTX and R0A are North West trusts in the shipped directory, R1H a London one.
    await store.servers.update(GUILD, channel_id=CHANNEL, national_every=0, digest=True)
    await store.servers.follow(GUILD, "North West", Destination(THREAD, ChannelKind.THREAD))
    await store.servers.track(GUILD, "RTX", Destination(NEWS, ChannelKind.ANNOUNCEMENT))
    await _release(store, 1, {"RTX": 4_500, "R0A": 900, "R1H": 50_000}, period_index=1)
    first = await store.outbox.of_server(GUILD)
    assert _told(first) == [
        ("trust_milestone", "RTX", "4000", "RTX"),
        ("digest", "1", "release", SERVER_ROUTE),
        ("region_digest", NORTH_WEST, "1", NORTH_WEST),
    ]
    # The region 5,400 -> 10,100 passes 10,000; R0A 900 -> 5,000 passes up to 5,000 (one alert),
    # RTX 4,500 -> 5,100 passes 5,000: each told once, on its route.
    await _release(store, 2, {"RTX": 600, "R0A": 4_100, "R1H": 1}, period_index=2)
    new = [a for a in await store.outbox.of_server(GUILD) if a not in first]
    assert _told(new) == [
        ("trust_milestone", "R0A", "5000", NORTH_WEST),
        ("trust_milestone", "RTX", "5000", "RTX"),
        ("region_milestone", NORTH_WEST, "10000", NORTH_WEST),
        ("digest", "2", "release", SERVER_ROUTE),
        ("region_digest", NORTH_WEST, "2", NORTH_WEST),
    ]
    region = next(a for a in new if a.kind == AlertKind.REGION_MILESTONE)
    assert "**North West passes 10,000**" in region.body
    assert "(10,100 since December 2022; 4,700 in the" in region.body
    digest = next(a for a in new if a.kind == AlertKind.REGION_DIGEST)
    assert "- North West: 4,700 in this strike; 10,100 since December 2022" in digest.body
    assert "1. Manchester University NHS Foundation Trust (R0A): 4,100" in digest.body
    assert "R1H" not in digest.body


async def test_a_regional_digest_names_the_regions_own_peak_of_staff_absent(store):
    # RTX and R0A are North West trusts, R1H a London one; R0A made no return on the first day.
    await store.servers.update(GUILD, channel_id=CHANNEL, national_every=0, trust_every=0)
    await store.servers.follow(GUILD, "North West")
    await store.servers.update(GUILD, digest=True)
    period = (await store.calendar.periods())[1]
    first, second = period.start, period.start + timedelta(days=1)
    rows = [
        StaffAbsentRow(0, "RTX", first, 40),
        StaffAbsentRow(0, "R0A", first, None),
        StaffAbsentRow(0, "R1H", first, 900),
        StaffAbsentRow(0, "RTX", second, 30),
        StaffAbsentRow(0, "R0A", second, 25),
        StaffAbsentRow(0, "R1H", second, 100),
    ]
    part = Workforce(True, "read", days=((first, None), (second, None)))
    await _release(store, 1, {"RTX": 604}, period_index=1, workforce=part, staff_absent=rows)
    (digest,) = [a for a in await store.outbox.of_server(GUILD) if a.kind == "region_digest"]
    lines = digest.body.splitlines()
    # North West: 40 on the first day (R0A not reported is not 0), 55 on the second.
    assert f"- North West: 55 staff absent at the peak ({second.day} {second:%b %Y})" in lines
    assert f"- England: 940 staff absent at the peak ({first.day} {first:%b %Y})" in lines


async def test_a_region_revised_down_and_up_is_not_told_again(store):
    await store.servers.update(GUILD, channel_id=CHANNEL, national_every=0, trust_every=0)
    await store.servers.follow(GUILD, "North West")
    await _release(store, 1, {"RTX": 10_500}, period_index=1)
    await _release(store, 2, {"RTX": 1}, period_index=1)  # revised down: 1
    await _release(store, 3, {"RTX": 10_800}, period_index=1)  # and up: 10,000 is not news
    assert _told(await store.outbox.of_server(GUILD)) == [
        ("region_milestone", NORTH_WEST, "10000", NORTH_WEST)
    ]


async def test_a_server_with_only_a_subject_channel_hears_about_that_subject(store):
    await store.servers.track(GUILD, "RTX", Destination(NEWS, ChannelKind.ANNOUNCEMENT))
    await store.servers.track(GUILD, "R0A")  # no channel of its own, and no server channel
    await store.servers.track(7, "RTX")  # nowhere to post at all
    await _release(store, 1, {"RTX": 1_500, "R0A": 1_500}, period_index=1)
    assert _told(await store.outbox.of_server(GUILD)) == [("trust_milestone", "RTX", "1000", "RTX")]
    assert await store.outbox.of_server(7) == []
