"""Alerts routed where each server wants them, end to end: a followed region into one channel, a
tracked trust into an announcement channel (published once) or a thread, each alert once, in the
right place, with its chart; a deleted channel falling back; bad channels refused with one line.

The figures are the replica's seeded ones (tests/e2e/test_alerts.py). Between September 2023
(seed 1) and October 2023 (seed 2) the North West's eight sampled trusts go:
RTX 3,074 -> 5,611 (passes 5,000), R0A 2,421 -> 4,963 (4,000), RBL 3,007 -> 6,050 (6,000),
RBN 3,407 -> 6,633 (6,000), RBQ 2,957 -> 5,583 (5,000), RBS 3,658 -> 7,617 (7,000),
RBT 5,175 -> 9,641 (9,000), RBV 3,237 -> 5,549 (5,000); the region 26,936 -> 51,647 (passes
30,000, 40,000 and 50,000: one alert naming 50,000); England 102,123 -> 188,212.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

import pytest

from tests.e2e.test_alerts import DELIVERY, MORECAMBE, World, alert_world
from tests.fakediscord import (
    ATTACH_FILES,
    OVERWRITE_MEMBER,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    make_announcement_channel,
    make_overwrite,
    make_text_channel,
)
from tests.fakediscord import fixtures as fx
from tests.processes import wait_until
from tests.replica.site import OCTOBER_2023

NORTH_WEST_TRUSTS = {  # trust -> the threshold its alert names
    "R0A": "4000",
    "RBL": "6000",
    "RBN": "6000",
    "RBQ": "5000",
    "RBS": "7000",
    "RBT": "9000",
    "RBV": "5000",
}


@pytest.fixture
def world(tmp_path):
    yield from alert_world(tmp_path)


def add_channel(w: World, guild: int, channel: dict) -> int:
    return w.fake.add_channel(channel, guild_id=guild)


def routes(w: World, guild: int) -> list[tuple]:
    """The server's settings rows that routing keeps: nothing may change on a refused command."""
    with closing(sqlite3.connect(w.env["DATABASE_URL"].removeprefix("sqlite:///"))) as db:
        return [
            db.execute(f"SELECT * FROM {table} WHERE guild_id = ? ORDER BY 2", (guild,)).fetchall()
            for table in (
                "guild_settings",
                "tracked_trusts",
                "followed_regions",
                "subject_channels",
            )
        ]


def crossposted(w: World) -> bool:
    with closing(w.db()) as db:
        rows = db.execute("SELECT status FROM crossposts").fetchall()
    return bool(rows) and all(status != "pending" for (status,) in rows)


