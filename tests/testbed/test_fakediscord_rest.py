"""The fake's REST rules against the REAL discord.py client: 429s, channel errors, validation."""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request

import discord
import pytest
from discord.ext import commands

from tests.fakediscord import FakeDiscord, make_guild
from tests.fakediscord.testbot import CSV, GUILD_ID

# --------------------------------------------------------------------------- rate limits and errors


async def test_429_on_callback_is_retried_and_answered_once(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    rule = fake.fail_next("POST", r"^/interactions/\d+/[^/]+/callback$", 429, retry_after=0.2)
    started = time.monotonic()
    handle = await fake.ainvoke("ping", {"word": "again"})
    reply = await handle.await_response(5)
    assert reply.content.startswith("pong again")
    assert time.monotonic() - started >= 0.2
    assert rule.hits == 1
    assert handle.callback_attempts == 2 and handle.callback_count == 1
    assert len(handle.replies) == 1 and not handle.errors
    limited = fake.requests_matching("POST", r"/callback$")[0]
    assert limited.status == 429 and limited.response_headers["Via"]


async def test_channel_errors_and_validation(fake: FakeDiscord, bot: commands.Bot) -> None:
    strikes = bot.get_channel(fake.channel_id("strikes"))
    general = bot.get_channel(fake.channel_id("general"))
    assert isinstance(strikes, discord.TextChannel) and isinstance(general, discord.TextChannel)

    await strikes.send("csv", file=discord.File(io.BytesIO(CSV), "strikes.csv"))
    (sent,) = fake.channel_messages(strikes.id)
    assert sent.files[0].filename == "strikes.csv" and sent.files[0].data == CSV

    with pytest.raises(discord.HTTPException) as too_long:
        await strikes.send("x" * 2001)
    assert too_long.value.code == 50035

    fake.deny_send(strikes.id)
    with pytest.raises(discord.Forbidden) as forbidden:
        await strikes.send("nope")
    assert forbidden.value.code == 50013

    fake.delete_channel(general.id)
    with pytest.raises(discord.NotFound) as missing:
        await bot.fetch_channel(general.id)
    assert missing.value.code == 10003
    with pytest.raises(discord.NotFound):
        await general.send("gone")
    assert len(fake.channel_messages(strikes.id)) == 1


def test_rate_limit_model_answers_429_with_headers() -> None:
    guild = make_guild(GUILD_ID)
    with FakeDiscord(guilds=[guild], rate_limits=True, channel_message_limit=(2, 30.0)) as fake:
        cid = fake.channel_id("strikes")

        def post() -> tuple[int, dict[str, str], dict]:
            req = urllib.request.Request(
                f"{fake.api_base}/channels/{cid}/messages",
                data=json.dumps({"content": "hi"}).encode(),
                headers={"Authorization": f"Bot {fake.token}", "Content-Type": "application/json"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    return resp.status, dict(resp.headers), json.loads(resp.read())
            except urllib.error.HTTPError as exc:
                return exc.code, dict(exc.headers), json.loads(exc.read())

        first, second, third = post(), post(), post()
        assert [first[0], second[0], third[0]] == [200, 200, 429]
        assert first[1]["X-RateLimit-Limit"] == "2" and first[1]["X-RateLimit-Remaining"] == "1"
        assert first[1]["X-RateLimit-Bucket"] == second[1]["X-RateLimit-Bucket"]
        assert third[1]["Via"] and third[1]["Content-Type"] == "application/json"
        assert third[2]["global"] is False and 0 < third[2]["retry_after"] <= 30
        assert len(fake.channel_messages(cid)) == 2
