"""The courier against a real store: retries, permanent failures, isolation between servers."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.alerts import Draft
from bot.services.courier import Courier, Delivered, DeliveryFailure

pytestmark = pytest.mark.both_backends


class ScriptedSender:
    """Plays Discord: answers per guild from a script of outcomes, then succeeds."""

    def __init__(self, script: dict[int, list[str]]) -> None:
        self.script = script
        self.calls: list[int] = []
        self.delivered: list[int] = []

    async def __call__(self, alert, settings) -> Delivered:
        self.calls.append(alert.id)
        await asyncio.sleep(0)
        outcome = (
            self.script.get(alert.guild_id, []).pop(0) if self.script.get(alert.guild_id) else "ok"
        )
        if outcome == "500":
            raise DeliveryFailure("Discord answered 500", retry=True)
        if outcome == "deleted":
            raise DeliveryFailure("channel deleted", retry=False)
        self.delivered.append(alert.id)
        return Delivered(settings.channel_id, 1000 + alert.id)


async def _make_due_now(store) -> None:
    await store.engine.execute(
        "UPDATE alerts SET next_attempt_at = '2000-01-01T00:00:00+00:00' WHERE status = 'pending'"
    )


async def _alert(store, guild: int, key: str = "1") -> None:
    await store.outbox.add(
        Draft(guild, "national_milestone", "ENGLAND", key, f"England passes {key}")
    )


async def test_a_discord_outage_is_retried_with_backoff_and_delivered_once(store):
    await store.servers.update(1, channel_id=10)
    await _alert(store, 1)
    sender = ScriptedSender({1: ["500", "500"]})
    courier = Courier(store, sender, backoff=60)
    for _ in range(2):
        report = await courier.deliver_due()
        assert report.retried == 1 and report.sent == 0
        (alert,) = await store.outbox.of_server(1)
        assert alert.status == "pending" and alert.error == "Discord answered 500"
        assert await store.outbox.due() == []  # backing off: not due again yet
        await _make_due_now(store)
    report = await courier.deliver_due()
    assert report.sent == 1
    assert (await courier.deliver_due()).sent == 0
    (alert,) = await store.outbox.of_server(1)
    assert alert.status == "sent" and alert.attempts == 3
    assert sender.delivered == [alert.id]


async def test_a_dead_channel_fails_visibly_and_other_servers_are_served(store):
    for guild in (1, 2, 3):
        await store.servers.update(guild, channel_id=guild * 10)
        await _alert(store, guild)
    await _alert(store, 4)  # no channel set
    report = await Courier(store, ScriptedSender({2: ["deleted"]})).deliver_due()
    assert (report.sent, report.failed) == (2, 2)
    assert (await store.outbox.of_server(2))[0].error == "channel deleted"
    assert (await store.outbox.of_server(4))[0].error == "no alert channel set: use /alerts channel"
    # Setting a channel again gives the failed alert another chance.
    await store.servers.update(2, channel_id=21)
    assert (await Courier(store, ScriptedSender({})).deliver_due()).sent == 1


async def test_overlapping_passes_never_send_twice(store):
    await store.servers.update(1, channel_id=10)
    for key in range(20):
        await _alert(store, 1, str(key))
    sender = ScriptedSender({})
    courier = Courier(store, sender)
    await asyncio.gather(courier.deliver_due(), courier.deliver_due(), courier.deliver_due())
    assert sorted(sender.calls) == sorted(set(sender.calls)) and len(sender.calls) == 20


async def test_a_sender_bug_does_not_stop_other_alerts(store):
    await store.servers.update(1, channel_id=10)
    await store.servers.update(2, channel_id=20)
    await _alert(store, 1)
    await _alert(store, 2)

    async def flaky(alert, settings):
        if alert.guild_id == 1:
            raise RuntimeError("bug")
        return Delivered(settings.channel_id, 1)

    report = await Courier(store, flaky).deliver_due()
    assert (report.sent, report.retried) == (1, 1)
    assert (await store.outbox.of_server(1))[0].status == "pending"
