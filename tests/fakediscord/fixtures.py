"""Payload builders for the fake Discord: snowflakes, permissions, users, guilds, channels, roles.

Everything here returns plain JSON-able dicts shaped like Discord API v10 objects, so the same
fixtures can be served over REST, sent in GUILD_CREATE and embedded in INTERACTION_CREATE.
"""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

# --- permission bits (https://discord.com/developers/docs/topics/permissions) -----------------
CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_AUDIT_LOG = 1 << 7
STREAM = 1 << 9
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
CHANGE_NICKNAME = 1 << 26
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_THREADS = 1 << 34
SEND_MESSAGES_IN_THREADS = 1 << 38
MODERATE_MEMBERS = 1 << 40
ALL_PERMISSIONS = (1 << 51) - 1

DEFAULT_EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | STREAM
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
BOT_ROLE_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | ADD_REACTIONS
)
MODERATOR_PERMISSIONS = (
    MANAGE_GUILD | MANAGE_MESSAGES | KICK_MEMBERS | MODERATE_MEMBERS | VIEW_AUDIT_LOG
)
# What Discord reports as app_permissions in a DM with the bot.
DM_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
)

# channel types
GUILD_TEXT = 0
DM = 1
GUILD_VOICE = 2
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
THREAD_TYPES = (ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD)
GUILD_FORUM = 15

# message flags
CROSSPOSTED = 1 << 0

# overwrite types
OVERWRITE_ROLE = 0
OVERWRITE_MEMBER = 1

# marker used by make_guild for "the bot user, whoever it turns out to be"
BOT = "@bot"

_counter = itertools.count()
_counter_lock = threading.Lock()


