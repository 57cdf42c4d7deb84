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
    ChannelKind,
    CrosspostStatus,
    Destination,
    Draft,
    ThresholdError,
    check_step,
    parse_thresholds,
)
from bot.domain.regions import (
    RegionError,
    canonical_region,
    region_subject,
    resolve_region,
    subject_region,
)
from bot.domain.reports import Snapshot
from cogs.destinations import AlertChannel, destination, problem, where
from cogs.util import (
    UserFacingError,
    clip,
    region_autocomplete,
    require_manage_server,
    resolve_trust,
    shown,
    snapshot,
    trust_autocomplete,
)

if TYPE_CHECKING:
    from bot.discord_app.client import StrikewatchBot

SUBJECTS_LINE = 700  # characters of /alerts status a list of subjects may take
ASK_AT_MOST = 2  # archived threads /alerts status asks Discord about (each up to 1 s of 3)


def _route(settings: AlertSettings, subject: str) -> str:
    """Where a subject's alerts go, in a few words."""
    own = settings.channels.get(subject)
    if own is None:
        return "the alert channel"
    if own.gone:
        return "the alert channel (its own channel was deleted)"
    return where(own.kind, own.channel_id)


def _trust_name(snap: Snapshot, code: str) -> str:
    return snap.trusts[code].name if code in snap.trusts else code


def _region_size(snap: Snapshot, region: str) -> int:
    return sum(1 for t in snap.trusts.values() if canonical_region(t.region) == region)


def _subjects(settings: AlertSettings, snap: Snapshot) -> list[str]:
    trusts = "; ".join(
        f"{clip(_trust_name(snap, c), 60)} ({c}) → {_route(settings, c)}"
        for c in sorted(settings.tracked, key=lambda c: _trust_name(snap, c))
    )
    regions = "; ".join(
        f"{r} → {_route(settings, region_subject(r))}" for r in sorted(settings.regions)
    )
    return [
        f"**Tracked trusts:** {clip(trusts, SUBJECTS_LINE) or 'none (use /track add)'}",
        f"**Followed regions:** {clip(regions, SUBJECTS_LINE) or 'none (use /track region)'}",
    ]


def _milestones(settings: AlertSettings) -> list[str]:
    trust = f"every {settings.trust_every:,}" if settings.trust_every else "off"
    extra = f", and at {', '.join(f'{t:,}' for t in settings.extra)}" if settings.extra else ""
    region = f"every {settings.region_every:,}" if settings.region_every else "off"
    england = f"every {settings.national_every:,}" if settings.national_every else "off"
    return [
        f"**Trust milestones:** {trust}{extra}",
        f"**Region milestones:** {region}",
        f"**England milestones:** {england}",
    ]


def _describe(settings: AlertSettings, snap: Snapshot) -> list[str]:
    channel = (
        where(settings.channel_kind, settings.channel_id)
        if settings.channel_id
        else "not set (use /alerts channel)"
    )
    role = f"<@&{settings.role_id}>" if settings.role_id else "none (alerts ping nobody)"
    return [
        f"**Channel:** {channel}",
        f"**Role to ping:** {role}",
        *_subjects(settings, snap),
        *_milestones(settings),
        f"**Digest of each release:** {'on' if settings.digest else 'off'}",
        f"**Charts on milestone alerts:** {'on' if settings.charts else 'off'}",
    ]


async def _checks(interaction: discord.Interaction, settings: AlertSettings) -> list[str]:
    """Each channel in use as Discord stands now: deleted, or missing a permission."""
    found = []
    if settings.channel_id is not None:
        trouble = await problem(interaction, settings.server_destination, charts=settings.charts)
        if trouble:
            found.append(f"- <#{settings.channel_id}> (alert channel): {trouble}")
    fallback = f"the alert channel <#{settings.channel_id}>" if settings.channel_id else "nowhere"
    threads = 0
    for subject, own in sorted(settings.channels.items()):
        name = subject_region(subject) or subject
        threads += own.kind == ChannelKind.THREAD
        trouble = (
            "deleted"
            if own.gone
            else await problem(interaction, own, charts=settings.charts, ask=threads <= ASK_AT_MOST)
        )
        if trouble == "deleted":
            found.append(
                f"- {name}: its channel <#{own.channel_id}> was deleted; its alerts go to {fallback}"
            )
        elif trouble:
            found.append(f"- {name}: <#{own.channel_id}> {trouble}")
    return found


