"""Server-side permission checks: Discord's default permissions hide commands, these enforce them."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord_bot import UserFacingError


def require_manage_server(interaction: discord.Interaction) -> None:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    if not interaction.permissions.manage_guild:
        raise UserFacingError(
            "Only members with the Manage Server permission can change Strikewatch's alerts."
        )


def manage_server():
    """A check for one command (e.g. /strikes announce inside a group everyone may use)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        require_manage_server(interaction)
        return True

    return app_commands.check(predicate)
