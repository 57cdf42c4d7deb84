"""The courier's Discord sender: posts one alert, pinging only the server's chosen role."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.domain.alerts import OWNERS, PINGING_KINDS, Alert, AlertSettings
from bot.services.courier import Delivered, DeliveryFailure
from cogs.util import first_missing_permission

if TYPE_CHECKING:
    from bot.discord_app.client import StrikewatchBot

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000


class AlertSender:
    """Turns Discord's answers into DeliveryFailure, which the courier understands."""

    def __init__(self, bot: StrikewatchBot) -> None:
        self._bot = bot

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

    def missing_permissions(self, channel_id: int) -> str:
        """Which permission stops the bot posting in a channel, in words an admin can act on."""
        channel = self._bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.GuildChannel):
            return f"cannot see channel {channel_id}: deleted, or hidden from the bot"
        missing = first_missing_permission(channel.permissions_for(channel.guild.me))
        if missing is None:  # our cache has not caught up with a change: say what to check
            return f"Discord refused to post in #{channel.name}: check View Channel and Send Messages there"
        return f"missing {missing} in #{channel.name}"

    async def send(self, alert: Alert, settings: AlertSettings) -> Delivered:
        """The courier's sender: post one alert, pinging only the server's chosen role."""
        if alert.guild_id == OWNERS:
            return await self._send_to_owners(alert)
        channel_id = settings.channel_id
        assert channel_id is not None
        content, mentions = alert.body, discord.AllowedMentions.none()
        if settings.role_id and alert.kind in PINGING_KINDS:
            content = f"<@&{settings.role_id}> {content}"
            mentions = discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(settings.role_id)]
            )
        if len(content) > MESSAGE_LIMIT:
            content = content[: MESSAGE_LIMIT - 1] + "…"
        channel = self._bot.get_partial_messageable(channel_id, guild_id=alert.guild_id)
        try:
            # The nonce makes a resend after a crash return the first message instead of a second one.
            message = await channel.send(content, allowed_mentions=mentions, nonce=f"sw{alert.id}")
        except discord.NotFound:
            raise DeliveryFailure(
                "channel deleted", retry=False, channel_id=channel_id, cause="channel_deleted"
            ) from None
        except discord.Forbidden:
            raise DeliveryFailure(
                self.missing_permissions(channel_id),
                retry=False,
                channel_id=channel_id,
                cause="missing_permission",
            ) from None
        except discord.HTTPException as exc:
            retry = exc.status == 429 or exc.status >= 500
            raise DeliveryFailure(
                f"Discord answered {exc.status} {exc.text[:100]}".strip(), retry=retry
            ) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise DeliveryFailure(
                f"cannot reach Discord ({type(exc).__name__})", retry=True, cause="unreachable"
            ) from None
        return Delivered(channel_id, message.id)

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
