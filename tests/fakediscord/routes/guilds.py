"""REST routes for guilds: the guild, its channels, roles and members."""

from __future__ import annotations

import copy
from typing import Any

from ..errors import DiscordHTTPError
from ..state import FakeState
from ..state.world import guild_obj
from .base import Ctx, Resp, RouteSpec


class GuildRoutes:
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def routes(self) -> list[RouteSpec]:
        return [
            ("GET", r"/guilds/{g}", self.h_get_guild, True, "guild_id"),
            ("GET", r"/guilds/{g}/channels", self.h_guild_channels, True, "guild_id"),
            ("GET", r"/guilds/{g}/roles", self.h_guild_roles, True, "guild_id"),
            ("GET", r"/guilds/{g}/members", self.h_guild_members, True, "guild_id"),
            ("GET", r"/guilds/{g}/members/{u}", self.h_guild_member, True, "guild_id"),
        ]

    def _known_guild(self, guild_id: str) -> dict[str, Any]:
        guild = self.state.world.guilds.get(int(guild_id))
        if guild is None:
            raise DiscordHTTPError(404, 10004, "Unknown Guild")
        return guild

    async def h_get_guild(self, ctx: Ctx, guild_id: str) -> Resp:
        with self.state.lock:
            guild = self._known_guild(guild_id)
            obj = guild_obj(guild)
            if ctx.query.get("with_counts", "").lower() in ("1", "true"):
                obj["approximate_member_count"] = len(guild["members"])
                obj["approximate_presence_count"] = 0
            return Resp(200, obj)

    async def h_guild_channels(self, ctx: Ctx, guild_id: str) -> Resp:
        with self.state.lock:
            guild = self._known_guild(guild_id)
            world = self.state.world
            return Resp(200, [world.channel_obj(int(c["id"])) for c in guild["channels"]])

    async def h_guild_roles(self, ctx: Ctx, guild_id: str) -> Resp:
        with self.state.lock:
            return Resp(200, copy.deepcopy(self._known_guild(guild_id)["roles"]))

    async def h_guild_members(self, ctx: Ctx, guild_id: str) -> Resp:
        with self.state.lock:
            members = self._known_guild(guild_id)["members"]
            limit = int(ctx.query.get("limit", 1))
            return Resp(200, copy.deepcopy(members[:limit]))

    async def h_guild_member(self, ctx: Ctx, guild_id: str, user_id: str) -> Resp:
        with self.state.lock:
            for member in self._known_guild(guild_id)["members"]:
                if member["user"]["id"] == user_id:
                    return Resp(200, copy.deepcopy(member))
        raise DiscordHTTPError(404, 10007, "Unknown Member")
