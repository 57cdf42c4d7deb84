"""/turnout: trusts by staff absent at the peak of a strike, from the releases' workforce part."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs import render
from cogs.util import (
    UserFacingError,
    region_autocomplete,
    resolve_region_option,
    resolve_strike,
    snapshot_with_figures,
    strike_autocomplete,
    strike_name,
)

if TYPE_CHECKING:
    from bot.discord_app.client import StrikewatchBot


class Turnout(commands.Cog):
    def __init__(self, bot: StrikewatchBot) -> None:
        self.bot = bot

    @app_commands.command(description="Trusts by staff absent at the peak of a strike")
    @app_commands.describe(
        strike="One strike (default: the latest with staff-absent figures)",
        region="NHS England region",
        limit="How many trusts (1-25)",
    )
    @app_commands.autocomplete(strike=strike_autocomplete, region=region_autocomplete)
    @app_commands.guild_only()
    async def turnout(
        self,
        interaction: discord.Interaction,
        strike: app_commands.Range[str, 1, 200] | None = None,
        region: app_commands.Range[str, 1, 100] | None = None,
        limit: app_commands.Range[int, 1, 25] = 10,
    ) -> None:
        snap = await snapshot_with_figures(interaction)
        period = resolve_strike(snap, strike) if strike else snap.latest_counted()
        if period is None:
            raise UserFacingError("No release so far has staff-absent figures we could read.")
        part = snap.turnout.get(period.id)
        if part is None:
            raise UserFacingError(
                f"NHS England's release for {strike_name(period)} has no staff-absent figures"
                " we could read. Try `/turnout` for the latest strike that has them."
            )
        chosen = resolve_region_option(region) if region else None
        league = snap.turnout_league(period.id, chosen)
        embed = render.turnout_embed(
            league, period, snap.england_staff_absent(period.id), part.staff_group, limit, chosen
        )
        await interaction.response.send_message(self.bot.snapshots.stale_note, embed=embed)


async def setup(bot: StrikewatchBot) -> None:
    await bot.add_cog(Turnout(bot))
