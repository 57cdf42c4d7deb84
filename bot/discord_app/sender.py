"""The courier's Discord sender: posts one alert where its route leads, pinging only the server's
chosen role, with its chart attached; publishes what was posted in an announcement channel."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.domain.alerts import (
    OWNERS,
    PINGING_KINDS,
    Alert,
    AlertSettings,
    ChannelKind,
    Crosspost,
    Destination,
)
from bot.services.alert_charts import AlertCharts
from bot.services.charts import Chart
from bot.services.courier import CHANNEL_DELETED, Delivered, DeliveryFailure
from cogs.destinations import first_missing

if TYPE_CHECKING:
    from bot.discord_app.client import StrikewatchBot

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
# How long one publish may wait on Discord's limit (10 an hour per announcement channel) before
# the courier tries it again later, so a channel at its limit never holds up other alerts.
PUBLISH_WAIT = 5.0
ALREADY_CROSSPOSTED = 40033
THREAD_ARCHIVED = 50083


class AlertSender:
    """Turns Discord's answers into DeliveryFailure, which the courier understands."""

    def __init__(self, bot: StrikewatchBot) -> None:
        self._bot = bot
        self.charts = AlertCharts(bot.snapshots.snapshot)

    async def owners_to_tell(self) -> set[int]:
        owners = set(self._bot.settings.owner_id_set)
        try:
            info = await self._bot.application_info()
        except discord.HTTPException:
            return owners
        if info.team:
            owners.update(m.id for m in info.team.members)
        elif info.owner:
            owners.add(info.owner.id)
        return owners

    def missing_permissions(
        self, channel_id: int, kind: ChannelKind = ChannelKind.TEXT, *, charts: bool = False
    ) -> str:
        """Which permission stops the bot posting in a channel, in words an admin can act on."""
        channel = self._bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
            return f"cannot see channel {channel_id}: deleted, or hidden from the bot"
        try:
            missing = first_missing(channel.permissions_for(channel.guild.me), kind, charts)
        except discord.ClientException:  # a thread whose channel the cache lacks
            missing = None
        if missing is None:  # our cache has not caught up with a change: say what to check
            return f"Discord refused to post in #{channel.name}: check View Channel and Send Messages there"
        return f"missing {missing} in #{channel.name}"

    async def send(self, alert: Alert, settings: AlertSettings) -> Delivered:
        """The courier's sender: post one alert where its route leads, pinging only the server's
        chosen role, with its chart when it has one."""
        if alert.guild_id == OWNERS:
            return await self._send_to_owners(alert)
        target = settings.destination(alert.route)
        assert target is not None  # the courier sends only alerts that have somewhere to go
        content, mentions = alert.body, discord.AllowedMentions.none()
        if settings.role_id and alert.kind in PINGING_KINDS:
            content = f"<@&{settings.role_id}> {content}"
            mentions = discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(settings.role_id)]
            )
        if len(content) > MESSAGE_LIMIT:
            content = content[: MESSAGE_LIMIT - 1] + "…"
        chart = await self.charts.chart(alert, settings)
        try:
            message = await self._post(alert, target, content, mentions, chart)
        except discord.Forbidden:
            if chart is None:
                raise self._forbidden(target) from None
            # Nothing was posted. The chart needs Attach Files: the news goes without it rather
            # than not at all, and /alerts status names the permission.
            log.warning(
                "alert %d: refused with its chart in channel %d; sending it without",
                alert.id,
                target.channel_id,
            )
            try:
                message = await self._post(alert, target, content, mentions, None)
            except discord.Forbidden:
                raise self._forbidden(target) from None
        return Delivered(
            target.channel_id, message.id, publish=self._is_announcement(target, alert.guild_id)
        )

    async def _post(
        self,
        alert: Alert,
        target: Destination,
        content: str,
        mentions: discord.AllowedMentions,
        chart: Chart | None,
    ) -> discord.Message:
        """One POST; Forbidden is left to the caller, every other failure is a DeliveryFailure."""
        channel = self._bot.get_partial_messageable(target.channel_id, guild_id=alert.guild_id)
        attached = {}
        if chart is not None:
            attached["file"] = discord.File(
                io.BytesIO(chart.png), chart.filename, description=chart.description
            )
        try:
            # The nonce makes a resend after a crash return the first message instead of a second one.
            return await channel.send(
                content, allowed_mentions=mentions, nonce=f"sw{alert.id}", **attached
            )
        except discord.NotFound:
            raise DeliveryFailure(
                "channel deleted", retry=False, channel_id=target.channel_id, cause=CHANNEL_DELETED
            ) from None
        except discord.Forbidden:
            raise
        except discord.HTTPException as exc:
            if exc.code == THREAD_ARCHIVED:
                raise DeliveryFailure(
                    f"the thread <#{target.channel_id}> is archived and locked: unlock it,"
                    " or pick another channel",
                    retry=False,
                    channel_id=target.channel_id,
                    cause="thread_locked",
                ) from None
            retry = exc.status == 429 or exc.status >= 500
            raise DeliveryFailure(
                f"Discord answered {exc.status} {exc.text[:100]}".strip(), retry=retry
            ) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise DeliveryFailure(
                f"cannot reach Discord ({type(exc).__name__})", retry=True, cause="unreachable"
            ) from None

    def _forbidden(self, target: Destination) -> DeliveryFailure:
        return DeliveryFailure(
            self.missing_permissions(target.channel_id, target.kind),
            retry=False,
            channel_id=target.channel_id,
            cause="missing_permission",
        )

    def _is_announcement(self, target: Destination, guild_id: int) -> bool:
        """Whether to publish: the kind stored when the channel was picked, unless this process
        sees the server and knows better (a channel converted since)."""
        channel = self._bot.get_channel(target.channel_id)
        if isinstance(channel, discord.TextChannel):
            return channel.is_news()
        return target.kind == ChannelKind.ANNOUNCEMENT

    async def publish(self, item: Crosspost) -> None:
        """Publish (crosspost) an alert posted in an announcement channel. Publishing it again is
        not an error: Discord says it was already, which is what we wanted."""
        try:
            async with asyncio.timeout(PUBLISH_WAIT):
                await self._bot.http.publish_message(item.channel_id, item.message_id)
        except TimeoutError:  # waiting on Discord's 10-an-hour limit (or a slow answer)
            raise DeliveryFailure(
                "waiting for Discord's limit of 10 published messages an hour", retry=True
            ) from None
        except discord.NotFound:
            raise DeliveryFailure(
                "not published: the message or its channel was deleted", retry=False
            ) from None
        except discord.Forbidden:
            raise DeliveryFailure(
                "not published: " + self.missing_permissions(item.channel_id), retry=False
            ) from None
        except discord.HTTPException as exc:
            if exc.code == ALREADY_CROSSPOSTED:
                return
            retry = exc.status == 429 or exc.status >= 500
            raise DeliveryFailure(
                f"not published: Discord answered {exc.status} {exc.text[:100]}".strip(),
                retry=retry,
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise DeliveryFailure(
                f"cannot reach Discord ({type(exc).__name__})", retry=True
            ) from None

    async def _send_to_owners(self, alert: Alert) -> Delivered:
        delivered = None
        for owner_id in sorted(await self.owners_to_tell()):
            try:
                user = self._bot.get_user(owner_id) or await self._bot.fetch_user(owner_id)
                message = await user.send(
                    alert.body[:MESSAGE_LIMIT], allowed_mentions=discord.AllowedMentions.none()
                )
                delivered = delivered or Delivered(message.channel.id, message.id)
            except discord.HTTPException as exc:
                log.warning("could not tell owner %s: %s", owner_id, exc)
        if delivered is None:
            raise DeliveryFailure("no owner could be reached by DM", retry=True, cause="owner_dm")
        return delivered