def snowflake(at: float | None = None) -> int:
    """A fresh, unique, time-ordered Discord snowflake."""
    ms = int((time.time() if at is None else at) * 1000)
    with _counter_lock:
        inc = next(_counter) & 0xFFF
    return ((ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | inc


# 2024-01-01T00:00:00Z in ms since the Discord epoch: where the ids of guild_id_on_shard start
_SHARDED_GUILDS_FROM_MS = 1704067200000 - DISCORD_EPOCH_MS


def shard_of(guild_id: int | str, shard_count: int) -> int:
    """The shard Discord sends the guild's events to: ``(guild_id >> 22) % shard_count``."""
    return (int(guild_id) >> 22) % shard_count


def guild_id_on_shard(shard_id: int, shard_count: int, n: int = 0) -> int:
    """The ``n``-th (from 0) of a fixed series of guild ids that land on shard ``shard_id`` of
    ``shard_count``; different ``n`` give different ids, the same arguments the same id."""
    if not 0 <= shard_id < shard_count:
        raise ValueError(f"shard {shard_id} is not one of {shard_count} shard(s)")
    first = _SHARDED_GUILDS_FROM_MS - _SHARDED_GUILDS_FROM_MS % shard_count
    return ((first + n * shard_count + shard_id) << 22) | (1 << 17)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


def make_user(
    user_id: int | None = None,
    username: str = "tester",
    *,
    global_name: str | None = None,
    bot: bool = False,
) -> dict[str, Any]:
    user: dict[str, Any] = {
        "id": str(user_id or snowflake()),
        "username": username,
        "discriminator": "0",
        "global_name": global_name if global_name is not None else username.title(),
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }
    if bot:
        user["bot"] = True
        user["global_name"] = global_name
    return user


def make_role(
    role_id: int | None = None,
    name: str = "role",
    *,
    permissions: int = 0,
    position: int = 1,
    color: int = 0,
    hoist: bool = False,
    mentionable: bool = False,
    managed: bool = False,
    bot_id: int | str | None = None,
) -> dict[str, Any]:
    role: dict[str, Any] = {
        "id": str(role_id or snowflake()),
        "name": name,
        "color": color,
        "colors": {"primary_color": color, "secondary_color": None, "tertiary_color": None},
        "hoist": hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": mentionable,
        "flags": 0,
    }
    if bot_id is not None:
        role["managed"] = True
        role["tags"] = {"bot_id": str(bot_id)}
    return role


def make_overwrite(
    target_id: int | str, *, allow: int = 0, deny: int = 0, type: int = OVERWRITE_ROLE
) -> dict[str, Any]:
    return {"id": str(target_id), "type": type, "allow": str(allow), "deny": str(deny)}


def make_text_channel(
    channel_id: int | None = None,
    name: str = "general",
    *,
    position: int = 0,
    topic: str | None = None,
    overwrites: list[dict[str, Any]] | None = None,
    parent_id: int | None = None,
    type: int = GUILD_TEXT,
    nsfw: bool = False,
    slowmode: int = 0,
) -> dict[str, Any]:
    return {
        "id": str(channel_id or snowflake()),
        "type": type,
        "name": name,
        "position": position,
        "topic": topic,
        "nsfw": nsfw,
        "parent_id": str(parent_id) if parent_id else None,
        "rate_limit_per_user": slowmode,
        "last_message_id": None,
        "permission_overwrites": list(overwrites or []),
        "flags": 0,
    }


def make_announcement_channel(
    channel_id: int | None = None, name: str = "announcements", **kw: Any
) -> dict[str, Any]:
    """An announcement channel (type 5): servers can follow it; a message published (crossposted)
    there reaches them too."""
    return make_text_channel(channel_id, name, type=GUILD_ANNOUNCEMENT, **kw)


def make_voice_channel(
    channel_id: int | None = None, name: str = "Voice", **kw: Any
) -> dict[str, Any]:
    """A voice channel (type 2), with the fields a client needs for one."""
    channel = make_text_channel(channel_id, name, type=GUILD_VOICE, **kw)
    channel.update(bitrate=64000, user_limit=0, rtc_region=None, video_quality_mode=1)
    return channel


def make_thread(
    parent: dict[str, Any],
    name: str = "thread",
    *,
    thread_id: int | None = None,
    type: int | None = None,
    archived: bool = False,
    locked: bool = False,
    owner_id: int | str | None = None,
    member_ids: list[int | str] | None = None,
) -> dict[str, Any]:
    """A thread in ``parent`` as Discord shows it. Its type follows the parent's (a public thread
    in a text channel, an announcement thread in an announcement channel) unless given.
    ``member_ids`` matter for a private thread: only members (and Manage Threads) see it."""
    if type is None:
        type = ANNOUNCEMENT_THREAD if parent["type"] == GUILD_ANNOUNCEMENT else PUBLIC_THREAD
    members = [str(m) for m in member_ids or []]
    return {
        "id": str(thread_id or snowflake()),
        "type": type,
        "name": name,
        "parent_id": parent["id"],
        "owner_id": str(owner_id or snowflake()),
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": len(members),
        "total_message_sent": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": archived,
            "auto_archive_duration": 1440,
            "archive_timestamp": iso_now(),
            "locked": locked,
            "invitable": True,
            "create_timestamp": iso_now(),
        },
        "member_ids": members,  # the fake's own: who joined the thread (not sent to clients)
    }


def make_member(
    user: dict[str, Any], *, roles: list[int | str] | None = None, nick: str | None = None
) -> dict[str, Any]:
    return {
        "user": user,
        "roles": [str(r) for r in roles or []],
        "nick": nick,
        "avatar": None,
        "banner": None,
        "joined_at": "2024-01-01T00:00:00+00:00",
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }


def make_guild(
    guild_id: int | None = None,
    name: str = "NHS Test Trust",
    *,
    channels: list[str | dict[str, Any]] | None = None,
    roles: list[str | dict[str, Any]] | None = None,
    members: list[dict[str, Any]] | None = None,
    owner_id: int | None = None,
    everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
    bot_permissions: int = BOT_ROLE_PERMISSIONS,
    locale: str = "en-GB",
) -> dict[str, Any]:
    """A realistic guild fixture.

    Defaults: text channels ``strikes`` and ``general``; roles ``@everyone`` (id = guild id),
    ``Moderators`` (manage guild/messages) and the bot's managed role ``Strikewatch`` granting
    View Channel, Send Messages, Embed Links, Attach Files, Read History. ``channels``/``roles`` may
    be names (turned into text channels / plain roles) or full dicts from ``make_text_channel`` /
    ``make_role``. The bot's own member is added by ``FakeDiscord`` once it knows the bot user
    (roles whose ``tags.bot_id`` is ``BOT`` are given to it). ``members`` are member dicts
    (``make_member``); ``member_count`` always equals the number of members so the client never
    has to chunk.
    """
    gid = int(guild_id or snowflake())
    role_list: list[dict[str, Any]] = [
        make_role(gid, "@everyone", permissions=everyone_permissions, position=0)
    ]
    for index, spec in enumerate(roles if roles is not None else ["Moderators"], start=1):
        if isinstance(spec, str):
            perms = MODERATOR_PERMISSIONS if spec.lower().startswith("mod") else 0
            role_list.append(make_role(None, spec, permissions=perms, position=index))
        else:
            role_list.append(dict(spec))
    if not any((r.get("tags") or {}).get("bot_id") for r in role_list):
        bot_role = make_role(
            None, "Strikewatch", permissions=bot_permissions, position=len(role_list)
        )
        bot_role["managed"] = True
        bot_role["tags"] = {"bot_id": BOT}
        role_list.append(bot_role)

    channel_list: list[dict[str, Any]] = []
    for index, spec in enumerate(channels if channels is not None else ["strikes", "general"]):
        if isinstance(spec, str):
            channel_list.append(make_text_channel(None, spec, position=index))
        else:
            channel_list.append(dict(spec))

    owner = owner_id or snowflake()
    return {
        "id": str(gid),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(owner),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "system_channel_id": channel_list[0]["id"] if channel_list else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "preferred_locale": locale,
        "features": [],
        "max_members": 500000,
        "max_video_channel_users": 25,
        "roles": role_list,
        "emojis": [],
        "stickers": [],
        "channels": channel_list,
        "members": [dict(m) for m in members or []],
    }


# --- permission maths (Discord's documented algorithm) -----------------------------------------


def _role_map(guild: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in guild["roles"]}


def base_permissions(guild: dict[str, Any], user_id: int | str, role_ids: list[str]) -> int:
    if str(guild.get("owner_id")) == str(user_id):
        return ALL_PERMISSIONS
    roles = _role_map(guild)
    perms = int(roles[guild["id"]]["permissions"]) if guild["id"] in roles else 0
    for rid in role_ids:
        role = roles.get(str(rid))
        if role is not None:
            perms |= int(role["permissions"])
    if perms & ADMINISTRATOR:
        return ALL_PERMISSIONS
    return perms


def channel_permissions(
    guild: dict[str, Any],
    channel: dict[str, Any] | None,
    user_id: int | str,
    role_ids: list[str],
) -> int:
    """Permissions of a member in a channel: base, then @everyone, role and member overwrites."""
    perms = _overwritten(guild, channel, user_id, role_ids)
    if perms & ADMINISTRATOR or channel is None or not perms:
        return perms
    if not perms & SEND_MESSAGES:
        perms &= ~(MENTION_EVERYONE | ATTACH_FILES | EMBED_LINKS | SEND_MESSAGES_IN_THREADS)
    return perms


def _overwritten(
    guild: dict[str, Any],
    channel: dict[str, Any] | None,
    user_id: int | str,
    role_ids: list[str],
) -> int:
    perms = base_permissions(guild, user_id, role_ids)
    if perms & ADMINISTRATOR or channel is None:
        return perms
    overwrites = channel.get("permission_overwrites") or []
    for ow in overwrites:
        if ow["id"] == guild["id"]:
            perms &= ~int(ow.get("deny", 0))
            perms |= int(ow.get("allow", 0))
    allow = deny = 0
    wanted = {str(r) for r in role_ids}
    for ow in overwrites:
        if ow.get("type", 0) == OVERWRITE_ROLE and ow["id"] in wanted and ow["id"] != guild["id"]:
            allow |= int(ow.get("allow", 0))
            deny |= int(ow.get("deny", 0))
    perms = (perms & ~deny) | allow
    for ow in overwrites:
        if ow.get("type", 0) == OVERWRITE_MEMBER and ow["id"] == str(user_id):
            perms &= ~int(ow.get("deny", 0))
            perms |= int(ow.get("allow", 0))
    if not perms & VIEW_CHANNEL:
        return 0
    return perms


def thread_permissions(
    guild: dict[str, Any],
    parent: dict[str, Any],
    thread: dict[str, Any],
    user_id: int | str,
    role_ids: list[str],
) -> int:
    """Permissions in a thread: its channel's, where Send Messages in Threads stands in for Send
    Messages; a private thread is visible only to its members and to Manage Threads."""
    perms = _overwritten(guild, parent, user_id, role_ids)
    if perms & ADMINISTRATOR or not perms:
        return perms
    if thread["type"] == PRIVATE_THREAD and not (
        str(user_id) in thread.get("member_ids", []) or perms & MANAGE_THREADS
    ):
        return 0
    if not perms & SEND_MESSAGES_IN_THREADS:
        perms &= ~(MENTION_EVERYONE | ATTACH_FILES | EMBED_LINKS)
    return perms
