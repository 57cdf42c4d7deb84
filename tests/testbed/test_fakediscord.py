"""The fake Discord works with the REAL discord.py client (in-process and as a separate process)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator

import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import FakeDiscord, make_guild, make_role, make_user
from tests.fakediscord import gateway as gateway_mod

GUILD_ID = 1_100_000_000_000_000_001
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CSV = b"trust,postponed\nRX1,12\n"
TRUSTS = ["Barts Health", "Guy's and St Thomas'", "Leeds Teaching Hospitals", "Manchester"]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDiscord]:
    guild = make_guild(GUILD_ID, "Test Trust", roles=["Moderators", make_role(None, "Nurses")])
    with FakeDiscord(guilds=[guild]) as server:
        monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url)
        )
        yield server


def build_bot() -> commands.Bot:
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents.default(),
        guild_ready_timeout=0.1,
        help_command=None,
    )

    @bot.tree.command(description="Reply at once")
    @app_commands.describe(word="what to echo")
    async def ping(interaction: discord.Interaction, word: str = "pong", private: bool = False):
        await interaction.response.send_message(
            f"pong {word} from {interaction.user.name}",
            ephemeral=private,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @bot.tree.command(description="Defer, then follow up with files")
    async def chart(interaction: discord.Interaction):
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send(
            "Here is the chart",
            files=[
                discord.File(io.BytesIO(PNG), "chart.png"),
                discord.File(io.BytesIO(CSV), "d.csv"),
            ],
        )

    @bot.tree.command(description="Look up a trust")
    async def trust(interaction: discord.Interaction, name: str):
        await interaction.response.send_message(f"trust {name}")

    @trust.autocomplete("name")
    async def trust_autocomplete(interaction: discord.Interaction, current: str):
        return [
            app_commands.Choice(name=t, value=t[:20])
            for t in TRUSTS
            if current.lower() in t.lower()
        ][:25]

    @bot.tree.command(description="Post to a channel")
    async def announce(
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        role: discord.Role | None = None,
    ):
        mention = f"{role.mention} " if role else ""
        await channel.send(
            f"{mention}Strike update",
            embed=discord.Embed(title="Update", description="12 postponed"),
            allowed_mentions=discord.AllowedMentions(roles=[role] if role else []),
        )
        await interaction.response.send_message(f"sent to #{channel.name}", ephemeral=True)

    config = app_commands.Group(name="config", description="Settings")
    alerts = app_commands.Group(name="alerts", description="Alert settings", parent=config)

    @alerts.command(name="set", description="Set the alert threshold")
    async def alerts_set(interaction: discord.Interaction, threshold: int, enabled: bool):
        await interaction.response.send_message(
            f"threshold={threshold!r} enabled={enabled!r} "
            f"admin={interaction.permissions.manage_guild}"
        )

    bot.tree.add_command(config)

    @bot.tree.command(description="Works in DMs too")
    @app_commands.allowed_contexts(guilds=True, dms=True)
    async def whoami(interaction: discord.Interaction):
        where = "dm" if interaction.guild is None else "guild"
        await interaction.response.send_message(f"{interaction.user.id} in {where}")

    async def setup_hook() -> None:
        await bot.tree.sync()
        bot.tree.copy_global_to(guild=discord.Object(GUILD_ID))
        await bot.tree.sync(guild=discord.Object(GUILD_ID))

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[commands.Bot]:
    client = build_bot()
    await client.login(fake.token)
    runner = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), 5)
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(runner, 5)


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


# --------------------------------------------------------------------------- interactions


async def test_invoke_replies_with_type_4(fake: FakeDiscord, bot: commands.Bot) -> None:
    handle = await fake.ainvoke("ping", {"word": "hello", "private": True})
    reply = await handle.await_response(5)
    assert handle.callback_type == 4
    assert reply.kind == "callback"
    assert reply.content == f"pong hello from {fake.default_user['username']}"
    assert handle.ephemeral is True
    assert handle.allowed_mentions == {"parse": []}

    payload = handle.payload
    for key in (
        "id", "type", "token", "version", "application_id", "data", "guild_id", "channel_id",
        "channel", "member", "app_permissions", "attachment_size_limit", "locale",
        "guild_locale", "entitlements", "authorizing_integration_owners", "context",
    ):  # fmt: skip
        assert key in payload, key
    assert payload["data"]["guild_id"] == str(GUILD_ID)  # matched as a guild command
    assert payload["member"]["permissions"]
    # the callback was POSTed with ?with_response=1 and answered JSON
    callback = fake.requests_matching("POST", r"/callback$")[0]
    assert callback.query.get("with_response") == "1"
    assert callback.response_headers["Content-Type"] == "application/json"


async def test_defer_then_followup_with_files(fake: FakeDiscord, bot: commands.Bot) -> None:
    handle = await fake.ainvoke("chart")
    reply = await handle.await_response(5)
    assert handle.callback_type == 5
    assert reply.kind == "followup"
    assert reply.content == "Here is the chart"
    assert [f.filename for f in reply.files] == ["chart.png", "d.csv"]
    assert reply.files[0].is_png and reply.files[0].data == PNG
    assert reply.files[1].text() == CSV.decode()
    assert handle.ephemeral is False
    # the followup replaced the "thinking" message
    assert handle.original is not None and len(handle.original["attachments"]) == 2


async def test_autocomplete_choices(fake: FakeDiscord, bot: commands.Bot) -> None:
    handle = await fake.aautocomplete("trust", focused="name", value="lee")
    await handle.await_callback(5)
    assert handle.callback_type == 8
    assert handle.choices == [{"name": "Leeds Teaching Hospitals", "value": "Leeds Teaching Hospi"}]
    assert handle.payload["type"] == 4
    assert handle.payload["data"]["options"] == [
        {"type": 3, "name": "name", "value": "lee", "focused": True}
    ]


async def test_channel_and_role_options_and_channel_send(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    strikes = fake.channel_id("strikes")
    nurses = fake.role_id("Nurses")
    handle = await fake.ainvoke(
        "announce", {"channel": strikes, "role": nurses}, channel_id=fake.channel_id("general")
    )
    reply = await handle.await_response(5)
    assert reply.content == "sent to #strikes" and reply.ephemeral
    resolved = handle.payload["data"]["resolved"]
    assert str(strikes) in resolved["channels"] and str(nurses) in resolved["roles"]

    (message,) = await fake.await_message(strikes)
    assert message.content == f"<@&{nurses}> Strike update"
    assert message.embeds[0]["title"] == "Update"
    assert message.allowed_mentions is not None
    assert message.allowed_mentions["roles"] == [nurses]
    assert "roles" not in message.allowed_mentions["parse"]


async def test_subcommand_group_with_integer_and_boolean(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    mods = fake.role_id("Moderators")
    handle = await fake.ainvoke(
        "config alerts set", {"threshold": 7, "enabled": False}, roles=[mods]
    )
    reply = await handle.await_response(5)
    assert reply.content == "threshold=7 enabled=False admin=True"
    opts = handle.payload["data"]["options"]
    assert opts[0]["type"] == 2 and opts[0]["options"][0]["type"] == 1


async def test_dm_invocation(fake: FakeDiscord, bot: commands.Bot) -> None:
    user = make_user(4242, "patient")
    handle = await fake.ainvoke("whoami", user=user, dm=True)
    reply = await handle.await_response(5)
    assert reply.content == "4242 in dm"
    assert "member" not in handle.payload and handle.payload["user"]["id"] == "4242"
    assert handle.payload["channel"]["type"] == 1 and "guild_id" not in handle.payload


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
