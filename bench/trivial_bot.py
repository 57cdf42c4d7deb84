"""The baseline for bench/commands.py: a bare discord.py bot whose one command answers "ok"."""

import asyncio
import os

import discord
import yarl
from discord import app_commands

discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])


class Trivial(discord.Client):
    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(intents=intents)
        self.tree = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        @self.tree.command(description="answers ok")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("ok")

        await self.tree.sync()


async def main() -> None:
    async with Trivial() as client:
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
