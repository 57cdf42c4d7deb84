"""The Discord bot: receives its settings, store and HTTP client, loads the cogs, syncs commands."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import datetime

import aiohttp
import discord
import httpx
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.domain.alerts import AlertSettings
from bot.nhs.fetch import Fetcher
from bot.nhs.ingest import PollError, PollReport
from bot.services.courier import Courier, Delivered, DeliveryFailure
from bot.services.polling import run_poll
from bot.services.schedule import Schedule
from bot.services.snapshots import SnapshotCache
from bot.settings import Settings
from cogs.util import UserFacingError, first_missing_permission, reply
from storage import SQLiteStore
from storage.alerts import Alert

log = logging.getLogger(__name__)

COGS = ("cogs.figures", "cogs.strikes", "cogs.about", "cogs.alerts", "cogs.source")
MESSAGE_LIMIT = 2000
PINGING_KINDS = {"trust_milestone", "national_milestone", "digest", "reminder"}
GLOBAL_SYNC_KEY = "global_commands_sha256"


class StrikewatchTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Discord hides guild-only commands in DMs; refuse them too, whatever a client sends."""
        command = interaction.command
        if interaction.guild_id is None and command is not None:
            root = command.root_parent or command
            if getattr(root, "guild_only", False):
                raise app_commands.NoPrivateMessage()
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """One place for every command error: a short ephemeral answer, the traceback to the log."""
        if isinstance(error, UserFacingError):
            message = str(error)
        elif isinstance(error, app_commands.TransformerError):
            message = "That option's value isn't valid here: pick one from the list."
        elif isinstance(error, app_commands.NoPrivateMessage):
            message = "Strikewatch answers in servers. Outside Discord, try the `strikewatch` command line."
        elif isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
            message = "You can't use this command here."
        elif isinstance(error, app_commands.CommandOnCooldown):
            message = f"Slow down: try again in {error.retry_after:.0f} s."
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("command /%s failed", command, exc_info=error)
            message = (
                "Something went wrong on our side; it has been logged. Please try again later."
            )
        await reply(interaction, message, ephemeral=True)


