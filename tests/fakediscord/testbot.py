"""A small discord.py bot and the fake it talks to, for the fake's own tests in tests/testbed."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from . import FakeDiscord, make_guild, make_role

GUILD_ID = 1_100_000_000_000_000_001
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CSV = b"trust,postponed\nRX1,12\n"
TRUSTS = ["Barts Health", "Guy's and St Thomas'", "Leeds Teaching Hospitals", "Manchester"]


@contextmanager
def serve_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDiscord]:
    """A running fake with one guild, and discord.py pointed at it for the test."""
    guild = make_guild(GUILD_ID, "Test Trust", roles=["Moderators", make_role(None, "Nurses")])
    with FakeDiscord(guilds=[guild]) as server:
        monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url)
        )
        yield server


def build_bot() -> commands.Bot:
    """A bot with a command for each kind of answer the fake checks."""
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


@asynccontextmanager
async def connected_bot(fake: FakeDiscord) -> AsyncIterator[commands.Bot]:
    """``build_bot()`` logged in to ``fake`` and READY, on the calling loop."""
    client = build_bot()
    await client.login(fake.token)
    runner = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), 5)
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(runner, 5)
