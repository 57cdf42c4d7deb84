"""Slash commands for figures: /cancellations, /national, /top, /export. Thin: parse, ask, render."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.formatting import period_label
from bot.domain.milestones import NATIONAL_STEP, next_threshold
from bot.services.charts import trust_chart
from cogs import render
from cogs.util import (
    UserFacingError,
    resolve_strike,
    resolve_trust,
    shown,
    snapshot_with_figures,
    strike_autocomplete,
    trust_autocomplete,
)

if TYPE_CHECKING:
    from bot.discord_app.client import StrikewatchBot


class Figures(commands.Cog):
    def __init__(self, bot: StrikewatchBot) -> None:
        self.bot = bot

    @app_commands.command(
        description="A trust's appointments and operations rescheduled in strikes"
    )
    @app_commands.describe(
        trust="Org code or name, e.g. RTX or Morecambe Bay",
        strike="One strike, with its per-day figures",
        chart="Attach a chart of every strike and the running total",
    )
    @app_commands.autocomplete(trust=trust_autocomplete, strike=strike_autocomplete)
    @app_commands.guild_only()
    async def cancellations(
        self,
        interaction: discord.Interaction,
        trust: app_commands.Range[str, 1, 200],
        strike: app_commands.Range[str, 1, 200] | None = None,
        chart: bool = False,
    ) -> None:
        snap = await snapshot_with_figures(interaction)
        found = resolve_trust(snap, trust)
        period = resolve_strike(snap, strike) if strike else None
        if period is None and not chart:
            await interaction.response.send_message(
                self.bot.snapshots.stale_note, embed=render.trust_embed(snap.trust_report(found))
            )
            return
        await interaction.response.defer(thinking=True)
        report = await self.bot.snapshots.trust(found, days=period is not None)
        if period is not None:
            chosen = report.period(period.id)
            embed = (
                render.trust_strike_embed(report, chosen) if chosen else render.trust_embed(report)
            )
        else:
            embed = render.trust_embed(report)
        files = []
        if chart:
            drawn = await asyncio.to_thread(trust_chart, report)
            files.append(
                discord.File(
                    io.BytesIO(drawn.png), filename=drawn.filename, description=drawn.description
                )
            )
            embed.set_image(url=f"attachment://{drawn.filename}")
        await interaction.followup.send(embed=embed, files=files)

    @app_commands.command(
        description="England's appointments and operations rescheduled, per strike and in total"
    )
    @app_commands.describe(strike="One strike only")
    @app_commands.autocomplete(strike=strike_autocomplete)
    @app_commands.guild_only()
    async def national(
        self,
        interaction: discord.Interaction,
        strike: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        snap = await snapshot_with_figures(interaction)
        report = snap.national_report()
        only = None
        if strike:
            period = resolve_strike(snap, strike)
            only = next(p for p in report.periods if p.period.id == period.id)
        milestone = next_threshold(report.cumulative_total, step=NATIONAL_STEP)
        await interaction.response.send_message(
            self.bot.snapshots.stale_note, embed=render.national_embed(report, milestone, only)
        )

    @app_commands.command(
        description="League table of trusts by appointments and operations rescheduled"
    )
    @app_commands.describe(
        strike="One strike (default: all strikes)",
        region="NHS England region",
        limit="How many trusts (1-25)",
    )
    @app_commands.autocomplete(strike=strike_autocomplete)
    @app_commands.guild_only()
    async def top(
        self,
        interaction: discord.Interaction,
        strike: app_commands.Range[str, 1, 200] | None = None,
        region: app_commands.Range[str, 1, 100] | None = None,
        limit: app_commands.Range[int, 1, 25] = 10,
    ) -> None:
        snap = await snapshot_with_figures(interaction)
        period = resolve_strike(snap, strike) if strike else None
        if region:
            regions = sorted({t.region for t in snap.trusts.values() if t.region})
            match = [r for r in regions if r.lower() == region.strip().lower()] or [
                r for r in regions if region.strip().lower() in r.lower()
            ]
            if len(match) != 1:
                raise UserFacingError(
                    f"No single region matches “{shown(region)}”. Regions: {', '.join(regions)}."
                )
            region = match[0]
        rows = snap.league(period.id if period else None, region)[:limit]
        scope = (
            period_label(period.start, period.end) if period else "all strikes since December 2022"
        )
        title = f"Top {len(rows)} trusts: {scope}" + (f", {region}" if region else "")
        await interaction.response.send_message(embed=render.league_embed(rows, title))

    @top.autocomplete("region")
    async def _region_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        snap = await self.bot.snapshots.snapshot()
        regions = sorted({t.region for t in snap.trusts.values() if t.region})
        return [
            app_commands.Choice(name=r, value=r) for r in regions if current.lower() in r.lower()
        ][:25]

    @app_commands.command(description="Every trust's figures as a CSV file")
    @app_commands.describe(strike="One strike (default: all strikes)")
    @app_commands.autocomplete(strike=strike_autocomplete)
    @app_commands.guild_only()
    async def export(
        self,
        interaction: discord.Interaction,
        strike: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        snap = await snapshot_with_figures(interaction)
        period = resolve_strike(snap, strike) if strike else None
        data = snap.csv_export(period.id if period else None).encode("utf-8")
        name = (
            f"strikewatch-{period.start.isoformat()}.csv"
            if period
            else "strikewatch-all-strikes.csv"
        )
        scope = period_label(period.start, period.end) if period else "every strike with a release"
        await interaction.response.send_message(
            f"Every trust's figures for {scope}. Source: NHS England.",
            file=discord.File(io.BytesIO(data), filename=name),
        )


async def setup(bot: StrikewatchBot) -> None:
    await bot.add_cog(Figures(bot))
