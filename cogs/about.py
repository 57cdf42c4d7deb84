"""/about: where the figures come from, the last poll and the newest release."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.formatting import date_label, period_label
from cogs.render import COLOUR, poll_result
from cogs.util import clip

if TYPE_CHECKING:
    from bot.discord_app.client import StrikewatchBot


class About(commands.Cog):
    def __init__(self, bot: StrikewatchBot) -> None:
        self.bot = bot

    @app_commands.command(
        description="Where Strikewatch's figures come from, and how fresh they are"
    )
    async def about(self, interaction: discord.Interaction) -> None:
        snap = await self.bot.snapshots.snapshot()
        polls = await self.bot.store.polls.last(1)
        embed = discord.Embed(title="Strikewatch", colour=COLOUR)
        embed.description = (
            "Appointments and operations rescheduled because of strikes, per NHS trust, "
            "from NHS England's industrial action releases."
        )
        embed.add_field(
            name="Data source", value=clip(self.bot.settings.nhs_index_url, 1024), inline=False
        )
        if polls:
            poll = polls[0]
            embed.add_field(
                name="Last poll",
                value=f"{poll.started_at} UTC, {poll_result(poll)}",
                inline=False,
            )
        else:
            embed.add_field(name="Last poll", value="none yet", inline=False)
        if snap.current:
            period, release, _ = max(snap.current, key=lambda item: (item[1].published, item[1].id))
            embed.add_field(
                name="Newest release",
                value=f"[{period_label(period.start, period.end)}]({release.url}), published {date_label(release.published)}",
                inline=False,
            )
        embed.set_footer(text=f"Strikewatch {self.bot.version}")
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: StrikewatchBot) -> None:
    await bot.add_cog(About(bot))
