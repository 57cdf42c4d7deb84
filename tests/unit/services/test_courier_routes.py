"""The courier and routes, against a real store: where each alert goes, a deleted subject channel
falling back to the server's, and publishing what was posted in an announcement channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.alerts import AlertKind, ChannelKind, Destination, Draft
from bot.services.courier import CHANNEL_DELETED, Courier, Delivered, DeliveryFailure

pytestmark = pytest.mark.both_backends

GUILD, SERVER_CHANNEL, OWN, NEWS = 1, 10, 20, 30


class Discord:
    """Plays Discord for the courier: channels that exist, messages, publishes."""

    def __init__(self, deleted: set[int] = frozenset(), publish: list[str] | None = None) -> None:
        self.deleted = set(deleted)
        self.posted: list[tuple[int, int]] = []  # (alert id, channel)
        self.published: list[int] = []
        self.publish_script = list(publish or [])

    async def send(self, alert, settings) -> Delivered:
        target = settings.destination(alert.route)
        if target.channel_id in self.deleted:
            raise DeliveryFailure(
                "channel deleted", retry=False, channel_id=target.channel_id, cause=CHANNEL_DELETED
            )
        self.posted.append((alert.id, target.channel_id))
        return Delivered(
            target.channel_id, 1000 + alert.id, publish=target.kind == ChannelKind.ANNOUNCEMENT
        )

    async def publish(self, item) -> None:
        outcome = self.publish_script.pop(0) if self.publish_script else "ok"
        if outcome == "limit":
            raise DeliveryFailure("waiting for Discord's limit", retry=True)
        if outcome == "forbidden":
            raise DeliveryFailure("not published: missing Send Messages in #news", retry=False)
        self.published.append(item.message_id)


async def _alert(store, subject: str, route: str, key: str = "1000") -> int:
    await store.outbox.add(Draft(GUILD, AlertKind.TRUST_MILESTONE, subject, key, "x", route=route))
    return max(a.id for a in await store.outbox.of_server(GUILD))


async def test_each_alert_goes_to_its_subjects_channel_or_the_servers(store):
    await store.servers.update(GUILD, channel_id=SERVER_CHANNEL)
    await store.servers.track(GUILD, "RTX", Destination(OWN))
    await store.servers.track(GUILD, "R0A")
    rtx = await _alert(store, "RTX", "RTX")
    r0a = await _alert(store, "R0A", "R0A")
    england = await _alert(store, "ENGLAND", "")
    discord = Discord()
    report = await Courier(store, discord.send).deliver_due()
    assert report.sent == 3
    assert sorted(discord.posted) == [(rtx, OWN), (r0a, SERVER_CHANNEL), (england, SERVER_CHANNEL)]
    channels = {a.id: a.channel_id for a in await store.outbox.of_server(GUILD)}
    assert channels == {rtx: OWN, r0a: SERVER_CHANNEL, england: SERVER_CHANNEL}


async def test_a_deleted_subject_channel_falls_back_to_the_server_channel_at_once(store):
    await store.servers.update(GUILD, channel_id=SERVER_CHANNEL)
    await store.servers.track(GUILD, "RTX", Destination(OWN))
    rtx = await _alert(store, "RTX", "RTX")
    discord = Discord(deleted={OWN})
    courier = Courier(store, discord.send)
    first = await courier.deliver_due()
    assert (first.rerouted, first.sent, first.failed) == (1, 0, 0)
    assert (await store.servers.settings(GUILD)).channels["RTX"].gone
    second = await courier.deliver_due()  # the next pass, a second later
    assert second.sent == 1 and discord.posted == [(rtx, SERVER_CHANNEL)]
    # Later alerts of the subject go straight to the server's channel.
    later = await _alert(store, "RTX", "RTX", key="2000")
    await courier.deliver_due()
    assert discord.posted[-1] == (later, SERVER_CHANNEL)


async def test_a_deleted_server_channel_is_a_failure_not_a_loop(store):
    await store.servers.update(GUILD, channel_id=SERVER_CHANNEL)
    await store.servers.track(GUILD, "RTX", Destination(OWN, gone=False))
    await store.servers.channel_gone(GUILD, "RTX", OWN)
    await _alert(store, "RTX", "RTX")
    report = await Courier(store, Discord(deleted={SERVER_CHANNEL}).send).deliver_due()
    assert (report.rerouted, report.failed) == (0, 1)
    (alert,) = await store.outbox.of_server(GUILD)
    assert (alert.status, alert.error) == ("failed", "channel deleted")


async def test_an_alert_in_an_announcement_channel_is_published_once(store):
    await store.servers.update(GUILD, channel_id=SERVER_CHANNEL)
    await store.servers.track(GUILD, "RTX", Destination(NEWS, ChannelKind.ANNOUNCEMENT))
    rtx = await _alert(store, "RTX", "RTX")
    await _alert(store, "ENGLAND", "")
    discord = Discord()
    courier = Courier(store, discord.send, publish=discord.publish)
    report = await courier.deliver_due()
    assert (report.sent, report.published) == (2, 1)
    assert discord.published == [1000 + rtx]
    assert (await courier.deliver_due()).published == 0
    (done,) = await store.crossposts.of_server(GUILD)
    assert (done.alert_id, done.status) == (rtx, "published")


async def test_a_channel_at_its_publish_limit_waits_and_others_go_on(store):
    await store.servers.update(GUILD, channel_id=NEWS, channel_kind=ChannelKind.ANNOUNCEMENT)
    first = await _alert(store, "ENGLAND", "", key="1")
    second = await _alert(store, "ENGLAND", "", key="2")
    discord = Discord(publish=["ok", "limit"])
    courier = Courier(store, discord.send, publish=discord.publish, publish_backoff=60)
    report = await courier.deliver_due()
    assert (report.sent, report.published, report.publish_retried) == (2, 1, 1)
    assert discord.published == [1000 + first]
    assert await store.crossposts.due() == []  # waits a minute before trying again
    await store.engine.execute(
        "UPDATE crossposts SET next_attempt_at = ? WHERE status = 'pending'",
        ((datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds"),),
    )
    assert (await courier.deliver_due()).published == 1
    assert discord.published == [1000 + first, 1000 + second]
    assert len(discord.posted) == 2  # published later, never posted again


async def test_a_publish_that_cannot_succeed_is_recorded_and_not_retried(store):
    await store.servers.update(GUILD, channel_id=NEWS, channel_kind=ChannelKind.ANNOUNCEMENT)
    alert = await _alert(store, "ENGLAND", "")
    discord = Discord(publish=["forbidden"])
    courier = Courier(store, discord.send, publish=discord.publish)
    assert (await courier.deliver_due()).publish_failed == 1
    assert (await courier.deliver_due()).publish_failed == 0
    (failed,) = await store.crossposts.of_server(GUILD)
    assert (failed.alert_id, failed.status) == (alert, "failed")
    assert failed.error == "not published: missing Send Messages in #news"
    (sent,) = await store.outbox.of_server(GUILD)
    assert sent.status == "sent"  # the alert itself was delivered