class ServerAdminGroup(commands.GroupCog):
    """A command group for server admins: Discord hides it from others, and the bot checks again."""

    def __init__(self, bot: StrikewatchBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        require_manage_server(interaction)
        return True

    async def settings(self, interaction: discord.Interaction) -> AlertSettings:
        return await self.bot.store.servers.settings(interaction.guild_id)

    async def picked(
        self, interaction: discord.Interaction, channel: AlertChannel | None
    ) -> Destination | None:
        if channel is None:
            return None
        charts = (await self.settings(interaction)).charts
        return await destination(interaction, channel, charts=charts)


def _goes_to(settings: AlertSettings, subject: str) -> str:
    target = settings.destination(subject)
    if target is None:
        return " Nothing will be posted until you set a channel: use /alerts channel."
    return f" Its alerts go to {where(target.kind, target.channel_id)}."


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Track(
    ServerAdminGroup, group_name="track", group_description="Trusts and regions this server follows"
):
    @app_commands.command(
        name="add", description="Follow a trust: its milestones and release figures are posted"
    )
    @app_commands.describe(channel="Where its alerts go (default: the alert channel)")
    @app_commands.autocomplete(trust=trust_autocomplete)
    async def add(
        self,
        interaction: discord.Interaction,
        trust: app_commands.Range[str, 1, 200],
        channel: AlertChannel | None = None,
    ) -> None:
        found = resolve_trust(await snapshot(interaction), trust)
        target = await self.picked(interaction, channel)
        added = await self.bot.store.servers.track(interaction.guild_id, found.org_code, target)
        settings = await self.settings(interaction)
        state = "Now tracking" if added else "Already tracking"
        await interaction.response.send_message(
            f"{state} {shown(found.name, 100)} ({found.org_code}). Milestones it passes from the next release on"
            f" are announced; ones it has already passed are not."
            + _goes_to(settings, found.org_code),
            ephemeral=True,
        )

    @app_commands.command(
        name="region",
        description="Follow an NHS England region: its trusts' milestones, its own, its digest",
    )
    @app_commands.describe(
        region="One of NHS England's seven regions", channel="Where its alerts go"
    )
    @app_commands.autocomplete(region=region_autocomplete)
    async def region(
        self,
        interaction: discord.Interaction,
        region: app_commands.Range[str, 1, 100],
        channel: AlertChannel | None = None,
    ) -> None:
        try:
            name = resolve_region(region)
        except RegionError as exc:
            raise UserFacingError(f"{exc} Nothing changed.") from None
        target = await self.picked(interaction, channel)
        added = await self.bot.store.servers.follow(interaction.guild_id, name, target)
        settings = await self.settings(interaction)
        size = _region_size(await snapshot(interaction), name)
        state = "Now following" if added else "Already following"
        region_every = (
            f"its own every {settings.region_every:,}"
            if settings.region_every
            else "none of its own"
        )
        await interaction.response.send_message(
            f"{state} {name} ({size} trusts): each trust's milestones, {region_every}, and a digest"
            f" of each release when /alerts digest is on, from the next release on."
            + _goes_to(settings, region_subject(name)),
            ephemeral=True,
        )

    async def _tracked_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        settings = await self.bot.store.servers.settings(interaction.guild_id or 0)
        snap = await snapshot(interaction)
        names = {c: _trust_name(snap, c) for c in settings.tracked}
        return [
            app_commands.Choice(name=clip(f"{name} ({code})", 100), value=code)
            for code, name in sorted(names.items(), key=lambda item: item[1])
            if current.lower() in f"{name} {code}".lower()
        ][:25]

    async def _followed_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        settings = await self.bot.store.servers.settings(interaction.guild_id or 0)
        return [
            app_commands.Choice(name=r, value=r)
            for r in sorted(settings.regions)
            if current.lower() in r.lower()
        ]

    @app_commands.command(name="remove", description="Stop following a trust or a region")
    @app_commands.autocomplete(trust=_tracked_autocomplete, region=_followed_autocomplete)
    async def remove(
        self,
        interaction: discord.Interaction,
        trust: app_commands.Range[str, 1, 200] | None = None,
        region: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        if (trust is None) == (region is None):
            raise UserFacingError("Name one trust or one region to stop following.")
        if region is not None:
            try:
                name = resolve_region(region)
            except RegionError as exc:
                raise UserFacingError(f"{exc} Nothing changed.") from None
            removed = await self.bot.store.servers.unfollow(interaction.guild_id, name)
            text = "No longer following" if removed else "This server was not following"
            await interaction.response.send_message(f"{text} {name}.", ephemeral=True)
            return
        found = resolve_trust(await snapshot(interaction), trust or "")
        removed = await self.bot.store.servers.untrack(interaction.guild_id, found.org_code)
        text = "No longer tracking" if removed else "This server was not tracking"
        await interaction.response.send_message(
            f"{text} {shown(found.name, 100)} ({found.org_code}).", ephemeral=True
        )

    @app_commands.command(name="list", description="The trusts and regions this server follows")
    async def list_(self, interaction: discord.Interaction) -> None:
        settings = await self.settings(interaction)
        snap = await snapshot(interaction)
        trusts = [
            f"- {clip(_trust_name(snap, c), 90)} ({c}) → {_route(settings, c)}"
            for c in sorted(settings.tracked)
        ]
        regions = [
            f"- {r} ({_region_size(snap, r)} trusts) → {_route(settings, region_subject(r))}"
            for r in sorted(settings.regions)
        ]
        if not trusts and not regions:
            text = "This server follows no trust or region yet: use /track add or /track region."
        else:
            text = "\n".join(
                (["**Tracked trusts**", *trusts] if trusts else [])
                + (["**Followed regions**", *regions] if regions else [])
            )
        await interaction.response.send_message(clip(text, 2000), ephemeral=True)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Alerts(
    ServerAdminGroup,
    group_name="alerts",
    group_description="Where and when Strikewatch posts alerts",
):
    @app_commands.command(
        name="channel", description="The channel alerts are posted in (a thread, or announcements)"
    )
    async def channel(self, interaction: discord.Interaction, channel: AlertChannel) -> None:
        target = await self.picked(interaction, channel)
        assert target is not None
        await self.bot.store.servers.update(
            interaction.guild_id, channel_id=target.channel_id, channel_kind=target.kind
        )
        published = (
            " Each alert is also published to the servers that follow it."
            if target.kind == ChannelKind.ANNOUNCEMENT
            else ""
        )
        await interaction.response.send_message(
            f"Alerts will be posted in <#{target.channel_id}>.{published}", ephemeral=True
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
        trust_every="A trust's running total passing every multiple of this (default 1,000)",
        national_every="England's running total passing every multiple of this (default 100,000)",
        extra="Extra trust thresholds, e.g. 4000, 10000 (replaces the previous list; 'none' clears it)",
        region_every="A followed region's running total passing every multiple of this (default 10,000)",
    )
    async def milestones(
        self,
        interaction: discord.Interaction,
        trust_every: int | None = None,
        national_every: int | None = None,
        extra: app_commands.Range[str, 1, 300] | None = None,
        region_every: int | None = None,
    ) -> None:
        changes: dict[str, object] = {}
        try:
            if trust_every is not None:
                changes["trust_every"] = check_step(trust_every, "trust_every")
            if national_every is not None:
                changes["national_every"] = check_step(national_every, "national_every")
            if region_every is not None:
                changes["region_every"] = check_step(region_every, "region_every")
            if extra is not None:
                changes["extra"] = (
                    () if extra.strip().lower() in ("none", "off", "-") else parse_thresholds(extra)
                )
        except ThresholdError as exc:
            raise UserFacingError(f"Nothing changed: {exc}.") from None
        settings = await self.bot.store.servers.update(interaction.guild_id, **changes)
        await interaction.response.send_message("\n".join(_milestones(settings)), ephemeral=True)

    @app_commands.command(
        name="digest",
        description="Also post one message per release with the tracked trusts' and regions' figures",
    )
    async def digest(self, interaction: discord.Interaction, state: Literal["on", "off"]) -> None:
        await self.bot.store.servers.update(interaction.guild_id, digest=state == "on")
        await interaction.response.send_message(f"Release digests are {state}.", ephemeral=True)

    @app_commands.command(
        name="charts", description="Attach the subject's chart to each milestone alert (default on)"
    )
    async def charts(self, interaction: discord.Interaction, state: Literal["on", "off"]) -> None:
        settings = await self.bot.store.servers.update(interaction.guild_id, charts=state == "on")
        text = f"Charts on milestone alerts are {state}."
        if settings.charts:
            lacking = []
            for target in (settings.server_destination, *settings.channels.values()):
                if target is None or target.gone:
                    continue
                trouble = await problem(interaction, target, charts=True)
                if trouble and trouble.startswith("missing Attach Files"):
                    lacking.append(f"<#{target.channel_id}>")
            if lacking:
                text += (
                    f" Strikewatch is missing Attach Files in {', '.join(lacking)}: alerts there go"
                    " without their chart until it is granted."
                )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(
        name="status",
        description="This server's alert settings, channels, last delivery and failures",
    )
    async def status(self, interaction: discord.Interaction) -> None:
        store = self.bot.store
        settings = await self.settings(interaction)
        lines = _describe(settings, await snapshot(interaction))
        checks = await _checks(interaction, settings)
        lines += ["**Channel checks:**", *checks] if checks else ["**Channel checks:** all good"]
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
        to_publish = await store.crossposts.of_server(
            interaction.guild_id, status=CrosspostStatus.PENDING, limit=100
        )
        if to_publish:
            lines.append(
                f"**Waiting to publish:** {len(to_publish)} (Discord allows 10 an hour in an"
                " announcement channel)"
            )
        failed = await store.outbox.of_server(
            interaction.guild_id, status=AlertStatus.FAILED, limit=10
        )
        unpublished = await store.crossposts.of_server(
            interaction.guild_id, status=CrosspostStatus.FAILED, limit=5
        )
        if failed or unpublished:
            lines.append("**Failed deliveries:**")
            lines += [
                f"- {a.created_at} {a.kind.replace('_', ' ')} {a.subject}: {clip(a.error or 'unknown', 150)}"
                for a in failed
            ]
            lines += [
                f"- alert {c.alert_id} in <#{c.channel_id}>: {clip(c.error or 'unknown', 150)}"
                for c in unpublished
            ]
        else:
            lines.append("**Failed deliveries:** none")
        await interaction.response.send_message(clip("\n".join(lines), 2000), ephemeral=True)

    @app_commands.command(name="test", description="Post a sample alert to the alert channel")
    async def test(self, interaction: discord.Interaction) -> None:
        settings = await self.settings(interaction)
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
