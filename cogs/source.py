"""The bot owner's commands: /source poll and /source status."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.roles import lease_lines
from bot.nhs.poller import PollError
from cogs.render import poll_result
from cogs.util import UserFacingError, clip

if TYPE_CHECKING:
    from bot.discord_app.client import StrikewatchBot


@app_commands.default_permissions(administrator=True)
class Source(
    commands.GroupCog,
    group_name="source",
    group_description="The NHS England source (bot owners only)",
):
    def __init__(self, bot: StrikewatchBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if not await self.bot.is_owner(interaction.user):
            raise UserFacingError("Only the bot's owners can use /source.")
        return True

    @app_commands.command(name="poll", description="Poll NHS England's page now")
    async def poll(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            report = await self.bot.poll_now()
        except PollError as exc:
            await interaction.followup.send(f"Poll failed: {clip(str(exc), 1800)}", ephemeral=True)
            return
        s = report.summary()
        lines = [
            f"Poll done: {s['new']} new, {s['revised']} revised, {s['unchanged']} unchanged, {s['skipped']} skipped."
        ]
        lines += [f"- skipped {clip(reason, 300)}" for reason in s["skipped_reasons"][:5]]
        await interaction.followup.send(clip("\n".join(lines), 2000), ephemeral=True)

    @app_commands.command(
        name="status",
        description="Last polls, failures, the next run, and which process has each role",
    )
    async def status(self, interaction: discord.Interaction) -> None:
        polls = await self.bot.store.polls.last(5)
        lines = [f"**Source:** {self.bot.settings.nhs_index_url}"]
        next_poll = self.bot.schedule.next_poll if self.bot.schedule else None
        lines.append(
            f"**Next poll:** {next_poll:%Y-%m-%d %H:%M %Z}"
            if next_poll
            else "**Next poll:** not scheduled"
        )
        lines += [f"- {poll.started_at} UTC: {poll_result(poll)}" for poll in polls]
        store = self.bot.store
        leases = lease_lines(await store.roles.leases(), await store.roles.clock_ms())
        lines.append(f"**Roles** (this process: {self.bot.roles.holder.label}):")
        lines += [f"- {line}" for line in leases]
        owner_reports = await self.bot.store.outbox.of_server(0, limit=3)
        lines += [
            f"- report: {clip(a.body.splitlines()[0], 200)} ({a.status})" for a in owner_reports
        ]
        await interaction.response.send_message(clip("\n".join(lines), 2000), ephemeral=True)


async def setup(bot: StrikewatchBot) -> None:
    await bot.add_cog(Source(bot))
