"""Announcement channels and threads in the fake, against the REAL discord.py client: publishing
(crossposting) with Discord's answers and limit, and threads active, archived, locked, deleted."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import discord
import pytest
from discord.ext import commands

from tests.fakediscord import (
    FakeDiscord,
    make_announcement_channel,
    make_guild,
    make_overwrite,
    make_thread,
    make_user,
)
from tests.fakediscord import fixtures as fx
from tests.fakediscord.testbot import GUILD_ID, connected_bot, serve_fake


def _guild() -> dict:
    news = make_announcement_channel(name="news")
    text = fx.make_text_channel(name="strikes")
    guild = make_guild(GUILD_ID, "Test Trust", channels=[text, news])
    guild["threads"] = [make_thread(text, "open-thread")]
    return guild


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch):
    with serve_fake(monkeypatch, guilds=[_guild()]) as server:
        yield server


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[commands.Bot]:
    async with connected_bot(fake) as client:
        yield client


# --------------------------------------------------------------------------- announcement channels


async def test_the_bots_message_in_an_announcement_channel_is_published_once(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    news = bot.get_channel(fake.channel_id("news"))
    assert isinstance(news, discord.TextChannel) and news.is_news()
    message = await news.send("England passes 1,500,000")
    await message.publish()
    assert [(c.channel_id, c.message_id) for c in fake.crossposts] == [(news.id, message.id)]
    assert fake.get_message(message.id)["flags"] & fx.CROSSPOSTED
    with pytest.raises(discord.HTTPException) as again:
        await message.publish()
    assert (again.value.status, again.value.code) == (400, 40033)
    assert len(fake.crossposts) == 1


async def test_publishing_outside_an_announcement_channel_is_refused(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    strikes = bot.get_channel(fake.channel_id("strikes"))
    message = await strikes.send("hello")
    with pytest.raises(discord.HTTPException) as refused:
        await message.publish()
    assert (refused.value.status, refused.value.code) == (400, 50024)
    assert fake.crossposts == []


async def test_publishing_someone_elses_message_needs_manage_messages(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    news_id = fake.channel_id("news")
    theirs = fake.add_message(news_id, "member's news", author=make_user(None, "member"))
    with pytest.raises(discord.Forbidden) as forbidden:
        await bot.http.publish_message(news_id, theirs)
    assert forbidden.value.code == 50013
    bot_id = fake.bot_user["id"]
    fake.set_overwrites(
        news_id, [make_overwrite(bot_id, allow=fx.MANAGE_MESSAGES, type=fx.OVERWRITE_MEMBER)]
    )
    await bot.http.publish_message(news_id, theirs)
    assert [c.message_id for c in fake.crossposts] == [theirs]


async def test_the_bots_own_message_needs_send_messages_to_be_published(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    news = bot.get_channel(fake.channel_id("news"))
    message = await news.send("news")
    fake.deny_send(news.id)
    with pytest.raises(discord.Forbidden):
        await message.publish()
    assert fake.crossposts == []


async def test_ten_an_hour_then_a_429_that_the_client_waits_out(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    fake.crosspost_limit = (2, 1.0)  # Discord: 10 per hour; the same rule, scaled down
    news = bot.get_channel(fake.channel_id("news"))
    messages = [await news.send(f"news {i}") for i in range(3)]
    started = time.monotonic()
    for message in messages:
        await message.publish()
    assert time.monotonic() - started >= 0.5
    assert [c.message_id for c in fake.crossposts] == [m.id for m in messages]
    (limited,) = [r for r in fake.rate_limited if r["path"].endswith("/crosspost")]
    assert 0 < limited["retry_after"] <= 1.0 and not limited["global"]


# --------------------------------------------------------------------------- threads


async def test_an_active_thread_is_in_guild_create_and_takes_messages(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    guild = bot.get_guild(GUILD_ID)
    (thread,) = guild.threads
    assert thread.name == "open-thread" and thread.parent_id == fake.channel_id("strikes")
    await thread.send("in the thread")
    assert [m.content for m in fake.channel_messages(thread.id)] == ["in the thread"]


async def test_an_archived_thread_reopens_when_posted_in(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    guild = bot.get_guild(GUILD_ID)
    thread_id = fake.add_thread(fake.channel_id("strikes"), "later")
    await fake.await_for(lambda f: guild.get_thread(thread_id) is not None)
    fake.archive_thread(thread_id)
    await fake.await_for(lambda f: guild.get_thread(thread_id) is None)  # archived: not cached
    await bot.get_partial_messageable(thread_id, guild_id=GUILD_ID).send("wake up")
    assert fake.channel(thread_id)["thread_metadata"]["archived"] is False
    await fake.await_for(lambda f: guild.get_thread(thread_id) is not None)  # THREAD_UPDATE


async def test_a_locked_archived_thread_refuses_and_a_deleted_one_is_gone(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    guild = bot.get_guild(GUILD_ID)
    locked = fake.add_thread(fake.channel_id("strikes"), "locked")
    fake.archive_thread(locked, locked=True)
    with pytest.raises(discord.HTTPException) as refused:
        await bot.get_partial_messageable(locked, guild_id=GUILD_ID).send("no")
    assert (refused.value.status, refused.value.code) == (400, 50083)

    (thread,) = guild.threads
    fake.delete_channel(thread.id, notify=True)
    await fake.await_for(lambda f: guild.get_thread(thread.id) is None)  # THREAD_DELETE
    with pytest.raises(discord.NotFound) as missing:
        await thread.send("gone")
    assert missing.value.code == 10003
    assert fake.channel_messages(thread.id) == [] and fake.channel_messages(locked) == []


async def test_a_thread_needs_send_messages_in_threads_and_a_private_one_membership(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    strikes = fake.channel_id("strikes")
    bot_id = fake.bot_user["id"]
    private = fake.add_thread(strikes, "private", type=fx.PRIVATE_THREAD)
    with pytest.raises(discord.Forbidden) as hidden:
        await bot.get_partial_messageable(private, guild_id=GUILD_ID).send("x")
    assert hidden.value.code == 50001
    joined = fake.add_thread(strikes, "joined", type=fx.PRIVATE_THREAD, member_ids=[bot_id])
    await bot.get_partial_messageable(joined, guild_id=GUILD_ID).send("member")

    deny = fx.SEND_MESSAGES_IN_THREADS
    fake.set_overwrites(strikes, [make_overwrite(bot_id, deny=deny, type=fx.OVERWRITE_MEMBER)])
    with pytest.raises(discord.Forbidden) as forbidden:
        await bot.get_partial_messageable(joined, guild_id=GUILD_ID).send("no")
    assert forbidden.value.code == 50013
    await bot.get_channel(strikes).send("the channel itself still takes messages")
