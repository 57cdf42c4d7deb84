"""Server admins' commands: /track and /alerts. Replies are ephemeral; settings are per server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.alerts import (
    AlertKind,
    AlertSettings,
    AlertStatus,
    Draft,
    ThresholdError,
    check_step,
    parse_thresholds,
)
from cogs.util import (
    UserFacingError,
    clip,
    first_missing_permission,
    require_manage_server,
    resolve_trust,
    shown,
    snapshot,
    trust_autocomplete,
)

if TYPE_CHECKING:
    from bot.discord_app.client import StrikewatchBot


def _describe(settings: AlertSettings, names: dict[str, str]) -> list[str]:
    channel = (
        f"<#{settings.channel_id}>" if settings.channel_id else "not set (use /alerts channel)"
    )
    role = f"<@&{settings.role_id}>" if settings.role_id else "none (alerts ping nobody)"
    tracked = (
        ", ".join(f"{clip(names.get(c, c), 60)} ({c})" for c in sorted(settings.tracked))
        or "none (use /track add)"
    )
    trust = f"every {settings.trust_every:,}" if settings.trust_every else "off"
    extra = f", and at {', '.join(f'{t:,}' for t in settings.extra)}" if settings.extra else ""
    england = f"every {settings.national_every:,}" if settings.national_every else "off"
    return [
        f"**Channel:** {channel}",
        f"**Role to ping:** {role}",
        f"**Tracked trusts:** {tracked}",
        f"**Trust milestones:** {trust}{extra}",
        f"**England milestones:** {england}",
        f"**Digest of each release:** {'on' if settings.digest else 'off'}",
    ]


class ServerAdminGroup(commands.GroupCog):
    """A command group for server admins: Discord hides it from others, and the bot checks again."""

    def __init__(self, bot: StrikewatchBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        require_manage_server(interaction)
        return True


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Track(ServerAdminGroup, group_name="track", group_description="Trusts this server follows"):
    @app_commands.command(
        name="add", description="Follow a trust: its milestones and release figures are posted here"
    )
    @app_commands.autocomplete(trust=trust_autocomplete)
    async def add(
        self, interaction: discord.Interaction, trust: app_commands.Range[str, 1, 200]
    ) -> None:
        found = resolve_trust(await snapshot(interaction), trust)
        added = await self.bot.store.servers.track(interaction.guild_id, found.org_code)
        settings = await self.bot.store.servers.settings(interaction.guild_id)
        state = "Now tracking" if added else "Already tracking"
        hint = "" if settings.channel_id else " Set where alerts go with /alerts channel."
        await interaction.response.send_message(
            f"{state} {shown(found.name, 100)} ({found.org_code}). Milestones it passes from the next release on"
            f" are announced; ones it has already passed are not.{hint}",
            ephemeral=True,
        )

    async def _tracked_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        settings = await self.bot.store.servers.settings(interaction.guild_id or 0)
        snap = await snapshot(interaction)
        names = {c: snap.trusts[c].name if c in snap.trusts else c for c in settings.tracked}
        return [
            app_commands.Choice(name=clip(f"{name} ({code})", 100), value=code)
            for code, name in sorted(names.items(), key=lambda item: item[1])
            if current.lower() in f"{name} {code}".lower()
        ][:25]

    @app_commands.command(name="remove", description="Stop following a trust")
    @app_commands.autocomplete(trust=_tracked_autocomplete)
    async def remove(
        self, interaction: discord.Interaction, trust: app_commands.Range[str, 1, 200]
    ) -> None:
        found = resolve_trust(await snapshot(interaction), trust)
        removed = await self.bot.store.servers.untrack(interaction.guild_id, found.org_code)
        text = "No longer tracking" if removed else "This server was not tracking"
        await interaction.response.send_message(
            f"{text} {shown(found.name, 100)} ({found.org_code}).", ephemeral=True
        )

    @app_commands.command(name="list", description="The trusts this server follows")
    async def list_(self, interaction: discord.Interaction) -> None:
        settings = await self.bot.store.servers.settings(interaction.guild_id)
        snap = await snapshot(interaction)
        lines = [
            f"- {clip(snap.trusts[c].name if c in snap.trusts else c, 90)} ({c})"
            for c in sorted(settings.tracked)
        ]
        await interaction.response.send_message(
            "\n".join(["**Tracked trusts**", *lines])
            if lines
            else "This server tracks no trust yet: use /track add.",
            ephemeral=True,
        )


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Alerts(
    ServerAdminGroup,
    group_name="alerts",
    group_description="Where and when Strikewatch posts alerts",
):
    @app_commands.command(name="channel", description="The channel alerts are posted in")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        cached = interaction.guild.get_channel(channel.id) if interaction.guild else None
        if cached is None:
            raise UserFacingError(
                "I can't see that channel: give Strikewatch the View Channel permission there."
            )
        missing = first_missing_permission(cached.permissions_for(cached.guild.me))
        if missing:
            raise UserFacingError(
                f"Strikewatch is missing {missing} in <#{channel.id}>: grant it, then try again."
            )
        await self.bot.store.servers.update(interaction.guild_id, channel_id=channel.id)
        await interaction.response.send_message(
            f"Alerts will be posted in <#{channel.id}>.", ephemeral=True
        )
        if self.bot.schedule:
            self.bot.schedule.deliver_now()  # alerts that failed in an old channel get another chance

    @app_commands.command(
        name="role", description="The only role alerts may ping (leave empty to ping nobody)"
    )
    async def role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        if role is not None and (role.is_default() or role.managed):
            raise UserFacingError(
                "Pick a role members can hold: not @everyone, and not a bot's own role."
            )
        await self.bot.store.servers.update(interaction.guild_id, role_id=role.id if role else None)
        text = f"Alerts will ping <@&{role.id}>." if role else "Alerts will ping nobody."
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="milestones", description="Milestone steps; 0 turns a kind off")
    @app_commands.describe(
        trust_every="A tracked trust's running total passing every multiple of this (default 1,000)",
        national_every="England's running total passing every multiple of this (default 100,000)",
        extra="Extra trust thresholds, e.g. 4000, 10000 (replaces the previous list; 'none' clears it)",
    )
    async def milestones(
        self,
        interaction: discord.Interaction,
        trust_every: int | None = None,
        national_every: int | None = None,
        extra: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        changes: dict[str, object] = {}
        try:
            if trust_every is not None:
                changes["trust_every"] = check_step(trust_every, "trust_every")
            if national_every is not None:
                changes["national_every"] = check_step(national_every, "national_every")
            if extra is not None:
                changes["extra"] = (
                    () if extra.strip().lower() in ("none", "off", "-") else parse_thresholds(extra)
                )
        except ThresholdError as exc:
            raise UserFacingError(f"Nothing changed: {exc}.") from None
        settings = await self.bot.store.servers.update(interaction.guild_id, **changes)
        snap = await snapshot(interaction)
        await interaction.response.send_message(
            "\n".join(_describe(settings, {c: t.name for c, t in snap.trusts.items()})[3:5]),
            ephemeral=True,
        )

    @app_commands.command(
        name="digest",
        description="Also post one message per release with the tracked trusts' figures",
    )
    async def digest(self, interaction: discord.Interaction, state: Literal["on", "off"]) -> None:
        await self.bot.store.servers.update(interaction.guild_id, digest=state == "on")
        await interaction.response.send_message(f"Release digests are {state}.", ephemeral=True)

    @app_commands.command(
        name="status", description="This server's alert settings, last delivery and failures"
    )
    async def status(self, interaction: discord.Interaction) -> None:
        store = self.bot.store
        settings = await store.servers.settings(interaction.guild_id)
        snap = await snapshot(interaction)
        lines = _describe(settings, {c: t.name for c, t in snap.trusts.items()})
        sent = await store.outbox.of_server(interaction.guild_id, status=AlertStatus.SENT, limit=1)
        lines.append(
            f"**Last delivery:** {sent[0].sent_at} UTC ({sent[0].kind.replace('_', ' ')})"
            if sent
            else "**Last delivery:** none yet"
        )
        pending = await store.outbox.of_server(
            interaction.guild_id, status=AlertStatus.PENDING, limit=100
        )
        if pending:
            waiting = [a for a in pending if a.error]
            lines.append(
                f"**Waiting to send:** {len(pending)}"
                + (f" (retrying: {clip(waiting[0].error, 150)})" if waiting else "")
            )
        failed = await store.outbox.of_server(
            interaction.guild_id, status=AlertStatus.FAILED, limit=10
        )
        if failed:
            lines.append("**Failed deliveries:**")
            lines += [
                f"- {a.created_at} {a.kind.replace('_', ' ')} {a.subject}: {clip(a.error or 'unknown', 150)}"
                for a in failed
            ]
        else:
            lines.append("**Failed deliveries:** none")
        await interaction.response.send_message(clip("\n".join(lines), 2000), ephemeral=True)

    @app_commands.command(name="test", description="Post a sample alert to the alert channel")
    async def test(self, interaction: discord.Interaction) -> None:
        settings = await self.bot.store.servers.settings(interaction.guild_id)
        if not settings.channel_id:
            raise UserFacingError("Set a channel first with /alerts channel.")
        key = datetime.now(UTC).isoformat(timespec="microseconds")
        body = "This is a test alert from Strikewatch: milestones and release figures for your tracked trusts will arrive here."
        await self.bot.store.outbox.add(
            Draft(interaction.guild_id, AlertKind.TEST, "test", key, body)
        )
        if self.bot.schedule:
            self.bot.schedule.deliver_now()
        await interaction.response.send_message(
            f"A test alert is on its way to <#{settings.channel_id}>; /alerts status shows if it failed.",
            ephemeral=True,
        )


async def setup(bot: StrikewatchBot) -> None:
    await bot.add_cog(Track(bot))
    await bot.add_cog(Alerts(bot))
