"""Control API for the world: add and remove guilds, channels and members; change overwrites."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .. import fixtures as fx
from ..gateway.routing import guild_of
from ..state.world import guild_create_payload

if TYPE_CHECKING:
    from ..state import FakeState
    from .gateway import GatewayControl


class GuildControl:
    """Changes the fake's guilds; with ``notify`` a connected bot also gets the gateway event
    Discord would send."""

    def __init__(self, state: FakeState, gateway: GatewayControl) -> None:
        self.state = state
        self.world = state.world
        self.gateway = gateway

    def _notify(self, notify: bool, event: str, data: Callable[[], Any]) -> None:
        """Dispatch ``event`` with ``data()`` if asked to and a bot is there to get it (for a
        guild's event: a session of the shard that owns the guild)."""
        if not notify:
            return
        with self.state.lock:
            payload = data()
        if self.gateway.has_session(guild_of(event, payload)):
            self.gateway.dispatch(event, payload)

    # --- guilds ----------------------------------------------------------------------------
    def add_guild(self, guild: dict[str, Any], *, notify: bool = True) -> int:
        """Add a guild (``make_guild``); with ``notify`` a connected bot gets GUILD_CREATE."""
        with self.state.lock:
            gid = self.world.add_guild(guild)
        self._notify(notify, "GUILD_CREATE", lambda: self._guild_create(gid))
        return gid

    def _guild_create(self, guild_id: int) -> dict[str, Any]:
        with self.state.lock:
            return guild_create_payload(self.world.guilds[guild_id])

    def remove_guild(self, guild_id: int, *, notify: bool = True) -> None:
        with self.state.lock:
            self.world.remove_guild(guild_id)
        self._notify(notify, "GUILD_DELETE", lambda: {"id": str(guild_id), "unavailable": False})

    @property
    def guild_ids(self) -> list[int]:
        with self.state.lock:
            return list(self.world.guilds)

    @property
    def default_guild_id(self) -> int:
        return self.state.default_guild_id()

    def guild(self, guild_id: int | None = None) -> dict[str, Any]:
        """A copy of a guild fixture (default: the first guild)."""
        with self.state.lock:
            guild = self.world.guild(guild_id or self.default_guild_id)
            if guild is None:
                raise KeyError(guild_id)
            return copy.deepcopy(guild)

    def role_id(self, name: str, guild_id: int | None = None) -> int:
        with self.state.lock:
            guild = self.world.guild(guild_id or self.default_guild_id)
            for role in guild["roles"] if guild else []:
                if role["name"] == name:
                    return int(role["id"])
        raise KeyError(f"no role named {name!r}")

    def add_member(
        self,
        user: dict[str, Any],
        *,
        guild_id: int | None = None,
        roles: Iterable[int | str] = (),
    ) -> dict[str, Any]:
        with self.state.lock:
            guild = self.world.guild(guild_id or self.default_guild_id)
            assert guild is not None
            role_ids = [self.world.role_ref(guild, r) for r in roles]
            return copy.deepcopy(self.world.put_member(guild, user, role_ids))

    # --- channels --------------------------------------------------------------------------
    def channel(self, channel_id: int) -> dict[str, Any]:
        with self.state.lock:
            return copy.deepcopy(self.world.channels[int(channel_id)][1])

    def channel_id(self, name: str, guild_id: int | None = None) -> int:
        with self.state.lock:
            guild = self.world.guild(guild_id or self.default_guild_id)
            for channel in guild["channels"] if guild else []:
                if channel["name"] == name:
                    return int(channel["id"])
        raise KeyError(f"no channel named {name!r}")

    def add_channel(
        self, channel: dict[str, Any], *, guild_id: int | None = None, notify: bool = True
    ) -> int:
        with self.state.lock:
            gid = int(guild_id or self.default_guild_id)
            channel = copy.deepcopy(channel)
            self.world.put_channel(gid, channel)
        self._notify(notify, "CHANNEL_CREATE", lambda: self.world.channel_obj(int(channel["id"])))
        return int(channel["id"])

    def delete_channel(self, channel_id: int, *, notify: bool = False) -> None:
        """Delete a channel or a thread: REST answers 404 Unknown Channel (10003) from now on.
        With ``notify`` the bot also gets CHANNEL_DELETE (THREAD_DELETE for a thread; else its
        cache still has it, like a bot that missed the event)."""
        with self.state.lock:
            obj = self.world.channel_obj(int(channel_id))
            self.world.drop_channel(channel_id)
        if obj["type"] in fx.THREAD_TYPES:
            fields = ("id", "guild_id", "parent_id", "type")
            self._notify(notify, "THREAD_DELETE", lambda: {k: obj[k] for k in fields})
        else:
            self._notify(notify, "CHANNEL_DELETE", lambda: obj)

    def add_message(self, channel_id: int, content: str, *, author: dict[str, Any]) -> int:
        """A message someone else posted in a channel (not one of the bot's posts); its id."""
        with self.state.lock:
            self.world.channels[int(channel_id)]  # a live channel
            message = self.state.message_store.create(int(channel_id), {"content": content}, [])
            message["author"] = copy.deepcopy(author)
            return int(message["id"])

    # --- threads ---------------------------------------------------------------------------
    def add_thread(
        self,
        parent_id: int,
        name: str = "thread",
        *,
        notify: bool = True,
        **kw: Any,
    ) -> int:
        """A thread in channel ``parent_id`` (``make_thread``'s options); with ``notify`` the bot
        gets THREAD_CREATE, as Discord sends it to bots for every thread they can see."""
        with self.state.lock:
            gid, parent = self.world.channels[int(parent_id)]
            assert gid is not None
            thread = fx.make_thread(parent, name, **kw)
            self.world.put_channel(gid, thread)
        self._notify(notify, "THREAD_CREATE", lambda: self.world.channel_obj(int(thread["id"])))
        return int(thread["id"])

    def archive_thread(self, thread_id: int, *, locked: bool = False, notify: bool = True) -> None:
        """Archive a thread (and lock it): Discord sends THREAD_UPDATE, and the client drops it
        from its cache (archived threads are not synced)."""
        with self.state.lock:
            _, thread = self.world.channels[int(thread_id)]
            meta = thread["thread_metadata"]
            meta.update(archived=True, locked=locked, archive_timestamp=fx.iso_now())
        self._notify(notify, "THREAD_UPDATE", lambda: self.world.channel_obj(int(thread_id)))

    def set_overwrites(
        self, channel_id: int, overwrites: list[dict[str, Any]], *, notify: bool = True
    ) -> None:
        with self.state.lock:
            _, channel = self.world.channels[int(channel_id)]
            channel["permission_overwrites"] = copy.deepcopy(overwrites)
        self._notify(notify, "CHANNEL_UPDATE", lambda: self.world.channel_obj(int(channel_id)))

    def deny_send(self, channel_id: int, *, notify: bool = False) -> None:
        """Add a member overwrite denying the bot Send Messages in the channel, so
        ``POST /channels/{id}/messages`` answers 403 Missing Permissions (50013). Without
        ``notify`` the bot's cache still believes it may send (the realistic race)."""
        with self.state.lock:
            overwrites = self.world.overwrites_without_bot(channel_id)
            overwrites.append(
                fx.make_overwrite(
                    self.state.identity.bot_user["id"],
                    deny=fx.SEND_MESSAGES,
                    type=fx.OVERWRITE_MEMBER,
                )
            )
        self.set_overwrites(channel_id, overwrites, notify=notify)

    def allow_send(self, channel_id: int, *, notify: bool = False) -> None:
        with self.state.lock:
            overwrites = self.world.overwrites_without_bot(channel_id)
        self.set_overwrites(channel_id, overwrites, notify=notify)
