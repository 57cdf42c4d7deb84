"""Sharding in the fake with REAL discord.py clients: two processes' worth of AutoShardedBots,
one per shard, share one fake; each gets only its guilds' events, interactions included."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import Any

import discord
import pytest
from discord.ext import commands

from tests.fakediscord import (
    FakeDiscord,
    guild_id_on_shard,
    make_guild,
    make_text_channel,
    shard_of,
)
from tests.fakediscord.bridge import poll_until
from tests.fakediscord.testbot import build_shard_bot, connected_bot, serve_fake

SHARD_COUNT = 2
GUILDS = {shard: [guild_id_on_shard(shard, SHARD_COUNT, n) for n in range(2)] for shard in (0, 1)}
ALL_GUILDS = GUILDS[0] + GUILDS[1]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDiscord]:
    guilds = [
        make_guild(gid, f"Trust {shard}.{n}")
        for shard, gids in GUILDS.items()
        for n, gid in enumerate(gids)
    ]
    with serve_fake(monkeypatch, guilds, recommended_shards=SHARD_COUNT) as server:
        yield server


@pytest.fixture
async def shard0(fake: FakeDiscord) -> AsyncIterator[commands.Bot]:
    async with connected_bot(fake, build_shard_bot([0], SHARD_COUNT)) as client:
        yield client


@pytest.fixture
async def shard1(fake: FakeDiscord, shard0: commands.Bot) -> AsyncIterator[commands.Bot]:
    async with connected_bot(fake, build_shard_bot([1], SHARD_COUNT)) as client:
        yield client


def record(bot: commands.Bot, event: str) -> list[Any]:
    """The first argument of every ``event`` the bot dispatches from now on."""
    seen: list[Any] = []

    async def listener(first: Any, *_: Any) -> None:
        seen.append(first)

    bot.add_listener(listener, f"on_{event}")
    return seen


def test_guild_id_on_shard_lands_on_that_shard() -> None:
    for count in (1, 2, 3, 16):
        ids = [guild_id_on_shard(shard, count, n) for shard in range(count) for n in range(4)]
        assert len(set(ids)) == len(ids)
        for shard in range(count):
            for n in range(4):
                gid = guild_id_on_shard(shard, count, n)
                assert (gid >> 22) % count == shard == shard_of(gid, count)
    assert guild_id_on_shard(1, 2, 3) == guild_id_on_shard(1, 2, 3)
    assert discord.utils.snowflake_time(guild_id_on_shard(0, 2)).year == 2024
    with pytest.raises(ValueError):
        guild_id_on_shard(2, 2)


# --------------------------------------------------------------------------- one process per shard


async def test_each_shard_process_gets_only_its_guilds(
    fake: FakeDiscord, shard0: commands.Bot, shard1: commands.Bot
) -> None:
    assert {g.id for g in shard0.guilds} == set(GUILDS[0])
    assert {g.id for g in shard1.guilds} == set(GUILDS[1])
    assert [i["shard"] for i in fake.identifies] == [[0, 2], [1, 2]]
    assert fake.connected_shards == [0, 1]
    await fake.await_shards_ready(SHARD_COUNT, timeout=1)
    # with shard_count given, discord.py never asks GET /gateway/bot
    assert not fake.requests_matching("GET", r"^/gateway/bot$")


async def test_interaction_goes_only_to_the_shard_that_owns_the_guild(
    fake: FakeDiscord, shard0: commands.Bot, shard1: commands.Bot
) -> None:
    seen0, seen1 = record(shard0, "interaction"), record(shard1, "interaction")
    for shard, gids in GUILDS.items():
        for gid in gids:
            reply = await fake.arun_command("shard", guild_id=gid)
            assert reply.content == f"shards {shard}"
    assert [i.guild_id for i in seen0] == GUILDS[0]
    assert [i.guild_id for i in seen1] == GUILDS[1]


async def test_guild_events_go_to_the_shard_that_owns_the_guild(
    fake: FakeDiscord, shard0: commands.Bot, shard1: commands.Bot
) -> None:
    joined0, joined1 = record(shard0, "guild_available"), record(shard1, "guild_available")
    new_gid = guild_id_on_shard(1, SHARD_COUNT, 7)
    await asyncio.to_thread(fake.add_guild, make_guild(new_gid, "New Trust"))
    assert await poll_until(lambda: shard1.get_guild(new_gid) is not None, 5)

    channel = make_text_channel(None, "alerts")
    await asyncio.to_thread(fake.add_channel, channel, guild_id=GUILDS[0][1])
    guild = shard0.get_guild(GUILDS[0][1])
    assert guild is not None
    assert await poll_until(lambda: guild.get_channel(int(channel["id"])) is not None, 5)

    await asyncio.to_thread(fake.remove_guild, GUILDS[1][0])
    assert await poll_until(lambda: shard1.get_guild(GUILDS[1][0]) is None, 5)

    assert [g.id for g in joined1] == [new_gid] and not joined0
    assert shard0.get_guild(new_gid) is None
    assert {g.id for g in shard0.guilds} == set(GUILDS[0])


async def test_closing_one_shard_resumes_it_and_leaves_the_other(
    fake: FakeDiscord, shard0: commands.Bot, shard1: commands.Bot
) -> None:
    resumed0, resumed1 = record(shard0, "shard_resumed"), record(shard1, "shard_resumed")
    dropped0, dropped1 = record(shard0, "shard_disconnect"), record(shard1, "shard_disconnect")
    session1 = fake.gateway.shard_session(1)
    assert session1 is not None

    assert await fake.aclose_gateway(4000, shard_id=1)
    # while shard 1 is down: its guild's interaction waits for the replay, shard 0 answers as ever
    waiting = await fake.ainvoke("shard", guild_id=GUILDS[1][0])
    assert (await fake.arun_command("shard", guild_id=GUILDS[0][0])).content == "shards 0"
    assert (await waiting.await_response(5)).content == "shards 1"

    await fake.await_resumed(1, timeout=5)
    await fake.await_shards_ready(SHARD_COUNT, timeout=5)
    assert await poll_until(lambda: bool(resumed1), 5)
    assert resumed1 == [1] and dropped1 == [1]
    assert not resumed0 and not dropped0
    assert fake.resumes[0]["session_id"] == session1.id
    assert fake.identify_count == 2 and fake.resume_count == 1
    assert fake.gateway_closes_sent == [4000] and len(fake.gateway_closes) == 1
    paths = [c["path"] for c in fake.gateway_connections]
    assert paths == ["/gateway", "/gateway", "/gateway/resume"]  # shard 0 kept its socket
    assert fake.connected_shards == [0, 1]


async def test_newest_session_of_a_shard_gets_its_guilds(
    fake: FakeDiscord, shard0: commands.Bot, shard1: commands.Bot
) -> None:
    seen_old = record(shard1, "interaction")
    async with connected_bot(fake, build_shard_bot([1], SHARD_COUNT)) as again:
        seen_new = record(again, "interaction")
        assert (await fake.arun_command("shard", guild_id=GUILDS[1][1])).content == "shards 1"
        assert [i.guild_id for i in seen_new] == [GUILDS[1][1]]
        assert not seen_old


async def test_a_guild_no_session_owns_gets_no_events(
    fake: FakeDiscord, shard0: commands.Bot
) -> None:
    assert fake.connected_shards == [0]
    with pytest.raises(RuntimeError, match=f"no gateway session owns guild {GUILDS[1][0]}"):
        await fake.adispatch("GUILD_UPDATE", {"id": str(GUILDS[1][0]), "name": "renamed"})

    new_gid = guild_id_on_shard(1, SHARD_COUNT, 9)
    await asyncio.to_thread(fake.add_guild, make_guild(new_gid))  # nobody to tell: no error
    assert shard0.get_guild(new_gid) is None

    fake.connect_timeout = 0.3
    with pytest.raises(TimeoutError, match=f"for guild {GUILDS[1][0]}"):
        await fake.ainvoke("shard", guild_id=GUILDS[1][0])
    assert (await fake.arun_command("shard", guild_id=GUILDS[0][0])).content == "shards 0"


# --------------------------------------------------------------------------- one process, all shards


async def test_autosharded_bot_takes_the_shard_count_from_gateway_bot(fake: FakeDiscord) -> None:
    async with connected_bot(fake, build_shard_bot()) as bot:
        assert bot.shard_count == SHARD_COUNT and sorted(bot.shards) == [0, 1]
        assert {g.id for g in bot.guilds} == set(ALL_GUILDS)
        assert sorted(i["shard"] for i in fake.identifies) == [[0, 2], [1, 2]]
        for gid in ALL_GUILDS:
            assert (await fake.arun_command("shard", guild_id=gid)).content == "shards 0,1"
    assert len(fake.requests_matching("GET", r"^/gateway/bot$")) == 1


async def test_unsharded_bot_gets_every_guild(fake: FakeDiscord) -> None:
    async with connected_bot(fake, build_shard_bot(sharded=False)) as bot:
        assert {g.id for g in bot.guilds} == set(ALL_GUILDS)
        assert "shard" not in fake.identifies[0]
        assert fake.connected and fake.connected_shards == []
        for gid in ALL_GUILDS:
            assert (await fake.arun_command("shard", guild_id=gid)).content == "unsharded"


def test_gateway_bot_answers_the_recommended_shard_count(monkeypatch: pytest.MonkeyPatch) -> None:
    def gateway_bot(fake: FakeDiscord) -> dict[str, object]:
        request = urllib.request.Request(
            f"{fake.api_base}/gateway/bot", headers={"Authorization": f"Bot {fake.token}"}
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.loads(answer.read())

    with serve_fake(monkeypatch) as server:
        assert gateway_bot(server)["shards"] == 1
        server.recommended_shards = 3
        answer = gateway_bot(server)
        assert answer["shards"] == 3 and answer["url"] == server.gateway_url
