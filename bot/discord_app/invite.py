"""`strikewatch invite`: the URL that adds the bot to a server, asking exactly what it needs."""

from __future__ import annotations

import asyncio

import aiohttp
import discord

from bot.discord_app.runner import point_at_discord
from bot.errors import RunError
from bot.settings import Settings
from cogs.util import NEEDED_PERMISSIONS, needed_permissions

SCOPES = ("bot", "applications.commands")


async def invite_lines(settings: Settings, guild_id: int | None) -> list[str]:
    """The URL (the application id asked of Discord with the token), then each permission and why."""
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise RunError("DISCORD_TOKEN is not set: put the bot's token in .env (see .env.example)")
    point_at_discord(settings)
    # The REST client alone: no gateway, and none of the client's start-up logging.
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login(token)
        application = await http.application_info()
    except discord.LoginFailure:
        raise RunError("Discord rejected DISCORD_TOKEN: check the token in .env") from None
    except (aiohttp.ClientError, OSError, discord.HTTPException) as exc:
        raise RunError(f"cannot reach Discord at {settings.discord_api_base}: {exc}") from None
    finally:
        await http.close()
    url = discord.utils.oauth_url(
        int(application["id"]),
        permissions=needed_permissions(),
        guild=discord.Object(guild_id) if guild_id else discord.utils.MISSING,
        scopes=SCOPES,
        disable_guild_select=bool(guild_id),
    )
    lines = [url, "", f"Adds {application['name']} with the slash commands and these permissions:"]
    lines += [f"  {label}: to {why}" for _, label, why in NEEDED_PERMISSIONS]
    lines.append("No other permission (never Administrator); a server can narrow them per channel.")
    return lines
