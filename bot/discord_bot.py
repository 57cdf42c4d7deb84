"""The Discord bot: receives its settings, store and HTTP client, loads the cogs, syncs commands."""

from __future__ import annotations

import hashlib
import json
import logging

import discord
import httpx
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.report import Reports
from bot.settings import Settings
from storage import SQLiteStore

log = logging.getLogger(__name__)

COGS = ("cogs.figures", "cogs.strikes", "cogs.about")
GLOBAL_SYNC_KEY = "global_commands_sha256"


class UserFacingError(app_commands.AppCommandError):
    """A problem with what the member asked; its message is shown to them as it is."""


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


async def reply(
    interaction: discord.Interaction, content: str, *, ephemeral: bool = True, **kwargs
) -> None:
    """Answer whether or not the interaction was already answered or deferred."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=ephemeral, **kwargs)
        else:
            await interaction.response.send_message(content, ephemeral=ephemeral, **kwargs)
    except discord.HTTPException:
        log.warning("could not answer interaction %s", interaction.id, exc_info=True)


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
        self.reports = Reports(store)
        self.version = __version__

    async def setup_hook(self) -> None:
        for cog in COGS:
            await self.load_extension(cog)
        await self.sync_commands()

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
