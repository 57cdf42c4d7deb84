"""The Discord bot: receives its settings, store and HTTP client, loads the cogs, syncs commands."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import discord
import httpx
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.discord_app.sender import AlertSender
from bot.domain.ports import Store
from bot.domain.roles import COURIER, POLLER, SINGLE_ROLES, parse_shard_ids
from bot.errors import StoreError, StrikewatchError
from bot.nhs.fetch import Fetcher
from bot.nhs.poller import PollReport
from bot.services.courier import Courier
from bot.services.metrics import Live, Metrics
from bot.services.polling import run_poll
from bot.services.roles import RoleKeeper
from bot.services.schedule import Schedule
from bot.services.snapshots import SnapshotCache
from bot.settings import Settings
from cogs.util import UserFacingError, reply

log = logging.getLogger(__name__)

COGS = (
    "cogs.figures",
    "cogs.turnout",
    "cogs.strikes",
    "cogs.about",
    "cogs.alerts",
    "cogs.source",
    "cogs.help",
)
GLOBAL_SYNC_KEY = "global_commands_sha256"


def _timed(interaction: discord.Interaction, *, ok: bool) -> None:
    """Count one answered command in the metrics, with the time its handler took."""
    started = interaction.extras.get("started")
    command = interaction.command
    if started is None or command is None:
        return
    bot: StrikewatchBot = interaction.client  # type: ignore[assignment]
    bot.metrics.observe_command(command.qualified_name, time.perf_counter() - started, ok=ok)


class StrikewatchTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Discord hides guild-only commands in DMs; refuse them too, whatever a client sends."""
        interaction.extras["started"] = time.perf_counter()
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
        elif isinstance(getattr(error, "original", None), StoreError):
            log.warning("command failed: %s", error.original)  # the database, not a bug
            message = (
                "Strikewatch's database is not answering just now; please try again in a minute."
            )
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("command /%s failed", command, exc_info=error)
            message = (
                "Something went wrong on our side; it has been logged. Please try again later."
            )
        await reply(interaction, message, ephemeral=True)
        _timed(interaction, ok=False)


class StrikewatchBot(commands.AutoShardedBot):
    def __init__(
        self, settings: Settings, store: Store, http_client: httpx.AsyncClient, **options
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=StrikewatchTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            shard_count=settings.shard_count,
            shard_ids=(
                list(parse_shard_ids(settings.shard_ids, settings.shard_count))
                if settings.shard_count
                else None
            ),
            **options,
        )
        self.settings = settings
        self.store = store
        self.http_client = http_client
        self.snapshots = SnapshotCache(store)
        self.version = __version__
        self.roles = RoleKeeper(store, SINGLE_ROLES)
        self.sender = AlertSender(self)
        self.courier = Courier(
            store,
            self.sender.send,
            publish=self.sender.publish,
            may_send=lambda: self.roles.holds(COURIER),
        )
        self.metrics = Metrics(
            Live(self.shard_states, snapshot_rebuilds=lambda: self.snapshots.rebuilds)
        )
        self.schedule: Schedule | None = None
        self._poll_lock = asyncio.Lock()
        self._announced_ready = False
        self.stopping = False  # set first thing in close(): jobs cancelled after it are not errors

    async def setup_hook(self) -> None:
        for cog in COGS:
            await self.load_extension(cog)
        await self.sync_commands()
        await self.roles.forget_dead_neighbours()
        await self.roles.tick()  # a lone process has its roles before the first poll and delivery
        self.roles.start()
        polls = await self.store.polls.last(1)
        last = datetime.fromisoformat(polls[0].started_at) if polls else None
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
        await self.roles.release()  # a standby takes over now rather than when the lease expires
        await super().close()

    # -- polling and delivery ----------------------------------------------------------------------

    async def poll_now(self) -> PollReport:
        """One poll (never two at once); alerts it causes are delivered straight after."""
        async with self._poll_lock:
            report = None
            try:
                report = await run_poll(
                    self.store,
                    self.settings,
                    Fetcher.from_settings(self.http_client, self.settings),
                )
                return report
            finally:
                self.metrics.record_poll(report)
                if self.schedule:
                    self.schedule.deliver_now()

    async def scheduled_poll(self) -> None:
        if not self.roles.holds(POLLER):
            return  # another process polls for the deployment
        try:
            report = await self.poll_now()
        except StrikewatchError as exc:  # the source or the store: its error says which and why
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
        if not self.roles.holds(COURIER):
            return  # another process delivers for the deployment
        try:
            await self.wait_until_ready()
            self.metrics.record_delivery(await self.courier.deliver_due())
        except asyncio.CancelledError:
            if self.stopping:
                return  # what was not marked sent is sent after the restart
            raise

    async def is_owner(self, user: discord.abc.User) -> bool:
        return user.id in self.settings.owner_id_set or await super().is_owner(user)

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
        if await self.store.state.get(GLOBAL_SYNC_KEY) == digest:
            log.info("command tree unchanged since the last global sync; not syncing")
            return
        synced = await self.tree.sync()
        await self.store.state.set(GLOBAL_SYNC_KEY, digest)
        log.info("synced %d commands globally", len(synced))

    def shard_states(self) -> Iterator[tuple[int, float, bool]]:
        """Each of this process's shards: (id, heartbeat latency in seconds, connected)."""
        for shard_id, shard in sorted(self.shards.items()):
            yield shard_id, shard.latency, not shard.is_closed()

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: app_commands.Command
    ) -> None:
        _timed(interaction, ok=True)

    async def on_ready(self) -> None:
        """Fired again after a fresh session; the operator's "ready" line is logged once."""
        if self._announced_ready:
            log.info("gateway session ready again: %d servers", len(self.guilds))
            return
        self._announced_ready = True
        shards = ",".join(map(str, self.shard_ids or range(self.shard_count or 1)))
        next_poll = self.schedule.next_poll if self.schedule else None
        when = f"{next_poll.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if next_poll else "none"
        if not self.roles.holds(POLLER):
            when += " (another process polls)"
        log.info(
            "ready as %s: %d servers, shards %s of %s, store %s, next poll %s",
            self.user,
            len(self.guilds),
            shards,
            self.shard_count,
            f"{self.store.kind} {self.store.name}",
            when,
        )
