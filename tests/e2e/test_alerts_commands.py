"""Alert and strike commands end to end, as admins and owners use them (refusals to members without
the permission are in test_permissions.py)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_alerts import TIMEOUT, alert_world
from tests.replica.site import DECEMBER_2023, OCTOBER_2023, serve


@pytest.fixture
def world(tmp_path):
    yield from alert_world(tmp_path)


def test_owner_can_poll_from_discord(world):
    w = world
    w.start_bot()
    owner = w.fake.owner_user
    w.land(OCTOBER_2023, seed=2)
    serve(w.nhs, DECEMBER_2023, shape="totals", trusts=w.trusts)
    handle = w.fake.invoke("source poll", user=owner, guild_id=w.a)
    reply = handle.wait_response(20)
    assert reply.ephemeral and "Poll done: 1 new" in reply.content
    status = w.fake.run_command("source status", user=owner, guild_id=w.a, timeout=TIMEOUT)
    assert "Next poll:" in status.content and "ok: 1 new" in status.content
    pid = w.bots[0].process.pid
    for role in ("poller", "courier", "shard:0/1"):  # one process holds every role, since start
        assert re.search(rf"- {re.escape(role)}: \S+ pid {pid} since \d{{4}}-", status.content), (
            status
        )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"trust_every": -5}, "trust_every must be between 0"),
        ({"national_every": 10**12}, "national_every must be between 0"),
        ({"extra": "lots, 4000"}, "is not a whole number"),
        ({"extra": "-4000"}, "is not a whole number"),
    ],
)
def test_silly_thresholds_change_nothing(world, options, message):
    w = world
    w.start_bot()
    reply = w.admin("alerts milestones", options, w.a)
    assert reply.content.startswith("Nothing changed: ") and message in reply.content
    status = w.status(w.a)
    assert (
        "**Trust milestones:** every 1,000" in status
        and "**England milestones:** every 100,000" in status
    )


def test_announcing_a_strike_that_ends_before_it_starts_is_refused(world):
    w = world
    w.start_bot()
    reply = w.admin(
        "strikes announce",
        {"start": "2030-03-10", "end": "2030-03-05", "staff_group": "nurses"},
        w.a,
    )
    assert "ends (5 Mar 2030) before it starts (10 Mar 2030)" in reply.content
    reply = w.admin(
        "strikes announce",
        {"start": "2030-03-10", "end": "2030-03-12", "staff_group": "nurses", "union": "RCN"},
        w.a,
    )
    assert "Added nurses strike 10-12 Mar 2030" in reply.content
    listing = w.fake.run_command(
        "strikes list", {"when": "upcoming"}, guild_id=w.a, timeout=TIMEOUT
    )
    assert "10-12 Mar 2030** (announced here)" in listing.embeds[0]["description"]
    other = w.fake.run_command("strikes list", {"when": "upcoming"}, guild_id=w.b, timeout=TIMEOUT)
    assert "announced here" not in other.embeds[0]["description"]


def test_alerts_test_posts_a_sample(world):
    w = world
    w.start_bot()
    channel_a = w.fake.channel_id("strikes", w.a)
    assert "Set a channel first" in w.admin("alerts test", guild=w.a).content
    w.admin("alerts channel", {"channel": channel_a}, w.a)
    w.admin("alerts test", guild=w.a)
    assert "This is a test alert" in w.wait_messages(channel_a, 1)[0]


def test_alerts_channel_says_which_permission_is_missing(world):
    w = world
    w.start_bot()
    channel = w.fake.channel_id("general", w.a)
    w.fake.deny_send(channel, notify=True)
    reply = w.admin("alerts channel", {"channel": channel}, w.a)
    assert f"Strikewatch is missing Send Messages in <#{channel}>" in reply.content
    assert "**Channel:** not set" in w.status(w.a)
