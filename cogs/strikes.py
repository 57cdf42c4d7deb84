"""The /strikes command group: the strike calendar (the alerts cog adds announce and cancel)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain import announcements
from bot.domain.announcements import AnnouncedStrike
from bot.domain.dates import dates_in_text
from bot.domain.formatting import escape, number, period_label
from cogs.render import COLOUR, FOOTER, lines_within
from cogs.util import UserFacingError, clip, manage_server, shown, snapshot

if TYPE_CHECKING:
    from bot.discord_app.client import StrikewatchBot


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
            if when == "all" or s.status == when or (when == "upcoming" and s.status == "ongoing")
        ]
        lines = []
        for s in reversed(strikes):
            label = period_label(s.period.start, s.period.end)
            total = ""
            if s.national_total is not None:
                source = "" if s.national_total_source == "release" else " as published"
                total = f": **{number(s.national_total)}** rescheduled{source}"
            status = "" if s.status == "past" else f" ({s.status})"
            lines.append(
                f"**{label}**{status} · {clip(s.period.staff_groups, 50)} · {clip(s.period.unions, 50)}{total}"
            )
        if interaction.guild_id and when != "past":
            for a in await self.bot.store.announcements.of_server(interaction.guild_id):
                if a.end >= today:
                    unions = f" · {clip(escape(a.unions), 50)}" if a.unions else ""
                    lines.insert(
                        0,
                        f"**{period_label(a.start, a.end)}** (announced here) · {clip(escape(a.staff_group), 50)}{unions}",
                    )
        embed = discord.Embed(title=f"Strikes ({when})", colour=COLOUR)
        embed.description = (
            lines_within([], lines) if lines else f"No {when} strikes in the calendar."
        )
        embed.set_footer(text=FOOTER)
        await interaction.response.send_message(embed=embed)

    @app_commands.command(
        name="announce",
        description="Add an upcoming strike to this server's calendar, with reminders",
    )
    @app_commands.describe(
        start="First day, e.g. 2026-12-15 or 15 Dec 2026",
        end="Last day",
        staff_group="Who strikes, e.g. resident doctors",
        union="e.g. BMA",
        note="Shown in the reminders",
    )
    @manage_server()
    async def announce(
        self,
        interaction: discord.Interaction,
        start: app_commands.Range[str, 1, 40],
        end: app_commands.Range[str, 1, 40],
        staff_group: app_commands.Range[str, 1, 100],
        union: app_commands.Range[str, 1, 100] | None = None,
        note: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        first, last = _day(start, "start"), _day(end, "end")
        if last < first:
            raise UserFacingError(
                f"That strike ends ({period_label(last, last)}) before it starts ({period_label(first, first)})."
            )
        if last < date.today():
            raise UserFacingError("That strike is over: announce upcoming strikes only.")
        if (last - first).days > 60:
            raise UserFacingError(
                "A strike longer than 60 days is more likely a typo: check the dates."
            )
        strike = await announcements.announce(
            self.bot.store,
            AnnouncedStrike(
                0,
                interaction.guild_id,
                first,
                last,
                staff_group.strip(),
                (union or "").strip(),
                (note or "").strip(),
            ),
            created_by=interaction.user.id,
            now=datetime.now(UTC),
        )
        settings = await self.bot.store.servers.settings(interaction.guild_id)
        where = (
            f"<#{settings.channel_id}>"
            if settings.channel_id
            else "the alert channel once you set one (/alerts channel)"
        )
        await interaction.response.send_message(
            f"Added {shown(staff_group, 100)} strike {period_label(strike.start, strike.end)}. Reminders go to {where}"
            " the day before (09:00) and on the first morning (07:00).",
            ephemeral=True,
        )

    async def _announced_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        strikes = await self.bot.store.announcements.of_server(interaction.guild_id or 0)
        choices = [
            app_commands.Choice(
                name=clip(f"{period_label(a.start, a.end)} {a.staff_group}", 100), value=str(a.id)
            )
            for a in strikes
        ]
        return [c for c in choices if current.lower() in c.name.lower()][:25]

    @app_commands.command(
        name="cancel", description="Remove a strike this server announced, and its reminders"
    )
    @app_commands.autocomplete(strike=_announced_autocomplete)
    @manage_server()
    async def cancel(
        self, interaction: discord.Interaction, strike: app_commands.Range[str, 1, 100]
    ) -> None:
        cancelled = (
            await announcements.cancel(self.bot.store, interaction.guild_id, int(strike))
            if strike.isdigit()
            else None
        )
        if cancelled is None:
            raise UserFacingError(
                "No strike announced in this server matches: pick one from the list."
            )
        await interaction.response.send_message(
            f"Cancelled the {shown(cancelled.staff_group, 100)} strike {period_label(cancelled.start, cancelled.end)}"
            " and its reminders.",
            ephemeral=True,
        )


def _day(text: str, which: str) -> date:
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        named = dates_in_text(text)
        if named and named[0] == named[1]:
            return named[0]
    raise UserFacingError(
        f"“{shown(text, 40)}” is not a date for {which}: write 2026-12-15 or 15 Dec 2026."
    )


async def setup(bot: StrikewatchBot) -> None:
    await bot.add_cog(Strikes(bot))
