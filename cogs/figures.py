"""Slash commands for figures: /cancellations, /national, /top, /export. Thin: parse, ask, render."""

from __future__ import annotations

import asyncio
import functools
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.formatting import period_label
from bot.domain.milestones import NATIONAL_STEP, next_threshold
from bot.domain.summaries import fold, fold_league, rank_in_region
from bot.services.charts import Chart, latest_published, national_chart, top_chart, trust_chart
from cogs import render
from cogs.util import (
    region_autocomplete,
    resolve_region_option,
    resolve_strike,
    resolve_trust,
    snapshot_with_figures,
    strike_autocomplete,
    trust_autocomplete,
)

if TYPE_CHECKING:
    from bot.discord_app.client import StrikewatchBot

Draw = Callable[..., Chart]


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
        report = snap.trust_report(found)
        embed = render.trust_embed(
            report, fold(report.periods, snap.national), rank_in_region(snap, found)
        )
        if period is None and not chart:
            await interaction.response.send_message(self.bot.snapshots.stale_note, embed=embed)
            return
        await interaction.response.defer(thinking=True)
        if period is not None:
            report = await self.bot.snapshots.trust(found, days=True)  # with its figures per day
            chosen = report.period(period.id)
            if chosen:
                embed = render.trust_strike_embed(report, chosen)
        if chart:
            await self._attach(interaction, embed, trust_chart, report)
            return
        await interaction.followup.send(self.bot.snapshots.stale_note or "", embed=embed)

    async def _answer(
        self, interaction: discord.Interaction, embed: discord.Embed, draw: Draw, *args, **kw
    ) -> None:
        """Defer (a chart takes a few hundred ms), then send the embed with its chart."""
        await interaction.response.defer(thinking=True)
        await self._attach(interaction, embed, draw, *args, **kw)

    async def _attach(
        self, interaction: discord.Interaction, embed: discord.Embed, draw: Draw, *args, **kw
    ) -> None:
        drawn = await asyncio.to_thread(functools.partial(draw, *args, **kw))
        embed.set_image(url=f"attachment://{drawn.filename}")
        chart = discord.File(
            io.BytesIO(drawn.png), filename=drawn.filename, description=drawn.description
        )
        await interaction.followup.send(
            self.bot.snapshots.stale_note or "", embed=embed, file=chart
        )

    @app_commands.command(
        description="England's appointments and operations rescheduled, per strike and in total"
    )
    @app_commands.describe(
        strike="One strike only", chart="Attach a chart of England's running total and milestones"
    )
    @app_commands.autocomplete(strike=strike_autocomplete)
    @app_commands.guild_only()
    async def national(
        self,
        interaction: discord.Interaction,
        strike: app_commands.Range[str, 1, 200] | None = None,
        chart: bool = False,
    ) -> None:
        snap = await snapshot_with_figures(interaction)
        report = snap.national_report()
        only = None
        if strike:
            period = resolve_strike(snap, strike)
            only = next(p for p in report.periods if p.period.id == period.id)
        milestone = next_threshold(report.cumulative_total, step=NATIONAL_STEP)
        embed = render.national_embed(report, milestone, only)
        if chart:
            await self._answer(interaction, embed, national_chart, report)
            return
        await interaction.response.send_message(self.bot.snapshots.stale_note, embed=embed)

    @app_commands.command(
        description="League table of trusts by appointments and operations rescheduled"
    )
    @app_commands.describe(
        strike="One strike (default: all strikes)",
        region="NHS England region",
        limit="How many trusts (1-25)",
        chart="Attach the league as a bar chart",
    )
    @app_commands.autocomplete(strike=strike_autocomplete, region=region_autocomplete)
    @app_commands.guild_only()
    async def top(
        self,
        interaction: discord.Interaction,
        strike: app_commands.Range[str, 1, 200] | None = None,
        region: app_commands.Range[str, 1, 100] | None = None,
        limit: app_commands.Range[int, 1, 25] = 10,
        chart: bool = False,
    ) -> None:
        snap = await snapshot_with_figures(interaction)
        period = resolve_strike(snap, strike) if strike else None
        region = resolve_region_option(region) if region else None
        rows, none = fold_league(snap.league(period.id if period else None, region), limit)
        scope = (
            period_label(period.start, period.end) if period else "all strikes since December 2022"
        )
        title = f"Top {len(rows)} trusts: {scope}" + (f", {region}" if region else "")
        embed = render.league_embed(rows, title, none)
        if chart:
            published = latest_published(snap, period.id if period else None)
            await self._answer(interaction, embed, top_chart, rows, title, published=published)
            return
        await interaction.response.send_message(self.bot.snapshots.stale_note, embed=embed)

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
