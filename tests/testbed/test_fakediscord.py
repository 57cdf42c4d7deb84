"""The fake Discord works with the REAL discord.py client: login, sync, gateway, a bot process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap

import discord
import pytest
from discord.ext import commands

from tests.fakediscord import FakeDiscord
from tests.fakediscord import gateway as gateway_mod
from tests.fakediscord.testbot import GUILD_ID, build_bot

# --------------------------------------------------------------------------- login / gateway


async def test_login_ready_and_guild_create(fake: FakeDiscord, bot: commands.Bot) -> None:
    assert bot.user is not None and bot.user.id == fake.application_id
    assert bot.application_id == fake.application_id
    app = await bot.application_info()
    assert app.owner.id == int(fake.owner_user["id"])

    guild = bot.get_guild(GUILD_ID)
    assert guild is not None and guild.name == "Test Trust"
    strikes = discord.utils.get(guild.text_channels, name="strikes")
    assert strikes is not None
    perms = strikes.permissions_for(guild.me)
    assert perms.send_messages and perms.embed_links and perms.attach_files
    assert {r.name for r in guild.roles} >= {"@everyone", "Moderators", "Nurses", "Strikewatch"}
    assert guild.me.guild_permissions.view_channel

    # the client asked for zlib-stream and got binary zlib frames (it parsed READY from them)
    assert fake.gateway_connections[0]["query"]["compress"] == "zlib-stream"
    assert fake.gateway_connections[0]["mode"] == "zlib-stream"
    assert fake.identifies[0]["intents"] == discord.Intents.default().value
    assert fake.identifies[0]["token"] == "<redacted>"
    assert fake.heartbeat_count >= 1


async def test_command_sync_payloads_recorded(fake: FakeDiscord, bot: commands.Bot) -> None:
    assert fake.global_sync_count == 1
    assert fake.guild_sync_counts[GUILD_ID] == 1
    names = {c["name"] for c in fake.synced_global or []}
    assert names == {"ping", "chart", "trust", "announce", "config", "whoami"}
    assert {c["name"] for c in fake.synced_guild[GUILD_ID]} == names

    trust = next(c for c in fake.synced_global or [] if c["name"] == "trust")
    assert trust["options"][0]["autocomplete"] is True
    config = next(c for c in fake.synced_global or [] if c["name"] == "config")
    assert config["options"][0]["type"] == 2  # subcommand group
    whoami = next(c for c in fake.synced_global or [] if c["name"] == "whoami")
    assert sorted(whoami["contexts"]) == [0, 1]

    registered = fake.registered_commands(GUILD_ID)
    assert all(c["id"] and c["guild_id"] == str(GUILD_ID) for c in registered)
    fetched = await bot.tree.fetch_commands(guild=discord.Object(GUILD_ID))
    assert {c.name for c in fetched} == names


async def test_wrong_token_raises_login_failure(fake: FakeDiscord) -> None:
    client = build_bot()
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    finally:
        await client.close()
    assert fake.requests[0].path == "/users/@me"
    assert fake.requests[0].status == 401


async def test_zstd_request_without_zstd_here_gets_text_frames(
    fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as if `zstandard` were importable in the client only: it asks for zstd-stream
    monkeypatch.setattr(
        discord.utils._ActiveDecompressionContext, "COMPRESSION_TYPE", "zstd-stream"
    )
    client = build_bot()
    await client.login(fake.token)
    runner = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), 5)
        assert fake.gateway_connections[0]["query"]["compress"] == "zstd-stream"
        expected = "zstd-stream" if gateway_mod.zstd_available() else "text"
        assert fake.gateway_connections[0]["mode"] == expected
        assert client.get_guild(GUILD_ID) is not None
    finally:
        await client.close()
        await asyncio.wait_for(runner, 5)


async def test_resume_after_close_and_reconnect(fake: FakeDiscord, bot: commands.Bot) -> None:
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed)

    assert await fake.aclose_gateway(4000)
    # dispatched while the socket is down: buffered, then replayed on RESUME
    handle = await fake.ainvoke("ping", {"word": "after"})
    await fake.await_resumed(1, timeout=5)
    await asyncio.wait_for(resumed.wait(), 5)
    assert (await handle.await_response(5)).content.startswith("pong after")
    assert fake.identify_count == 1
    assert fake.gateway_connections[1]["path"] == "/gateway/resume"  # resume_gateway_url used

    assert await fake.asend_reconnect()
    await fake.await_resumed(2, timeout=5)
    reply = await fake.arun_command("ping", {"word": "third"})
    assert reply.content.startswith("pong third")
    assert fake.identify_count == 1 and fake.resume_count == 2


# --------------------------------------------------------------------------- separate process

BOT_SCRIPT = """
import asyncio, os, sys
import discord, yarl
from discord.ext import commands

discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
guild = discord.Object(int(os.environ["DEV_GUILD_ID"]))
bot = commands.Bot(command_prefix=commands.when_mentioned, intents=discord.Intents.default(),
                   guild_ready_timeout=0.1)

@bot.tree.command(description="Say hello")
async def hello(interaction: discord.Interaction, name: str):
    await interaction.response.send_message(f"hello {name} from pid {os.getpid()}")

async def setup_hook():
    bot.tree.copy_global_to(guild=guild)
    await bot.tree.sync(guild=guild)

bot.setup_hook = setup_hook
bot.run(os.environ["DISCORD_TOKEN"], log_handler=None)
"""


def test_bot_as_separate_process(fake: FakeDiscord, tmp_path) -> None:
    script = tmp_path / "bot_under_test.py"
    script.write_text(textwrap.dedent(BOT_SCRIPT))
    env = {**os.environ, **fake.env(DEV_GUILD_ID=GUILD_ID)}
    proc = subprocess.Popen(
        [sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        fake.wait_for_sync(guild_id=GUILD_ID, timeout=20)
        fake.wait_ready(timeout=10)
        reply = fake.invoke("hello", {"name": "Ada"}).wait_response(10)
        assert reply.content == f"hello Ada from pid {proc.pid}"
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert b"Traceback" not in out, out.decode(errors="replace")
