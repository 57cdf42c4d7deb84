"""The /strikes command group: the strike calendar (the alerts cog adds announce and cancel)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.formatting import number, period_label
from cogs.options import clip, snapshot
from cogs.render import COLOUR, FOOTER, lines_within

if TYPE_CHECKING:
    from bot.discord_bot import StrikewatchBot


@app_commands.guild_only()
class Strikes(commands.GroupCog, group_name="strikes", group_description="The strike calendar"):
    def __init__(self, bot: StrikewatchBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="list", description="Strike dates, staff groups, unions and England's totals"
    )
    @app_commands.describe(when="Which strikes (default: all)")
    async def list_(
        self, interaction: discord.Interaction, when: Literal["upcoming", "past", "all"] = "all"
    ) -> None:
        snap = await snapshot(interaction)
        today = date.today()
        strikes = [
            s
            for s in snap.strikes(today)
            if when == "all"
            or s["status"] == when
            or (when == "upcoming" and s["status"] == "ongoing")
        ]
        lines = []
        for s in reversed(strikes):
            label = period_label(date.fromisoformat(s["start"]), date.fromisoformat(s["end"]))
            total = ""
            if s["national_total"] is not None:
                source = "" if s["national_total_source"] == "release" else " as published"
                total = f": **{number(s['national_total'])}** rescheduled{source}"
            status = "" if s["status"] == "past" else f" ({s['status']})"
            lines.append(
                f"**{label}**{status} · {clip(s['staff_groups'], 50)} · {clip(s['unions'], 50)}{total}"
            )
        embed = discord.Embed(title=f"Strikes ({when})", colour=COLOUR)
        embed.description = (
            lines_within([], lines) if lines else f"No {when} strikes in the calendar."
        )
        embed.set_footer(text=FOOTER)
        await interaction.response.send_message(embed=embed)


async def setup(bot: StrikewatchBot) -> None:
    await bot.add_cog(Strikes(bot))