def test_a_region_and_a_trust_in_their_own_channels_get_each_alert_once_with_its_chart(world):
    w = world
    w.start_bot()
    fake = w.fake
    strikes = fake.channel_id("strikes", w.a)
    north_west = add_channel(w, w.a, make_text_channel(name="north-west"))
    morecambe = add_channel(w, w.a, make_announcement_channel(name="morecambe-bay"))
    alerts_b = fake.channel_id("alerts", w.b)
    thread_b = fake.add_thread(alerts_b, "morecambe-thread")

    assert "posted in" in w.admin("alerts channel", {"channel": strikes}, w.a).content
    w.admin("alerts milestones", {"national_every": 50_000}, w.a)
    w.admin("alerts digest", {"state": "on"}, w.a)
    reply = w.admin("track region", {"region": "north west", "channel": north_west}, w.a).content
    assert reply.startswith("Now following North West (24 trusts)") and f"<#{north_west}>" in reply
    reply = w.admin("track add", {"trust": "RTX", "channel": morecambe}, w.a).content
    assert f"Now tracking {MORECAMBE}" in reply
    assert f"<#{morecambe}> (announcement channel)" in reply
    w.admin("alerts channel", {"channel": alerts_b}, w.b)
    reply = w.admin("track add", {"trust": "Morecambe Bay", "channel": thread_b}, w.b).content
    assert f"Its alerts go to <#{thread_b}>." in reply
    listing = w.admin("track list", guild=w.a).content
    assert f"(RTX) → <#{morecambe}> (announcement channel)" in listing
    assert f"- North West (24 trusts) → <#{north_west}>" in listing

    w.land(OCTOBER_2023, seed=2)
    outbox = w.settled()
    assert {r.status for r in outbox} == {"sent"}
    wait_until(lambda: crossposted(w), "the announcement to be published", DELIVERY)

    # A: RTX once, in its own (announcement) channel, and not again in the region's.
    (rtx,) = fake.channel_messages(morecambe)
    assert rtx.content.startswith(f"**{MORECAMBE}** has now passed **5,000**")
    # The region's channel: its seven other trusts, its own milestone and its digest.
    in_region = fake.channel_messages(north_west)
    told = sorted(
        m.groups()
        for r in in_region
        if (m := re.search(r"^\*\*(.+?)\*\* has now passed \*\*([\d,]+)\*\*", r.content))
    )
    names = {code: w.trusts[code][0] for code in NORTH_WEST_TRUSTS}
    assert told == sorted((names[code], f"{int(key):,}") for code, key in NORTH_WEST_TRUSTS.items())
    assert not any("Morecambe" in r.content and "has now passed" in r.content for r in in_region)
    (region,) = [r for r in in_region if "**North West passes" in r.content]
    assert region.content.startswith("**North West passes 50,000** appointments and operations")
    assert "(51,647 since December 2022; 24,711 in the 2-5 Oct 2023 strikes)" in region.content
    (digest,) = [r for r in in_region if "New NHS England figures" in r.content]
    assert "- North West: 24,711 in this strike; 51,647 since December 2022" in digest.content
    assert digest.content.splitlines()[2].startswith("1. ") and "(RBT): 4,466" in digest.content
    assert len(in_region) == len(NORTH_WEST_TRUSTS) + 2
    # The server's own channel: England (its 50,000 step) and the tracked trusts' digest.
    in_strikes = fake.channel_messages(strikes)
    (england,) = [m for m in in_strikes if "**England passes 150,000**" in m.content]
    (tracked,) = [m for m in in_strikes if "(RTX): 2,537; 5,611 since December 2022" in m.content]
    assert len(in_strikes) == 2
    # B: RTX in its thread, nothing in its channel (England's 100,000 step is not reached).
    (rtx_b,) = fake.channel_messages(thread_b)
    assert "has now passed **5,000**" in rtx_b.content
    assert fake.channel_messages(alerts_b) == []

    # Once each: every sent row is one message, in the channel its route leads to.
    for guild, channels in ((w.a, (strikes, north_west, morecambe)), (w.b, (thread_b,))):
        posted = [
            re.sub(r"^<@&\d+> ", "", m.content) for c in channels for m in fake.channel_messages(c)
        ]
        assert sorted(posted) == sorted(r.body for r in w.outbox(guild))

    # Milestones carry their subject's chart, with alt text; digests carry none.
    milestones = [rtx, rtx_b, region, england] + [
        r for r in in_region if "has now passed" in r.content
    ]
    for message in milestones:
        (chart,) = message.files
        assert chart.is_png and chart.size > 10_000
        (meta,) = message.message["attachments"]
        assert meta["description"].startswith("Chart of appointments and operations rescheduled")
    assert rtx.files[0].filename == "strikewatch-RTX.png"
    assert region.files[0].filename == "strikewatch-north-west.png"
    assert "Milestones passed:" in region.message["attachments"][0]["description"]
    assert digest.files == [] and tracked.files == []

    # The announcement channel's alert was published, once (asked once), and nothing else was.
    assert [(c.channel_id, c.message_id) for c in fake.crossposts] == [(morecambe, rtx.id)]
    assert len(fake.requests_matching("POST", r"/crosspost$")) == 1
    assert "**Failed deliveries:** none" in w.status(w.a)

    # A restart and another pass publish nothing again.
    assert w.bots[-1].stop() == 0
    w.start_bot()
    w.admin("alerts test", guild=w.a)
    w.settled(w.a)
    assert len(fake.crossposts) == 1
    assert len(fake.requests_matching("POST", r"/crosspost$")) == 1


def test_a_deleted_subject_channel_falls_back_to_the_alert_channel_and_status_says_so(world):
    w = world
    w.start_bot()
    fake = w.fake
    strikes = fake.channel_id("strikes", w.a)
    morecambe = add_channel(w, w.a, make_text_channel(name="morecambe-bay"))
    w.admin("alerts channel", {"channel": strikes}, w.a)
    w.admin("alerts milestones", {"national_every": 0}, w.a)
    w.admin("alerts charts", {"state": "off"}, w.a)
    w.admin("track add", {"trust": "RTX", "channel": morecambe}, w.a)
    fake.delete_channel(morecambe)  # the bot missed CHANNEL_DELETE: it learns when it posts

    w.land(OCTOBER_2023, seed=2)
    (row,) = w.settled(w.a)
    assert row.status == "sent" and row.kind == "trust_milestone"
    (message,) = fake.channel_messages(strikes)
    assert message.content == row.body and message.files == []  # charts are off
    status = w.status(w.a)
    assert (
        f"- RTX: its channel <#{morecambe}> was deleted; its alerts go to the alert channel"
        in status
    )
    assert "**Failed deliveries:** none" in status
    listing = w.admin("track list", guild=w.a).content
    assert "(RTX) → the alert channel (its own channel was deleted)" in listing


