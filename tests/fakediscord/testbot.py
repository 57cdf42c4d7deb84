"""Small discord.py bots (plain and sharded) and the fake they talk to, for tests/testbed."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

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
def serve_fake(
    monkeypatch: pytest.MonkeyPatch,
    guilds: Iterable[dict[str, Any]] | None = None,
    **options: Any,
) -> Iterator[FakeDiscord]:
    """A running fake (default: with one guild, ``GUILD_ID``), and discord.py pointed at it for
    the test. ``options`` go to ``FakeDiscord``."""
    if guilds is None:
        roles = ["Moderators", make_role(None, "Nurses")]
        guilds = [make_guild(GUILD_ID, "Test Trust", roles=roles)]
    with FakeDiscord(guilds=guilds, **options) as server:
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


class QuickShardedBot(commands.AutoShardedBot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s pause before each shard after the first: the fake has no identify limit."""


def build_shard_bot(
    shard_ids: list[int] | None = None, shard_count: int | None = None, *, sharded: bool = True
) -> commands.Bot:
    """A bot whose global ``/shard`` answers which shards its process runs ("shards 0,1"), an
    ``AutoShardedBot`` (without ``shard_count``: as many shards as ``GET /gateway/bot`` says);
    with ``sharded=False`` a plain ``Bot``, answering "unsharded"."""
    options: dict[str, Any] = {
        "command_prefix": commands.when_mentioned,
        "intents": discord.Intents.default(),
        "guild_ready_timeout": 0.1,
        "help_command": None,
    }
    bot = (
        QuickShardedBot(shard_ids=shard_ids, shard_count=shard_count, **options)
        if sharded
        else commands.Bot(**options)
    )

    @bot.tree.command(description="Which shards answer")
    async def shard(interaction: discord.Interaction):
        if isinstance(bot, commands.AutoShardedBot):
            answer = "shards " + ",".join(str(i) for i in sorted(bot.shards))
        else:
            answer = "unsharded"
        await interaction.response.send_message(answer)

    async def setup_hook() -> None:
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@asynccontextmanager
async def connected_bot(
    fake: FakeDiscord, client: commands.Bot | None = None
) -> AsyncIterator[commands.Bot]:
    """``client`` (default: ``build_bot()``) logged in to ``fake`` and READY (all its shards),
    on the calling loop."""
    if client is None:
        client = build_bot()
    await client.login(fake.token)
    runner = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), 5)
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(runner, 5)
