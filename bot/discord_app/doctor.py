"""`strikewatch doctor`: settings, database, NHS England's page, the token, and every alert channel.

Discord is asked over REST only (no gateway): the token, then for each server with alerts its
channel, its roles and the bot's member, from which the bot's permissions there are computed as
Discord computes them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import discord

from bot.app import open_store_as_it_is
from bot.discord_app.runner import point_at_discord
from bot.domain.alerts import AlertSettings, ChannelKind, Destination
from bot.domain.ports import Store
from bot.domain.regions import subject_region
from bot.errors import StoreError
from bot.nhs.fetch import make_client
from bot.services.doctor import Check, Status, source_check, store_checks
from bot.settings import Settings
from cogs.destinations import KINDS, needed


async def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order a fix is needed: one that fails never stops the others."""
    checks = [Check(Status.OK, "settings", "valid")]
    store: Store | None = None
    try:
        store = await open_store_as_it_is(settings)
    except StoreError as exc:
        checks.append(Check(Status.FAIL, "database", str(exc)))  # it names the cause
    try:
        if store is not None:
            checks += await store_checks(store)
            async with make_client(
                settings.http_user_agent, settings.http_deadline_seconds
            ) as client:
                checks.append(await source_check(store, settings, client))
        checks += await discord_checks(settings, store)
    finally:
        if store is not None:
            await store.close()
    return checks


async def discord_checks(settings: Settings, store: Store | None) -> list[Check]:
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        return [
            Check(Status.FAIL, "token", "DISCORD_TOKEN is not set: put the bot's token in .env")
        ]
    point_at_discord(settings)
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        try:
            me = await http.static_login(token)
        except discord.LoginFailure:
            return [
                Check(
                    Status.FAIL,
                    "token",
                    "Discord rejected DISCORD_TOKEN (reset or mistyped): copy the current token"
                    " from the developer portal into .env",
                )
            ]
        except (aiohttp.ClientError, OSError, discord.HTTPException) as exc:
            return [
                Check(
                    Status.FAIL,
                    "token",
                    f"cannot reach Discord at {settings.discord_api_base}: {exc}",
                )
            ]
        checks = [Check(Status.OK, "token", f"accepted: the bot is {me['username']} ({me['id']})")]
        if store is None:
            return checks
        servers = await store.servers.with_alerts()
        if not servers:
            checks.append(
                Check(Status.WARN, "servers", "no server has chosen an alert channel yet")
            )
        for _, alert_settings in sorted(servers.items()):
            checks += await _server_checks(http, int(me["id"]), alert_settings)
        return checks
    finally:
        await http.close()


def _destinations(s: AlertSettings) -> list[tuple[str, Destination]]:
    """Every channel the server's alerts may go to: its alert channel, then each subject's."""
    found = [("alert channel", s.server_destination)] if s.server_destination else []
    for subject, own in sorted(s.channels.items()):
        region = subject_region(subject)
        found.append((f"channel for {region or subject}", own))
    return found


async def _server_checks(
    http: discord.http.HTTPClient, bot_id: int, s: AlertSettings
) -> list[Check]:
    subject = f"server {s.guild_id}"
    try:
        guild = await http.get_guild(s.guild_id, with_counts=False)
        subject = f"server {guild['name']} ({s.guild_id})"
        member = await http.get_member(s.guild_id, bot_id)
    except discord.NotFound:
        return [Check(Status.FAIL, subject, "the bot is no longer in this server: invite it again")]
    except (aiohttp.ClientError, OSError, discord.HTTPException) as exc:
        return [Check(Status.WARN, subject, f"could not ask Discord about it: {exc}")]
    checks = []
    for label, where in _destinations(s):
        if where.gone:
            checks.append(
                Check(
                    Status.WARN,
                    subject,
                    f"the {label} ({where.channel_id}) was deleted: its alerts go to the server's"
                    " alert channel until an admin picks another with /track",
                )
            )
            continue
        checks.append(await _channel_check(http, guild, member, s, subject, label, where))
    return checks