def test_missing_permissions_are_named_when_set_and_shown_when_taken_away(world):
    w = world
    w.start_bot()
    fake = w.fake
    bot_id = fake.bot_user["id"]
    strikes = fake.channel_id("strikes", w.a)
    no_files = add_channel(
        w,
        w.a,
        make_text_channel(
            name="no-files",
            overwrites=[make_overwrite(bot_id, deny=ATTACH_FILES, type=OVERWRITE_MEMBER)],
        ),
    )
    thread = fake.add_thread(strikes, "quiet-thread")
    w.admin("alerts channel", {"channel": strikes}, w.a)

    reply = w.admin("track region", {"region": "London", "channel": no_files}, w.a).content
    assert reply.startswith(f"Strikewatch is missing Attach Files in <#{no_files}>")
    assert "/alerts charts off" in reply
    w.admin("alerts charts", {"state": "off"}, w.a)
    assert (
        "Now following London"
        in w.admin("track region", {"region": "London", "channel": no_files}, w.a).content
    )

    deny = fx.SEND_MESSAGES_IN_THREADS
    fake.set_overwrites(strikes, [make_overwrite(bot_id, deny=deny, type=OVERWRITE_MEMBER)])
    reply = w.admin("track add", {"trust": "RTX", "channel": thread}, w.a).content
    assert reply == (
        f"Strikewatch is missing Send Messages in Threads in <#{thread}>: grant it, then try"
        " again. Nothing changed."
    )
    fake.set_overwrites(strikes, [])
    w.admin("track add", {"trust": "RTX", "channel": thread}, w.a)
    assert "**Channel checks:** all good" in w.status(w.a)

    # Taken away later: the status names what is missing where.
    fake.deny_send(no_files, notify=True)
    fake.set_overwrites(strikes, [make_overwrite(bot_id, deny=deny, type=OVERWRITE_MEMBER)])
    status = w.status(w.a)
    assert f"- London: <#{no_files}> missing Send Messages: alerts there fail" in status
    assert f"- RTX: <#{thread}> missing Send Messages in Threads: alerts there fail" in status
    # Turning charts on says where they cannot be attached.
    no_attach = make_overwrite(bot_id, deny=ATTACH_FILES, type=OVERWRITE_MEMBER)
    fake.set_overwrites(no_files, [no_attach])
    fake.set_overwrites(strikes, [])
    reply = w.admin("alerts charts", {"state": "on"}, w.a).content
    assert reply == (
        f"Charts on milestone alerts are on. Strikewatch is missing Attach Files in <#{no_files}>:"
        " alerts there go without their chart until it is granted."
    )
    assert f"- London: <#{no_files}> missing Attach Files: alerts there go without" in w.status(w.a)


def test_bad_channels_and_regions_get_one_line_and_change_nothing(world):
    w = world
    w.start_bot()
    fake = w.fake
    strikes = fake.channel_id("strikes", w.a)
    w.admin("alerts channel", {"channel": strikes}, w.a)
    w.admin("track add", {"trust": "RTX"}, w.a)
    voice = add_channel(w, w.a, fx.make_voice_channel(name="Voice"))
    category = add_channel(w, w.a, make_text_channel(name="Strike news", type=fx.GUILD_CATEGORY))
    hidden = add_channel(
        w,
        w.a,
        make_text_channel(
            name="hidden",
            overwrites=[
                make_overwrite(fake.bot_user["id"], deny=VIEW_CHANNEL, type=OVERWRITE_MEMBER)
            ],
        ),
    )
    deleted = fake.add_thread(strikes, "old-thread")
    fake.delete_channel(deleted, notify=True)
    elsewhere = fake.channel_id("alerts", w.b)  # another server's channel, from a modified client
    locked = fake.add_thread(strikes, "locked-thread")
    fake.archive_thread(locked, locked=True)
    before = routes(w, w.a)

    cases = [
        ("alerts channel", {"channel": voice}, "That is a voice channel: alerts go to a text"),
        ("track add", {"trust": "RTX", "channel": category}, "That is a category: alerts go to"),
        (
            "alerts channel",
            {"channel": hidden},
            f"Strikewatch is missing View Channel in <#{hidden}>",
        ),
        ("track region", {"region": "London", "channel": deleted}, "no longer exists"),
        ("alerts channel", {"channel": elsewhere}, "That channel is in another server"),
        ("track add", {"trust": "RTX", "channel": locked}, "is archived and locked"),
        ("track region", {"region": "Wales"}, "There is no NHS England region called “Wales”"),
        ("track region", {"region": "South"}, "“South” could be South East or South West"),
        ("track remove", {"region": "Atlantis"}, "no NHS England region called “Atlantis”"),
        ("track remove", {}, "Name one trust or one region to stop following."),
    ]
    for command, options, expected in cases:
        reply = w.admin(command, options, w.a)
        assert expected in reply.content, (command, options, reply.content)
        assert "\n" not in reply.content and reply.ephemeral
        assert routes(w, w.a) == before, (command, options)
    assert SEND_MESSAGES  # the bot may post in #strikes all along
    assert fake.channel_messages(strikes) == []
