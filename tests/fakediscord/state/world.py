"""The world the bot lives in: guilds with their channels, roles and members, users and DMs."""

from __future__ import annotations

import copy
from typing import Any

from .. import fixtures as fx
from .identity import Identity


class World:
    """Guilds, channels and users by id. Callers hold the fake's lock; nothing here locks or
    talks to the gateway."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.guilds: dict[int, dict[str, Any]] = {}
        self.channels: dict[int, tuple[int | None, dict[str, Any]]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.dm_by_user: dict[int, int] = {}
        self.blocked_dm_users: set[int] = set()
        self.deleted_channels: set[int] = set()
        # the last state of each deleted channel, for tests playing a client that still shows it
        self.deleted_objects: dict[int, tuple[int | None, dict[str, Any]]] = {}
        for user in (identity.bot_user, identity.owner_user, identity.default_user):
            self.users[int(user["id"])] = user

    # --- guilds ----------------------------------------------------------------------------
    def add_guild(self, guild: dict[str, Any]) -> int:
        """Store a copy of a ``make_guild`` fixture, with the bot as a member holding its roles."""
        guild = copy.deepcopy(guild)
        gid = int(guild["id"])
        bot_id = self.identity.bot_user["id"]
        bot_roles = []
        for role in guild["roles"]:
            tags = role.get("tags") or {}
            if tags.get("bot_id") in (fx.BOT, bot_id):
                role["tags"] = {"bot_id": bot_id}
                bot_roles.append(role["id"])
        members = guild.setdefault("members", [])
        if not any(m["user"]["id"] == bot_id for m in members):
            members.insert(0, fx.make_member(self.identity.bot_user, roles=bot_roles))
        for member in members:
            self.users.setdefault(int(member["user"]["id"]), member["user"])
        self.guilds[gid] = guild
        guild.setdefault("threads", [])
        for channel in guild.get("channels", []) + guild["threads"]:
            self.channels[int(channel["id"])] = (gid, channel)
        return gid

    def remove_guild(self, guild_id: int) -> None:
        guild = self.guilds.pop(int(guild_id))
        for channel in guild.get("channels", []) + guild.get("threads", []):
            self.channels.pop(int(channel["id"]), None)

    def guild(self, guild_id: int | None) -> dict[str, Any] | None:
        return None if guild_id is None else self.guilds.get(int(guild_id))

    def put_member(
        self, guild: dict[str, Any], user: dict[str, Any], roles: list[str]
    ) -> dict[str, Any]:
        """Make ``user`` a member of ``guild`` with ``roles``, replacing an earlier membership."""
        member = fx.make_member(user, roles=roles)
        guild["members"] = [m for m in guild["members"] if m["user"]["id"] != user["id"]]
        guild["members"].append(member)
        self.users[int(user["id"])] = user
        return member

    def role_ref(self, guild: dict[str, Any], ref: int | str) -> str:
        """The id of the role named or numbered ``ref``."""
        for role in guild["roles"]:
            if str(ref) in (role["id"], role["name"]):
                return role["id"]
        raise KeyError(f"no role {ref!r} in guild {guild['id']}")

    def bot_member(self, guild: dict[str, Any]) -> dict[str, Any]:
        for member in guild["members"]:
            if member["user"]["id"] == self.identity.bot_user["id"]:
                return member
        raise KeyError("bot is not a member")

    def bot_permissions(self, guild: dict[str, Any], channel: dict[str, Any] | None) -> int:
        member = self.bot_member(guild)
        return self.permissions(guild, channel, self.identity.bot_user["id"], member["roles"])

    def permissions(
        self,
        guild: dict[str, Any],
        channel: dict[str, Any] | None,
        user_id: int | str,
        role_ids: list[str],
    ) -> int:
        """A member's permissions in a channel or a thread (a thread's come from its channel)."""
        if channel is not None and channel["type"] in fx.THREAD_TYPES:
            _, parent = self.channels[int(channel["parent_id"])]
            return fx.thread_permissions(guild, parent, channel, user_id, role_ids)
        return fx.channel_permissions(guild, channel, user_id, role_ids)

    # --- channels --------------------------------------------------------------------------
    def put_channel(self, guild_id: int, channel: dict[str, Any]) -> None:
        """A channel, or a thread (kept in the guild's ``threads``, as GUILD_CREATE lists them)."""
        listed = "threads" if channel["type"] in fx.THREAD_TYPES else "channels"
        self.guilds[guild_id].setdefault(listed, []).append(channel)
        self.channels[int(channel["id"])] = (guild_id, channel)

    def drop_channel(self, channel_id: int) -> None:
        """Forget the channel (or thread); REST treats its id as deleted from now on."""
        gid, channel = self.channels.pop(int(channel_id))
        if gid is not None:
            guild = self.guilds[gid]
            for listed in ("channels", "threads"):
                guild[listed] = [c for c in guild.get(listed, []) if c["id"] != channel["id"]]
        self.deleted_channels.add(int(channel_id))
        self.deleted_objects[int(channel_id)] = (gid, channel)

    def channel_obj(self, channel_id: int) -> dict[str, Any]:
        """A copy of a channel as the API shows it (with its guild_id)."""
        gid, channel = self.channels[channel_id]
        return api_channel(channel, gid)

    def channel_ref(self, guild: dict[str, Any] | None, ref: Any) -> dict[str, Any]:
        """The channel (or thread) given as a dict, an id, a name or a ``#name``; an id may be
        of a deleted one (a client that has not noticed still sends it)."""
        if isinstance(ref, dict):
            return ref
        if guild is not None:
            for channel in guild["channels"] + guild.get("threads", []):
                if str(ref) in (channel["id"], channel["name"], "#" + channel["name"]):
                    return channel
        found = None
        if str(ref).isdigit():
            found = self.channels.get(int(ref)) or self.deleted_objects.get(int(ref))
        if found is None:
            raise KeyError(f"no channel {ref!r}")
        return found[1]

    def overwrites_without_bot(self, channel_id: int) -> list[dict[str, Any]]:
        _, channel = self.channels[int(channel_id)]
        bot_id = self.identity.bot_user["id"]
        return [o for o in channel["permission_overwrites"] if o["id"] != bot_id]

    # --- users and DMs ---------------------------------------------------------------------
    def resolve_user(self, user: Any) -> dict[str, Any]:
        """A user dict from a dict, an id (made up if unknown) or None (the default user)."""
        if user is None:
            return self.identity.default_user
        if isinstance(user, dict):
            self.users.setdefault(int(user["id"]), user)
            return user
        uid = int(user)
        found = self.users.get(uid)
        if found is None:
            found = fx.make_user(uid, f"user{uid % 10000}")
            self.users[uid] = found
        return found

    def dm_channel(self, user: dict[str, Any]) -> dict[str, Any]:
        """A copy of the DM channel with ``user``, opened on first use."""
        uid = int(user["id"])
        cid = self.dm_by_user.get(uid)
        if cid is None:
            cid = fx.snowflake()
            self.dm_by_user[uid] = cid
            channel = {
                "id": str(cid),
                "type": fx.DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": [user],
            }
            self.channels[cid] = (None, channel)
        return copy.deepcopy(self.channels[cid][1])


def guild_obj(guild: dict[str, Any]) -> dict[str, Any]:
    """A guild as ``GET /guilds/{id}`` shows it: without channels and members."""
    obj = {k: v for k, v in guild.items() if k not in ("channels", "members", "threads")}
    return copy.deepcopy(obj)


def api_channel(channel: dict[str, Any], guild_id: int | None) -> dict[str, Any]:
    """A copy of a channel or thread as the API shows it: with its guild_id, without the fake's
    own bookkeeping."""
    obj = copy.deepcopy(channel)
    obj.pop("member_ids", None)
    if guild_id is not None:
        obj["guild_id"] = str(guild_id)
    return obj


def guild_create_payload(guild: dict[str, Any]) -> dict[str, Any]:
    """The GUILD_CREATE dispatch of a guild: everything, with all members (never chunked), and
    its active threads (archived ones are not sent: a client learns of them when asked)."""
    gid = int(guild["id"])
    threads = [api_channel(t, gid) for t in guild.get("threads", []) if not _archived(t)]
    guild = copy.deepcopy(guild)
    members = guild["members"]
    guild.update(
        {
            "joined_at": "2024-01-01T00:00:00+00:00",
            "large": len(members) >= 250,
            "unavailable": False,
            "lazy": True,
            "member_count": len(members),
            "voice_states": [],
            "presences": [],
            "threads": threads,
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "application_command_counts": {},
        }
    )
    return guild


def _archived(thread: dict[str, Any]) -> bool:
    return bool(thread.get("thread_metadata", {}).get("archived"))