async def _channel_check(
    http: discord.http.HTTPClient,
    guild: dict[str, Any],
    member: dict[str, Any],
    s: AlertSettings,
    subject: str,
    label: str,
    where: Destination,
) -> Check:
    try:
        channel = await http.get_channel(where.channel_id)
        kind = KINDS.get(discord.enums.try_enum(discord.ChannelType, channel.get("type")))
        # A thread's permissions are its parent channel's.
        parent = (
            await http.get_channel(channel["parent_id"]) if kind == ChannelKind.THREAD else channel
        )
    except discord.NotFound:
        return Check(
            Status.FAIL,
            subject,
            f"the {label} ({where.channel_id}) is gone: an admin picks another"
            " (/alerts channel, or /track for a subject's channel)",
        )
    except discord.Forbidden:
        return Check(
            Status.FAIL,
            subject,
            f"the bot cannot see the {label} ({where.channel_id}): give it View Channel there",
        )
    except (aiohttp.ClientError, OSError, discord.HTTPException) as exc:
        return Check(Status.WARN, subject, f"could not ask Discord about the {label}: {exc}")
    name = f"#{channel.get('name', where.channel_id)}"
    if kind is None:
        return Check(
            Status.FAIL,
            subject,
            f"the {label} {name} is not a text or announcement channel or a thread: pick another",
        )
    perms = channel_permissions(guild, member, parent)
    missing = [label_ for attr, label_ in needed(kind, s.charts) if not getattr(perms, attr)]
    if missing:
        return Check(
            Status.FAIL,
            subject,
            f"missing {', '.join(missing)} in {name} (the {label}): give the bot's role"
            f" {' and '.join(missing)} there (alerts to it fail until then)",
        )
    detail = f"the {label} {name} ({kind}): can see and post"
    if kind == ChannelKind.ANNOUNCEMENT:
        detail += ", and publish its own alerts"
    if not s.role_id:
        return Check(Status.OK, subject, detail)
    role = next((r for r in guild["roles"] if int(r["id"]) == s.role_id), None)
    if role is None:
        return Check(
            Status.WARN,
            subject,
            f"{detail}; the pinged role {s.role_id} no longer exists: pick another with /alerts role",
        )
    if not (role.get("mentionable") or perms.mention_everyone):
        return Check(
            Status.WARN,
            subject,
            f"{detail}; the bot cannot ping @{role['name']}: make the role mentionable,"
            f" or give the bot Mention @everyone, @here and All Roles in {name}",
        )
    return Check(Status.OK, subject, f"{detail}; pings @{role['name']}")


def channel_permissions(
    guild: dict[str, Any], member: dict[str, Any], channel: dict[str, Any]
) -> discord.Permissions:
    """The member's permissions in the channel, as Discord computes them: roles, then the
    channel's overwrites for @everyone, for the member's roles, and for the member."""
    user_id = int(member["user"]["id"])
    if int(guild.get("owner_id") or 0) == user_id:
        return discord.Permissions.all()
    roles = {int(r["id"]): int(r["permissions"]) for r in guild["roles"]}
    guild_id = int(guild["id"])
    mine = {int(r) for r in member.get("roles", ())}
    value = roles.get(guild_id, 0)
    for role_id in mine:
        value |= roles.get(role_id, 0)
    if discord.Permissions(value).administrator:
        return discord.Permissions.all()
    overwrites = {int(o["id"]): o for o in channel.get("permission_overwrites", ())}

    def apply(value: int, overwrite: dict[str, Any] | None) -> int:
        if overwrite is None:
            return value
        return (value & ~int(overwrite["deny"])) | int(overwrite["allow"])

    value = apply(value, overwrites.get(guild_id))
    deny = allow = 0
    for role_id in mine:
        if role_id in overwrites:
            deny |= int(overwrites[role_id]["deny"])
            allow |= int(overwrites[role_id]["allow"])
    value = (value & ~deny) | allow
    value = apply(value, overwrites.get(user_id))
    if not discord.Permissions(value).view_channel:
        return discord.Permissions.none()
    return discord.Permissions(value)