class StrikewatchBot(commands.Bot):
    def __init__(
        self, settings: Settings, store: SQLiteStore, http_client: httpx.AsyncClient, **options
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=StrikewatchTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **options,
        )
        self.settings = settings
        self.store = store
        self.http_client = http_client
        self.snapshots = SnapshotCache(store)
        self.version = __version__
        self.courier = Courier(store, self.send_alert)
        self.schedule: Schedule | None = None
        self._poll_lock = asyncio.Lock()
        self.stopping = False  # set first thing in close(): jobs cancelled after it are not errors

    async def setup_hook(self) -> None:
        for cog in COGS:
            await self.load_extension(cog)
        await self.sync_commands()
        polls = await self.store.last_polls(1)
        last = datetime.fromisoformat(polls[0]["started_at"]) if polls else None
        self.schedule = Schedule(
            poll=self.scheduled_poll,
            deliver=self.deliver_alerts,
            poll_minutes=self.settings.poll_interval_minutes,
            last_poll=last,
        ).start()

    async def close(self) -> None:
        self.stopping = True
        if self.schedule:
            self.schedule.shutdown()
        await super().close()

    # -- polling and delivery ----------------------------------------------------------------------

    async def poll_now(self) -> PollReport:
        """One poll (never two at once); alerts it causes are delivered straight after."""
        async with self._poll_lock:
            try:
                return await run_poll(
                    self.store,
                    self.settings,
                    Fetcher.from_settings(self.http_client, self.settings),
                )
            finally:
                if self.schedule:
                    self.schedule.deliver_now()

    async def scheduled_poll(self) -> None:
        try:
            report = await self.poll_now()
        except PollError as exc:
            log.warning("scheduled poll failed: %s", exc)
            return
        except asyncio.CancelledError:
            if self.stopping:
                return  # the next start polls again (this poll is not recorded as done)
            raise
        log.info(
            "scheduled poll: %s",
            {k: v for k, v in report.summary().items() if k != "skipped_reasons"},
        )

    async def deliver_alerts(self) -> None:
        try:
            await self.wait_until_ready()
            await self.courier.deliver_due()
        except asyncio.CancelledError:
            if self.stopping:
                return  # what was not marked sent is sent after the restart
            raise

    async def owners_to_tell(self) -> set[int]:
        owners = set(self.settings.owner_id_set)
        try:
            info = await self.application_info()
        except discord.HTTPException:
            return owners
        if info.team:
            owners.update(m.id for m in info.team.members)
        elif info.owner:
            owners.add(info.owner.id)
        return owners

    async def is_owner(self, user: discord.abc.User) -> bool:
        return user.id in self.settings.owner_id_set or await super().is_owner(user)

    def missing_permissions(self, channel_id: int) -> str:
        """Which permission stops the bot posting in a channel, in words an admin can act on."""
        channel = self.get_channel(channel_id)
        if not isinstance(channel, discord.abc.GuildChannel):
            return f"cannot see channel {channel_id}: deleted, or hidden from the bot"
        missing = first_missing_permission(channel.permissions_for(channel.guild.me))
        if missing is None:  # our cache has not caught up with a change: say what to check
            return f"Discord refused to post in #{channel.name}: check View Channel and Send Messages there"
        return f"missing {missing} in #{channel.name}"

    async def send_alert(self, alert: Alert, settings: AlertSettings) -> Delivered:
        """The courier's sender: post one alert, pinging only the server's chosen role."""
        if alert.guild_id == 0:
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
        channel = self.get_partial_messageable(channel_id, guild_id=alert.guild_id)
        try:
            # The nonce makes a resend after a crash return the first message instead of a second one.
            message = await channel.send(content, allowed_mentions=mentions, nonce=f"sw{alert.id}")
        except discord.NotFound:
            raise DeliveryFailure("channel deleted", retry=False, channel_id=channel_id) from None
        except discord.Forbidden:
            raise DeliveryFailure(
                self.missing_permissions(channel_id), retry=False, channel_id=channel_id
            ) from None
        except discord.HTTPException as exc:
            retry = exc.status == 429 or exc.status >= 500
            raise DeliveryFailure(
                f"Discord answered {exc.status} {exc.text[:100]}".strip(), retry=retry
            ) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise DeliveryFailure(
                f"cannot reach Discord ({type(exc).__name__})", retry=True
            ) from None
        return Delivered(channel_id, message.id)

    async def _send_to_owners(self, alert: Alert) -> Delivered:
        delivered = None
        for owner_id in sorted(await self.owners_to_tell()):
            try:
                user = self.get_user(owner_id) or await self.fetch_user(owner_id)
                message = await user.send(
                    alert.body[:MESSAGE_LIMIT], allowed_mentions=discord.AllowedMentions.none()
                )
                delivered = delivered or Delivered(message.channel.id, message.id)
            except discord.HTTPException as exc:
                log.warning("could not tell owner %s: %s", owner_id, exc)
        if delivered is None:
            raise DeliveryFailure("no owner could be reached by DM", retry=True)
        return delivered

    def command_payload(self) -> list[dict]:
        return [command.to_dict(self.tree) for command in self.tree.get_commands()]

    async def sync_commands(self) -> None:
        """Sync to the development guild each start (instant); globally only when the tree changed."""
        if self.settings.dev_guild_id:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info(
                "synced %d commands to development guild %s",
                len(synced),
                self.settings.dev_guild_id,
            )
            return
        digest = hashlib.sha256(
            json.dumps(self.command_payload(), sort_keys=True).encode()
        ).hexdigest()
        if await self.store.get_state(GLOBAL_SYNC_KEY) == digest:
            log.info("command tree unchanged since the last global sync; not syncing")
            return
        synced = await self.tree.sync()
        await self.store.set_state(GLOBAL_SYNC_KEY, digest)
        log.info("synced %d commands globally", len(synced))

    async def on_ready(self) -> None:
        log.info("connected as %s to %d servers", self.user, len(self.guilds))
