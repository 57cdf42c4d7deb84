"""REST routes for application commands: global and guild lists, bulk sync, single commands."""

from __future__ import annotations

import copy
from typing import Any

from ..errors import DiscordHTTPError, invalid_form
from ..state import FakeState
from ..state.commands import CommandTable
from ..validation import command_problems, validate_commands
from .base import Ctx, Resp, RouteSpec


class CommandRoutes:
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def routes(self) -> list[RouteSpec]:
        app = r"/applications/{a}/commands"
        guild = r"/applications/{a}/guilds/{g}/commands"
        return [
            ("GET", app, self.h_list_commands, True, ""),
            ("PUT", app, self.h_bulk_commands, True, ""),
            ("POST", app, self.h_upsert_command, True, ""),
            ("GET", app + "/{c}", self.h_get_command, True, ""),
            ("PATCH", app + "/{c}", self.h_edit_command, True, ""),
            ("DELETE", app + "/{c}", self.h_delete_command, True, ""),
            ("GET", guild + "/permissions", self.h_perms, True, "guild_id"),
            ("GET", guild, self.h_list_commands, True, "guild_id"),
            ("PUT", guild, self.h_bulk_commands, True, "guild_id"),
            ("POST", guild, self.h_upsert_command, True, "guild_id"),
            ("GET", guild + "/{c}", self.h_get_command, True, "guild_id"),
            ("PATCH", guild + "/{c}", self.h_edit_command, True, "guild_id"),
            ("DELETE", guild + "/{c}", self.h_delete_command, True, "guild_id"),
        ]

    def _table(self, app_id: str, guild_id: str | None) -> CommandTable:
        if int(app_id) != self.state.identity.application_id:
            raise DiscordHTTPError(403, 50001, "Missing Access")
        if guild_id is not None and int(guild_id) not in self.state.world.guilds:
            raise DiscordHTTPError(403, 50001, "Missing Access")
        return self.state.commands.table(guild_id)

    @staticmethod
    def _by_id(table: CommandTable, command_id: str) -> tuple[tuple[str, int], dict[str, Any]]:
        for key, cmd in table.items():
            if cmd["id"] == command_id:
                return key, cmd
        raise DiscordHTTPError(404, 10063, "Unknown application command")

    async def h_list_commands(self, ctx: Ctx, app_id: str, guild_id: str | None = None) -> Resp:
        with self.state.lock:
            return Resp(200, copy.deepcopy(list(self._table(app_id, guild_id).values())))

    async def h_bulk_commands(self, ctx: Ctx, app_id: str, guild_id: str | None = None) -> Resp:
        specs = ctx.payload
        with self.state.lock:
            table = self._table(app_id, guild_id)
            validate_commands(specs)
            registry = self.state.commands
            new: CommandTable = {}
            for spec in specs:
                key = (spec["name"], int(spec.get("type", 1)))
                new[key] = registry.command_obj(spec, guild_id, table.get(key))
            table.clear()
            table.update(new)
            registry.record_sync(guild_id, specs)
            return Resp(200, copy.deepcopy(list(new.values())))

    async def h_upsert_command(self, ctx: Ctx, app_id: str, guild_id: str | None = None) -> Resp:
        spec = ctx.payload or {}
        with self.state.lock:
            table = self._table(app_id, guild_id)
            problems = command_problems(spec)
            if problems:
                raise invalid_form(problems)
            key = (spec["name"], int(spec.get("type", 1)))
            existing = table.get(key)
            table[key] = self.state.commands.command_obj(spec, guild_id, existing)
            return Resp(200 if existing else 201, copy.deepcopy(table[key]))

    async def h_get_command(
        self, ctx: Ctx, app_id: str, command_id: str, guild_id: str | None = None
    ) -> Resp:
        with self.state.lock:
            _, cmd = self._by_id(self._table(app_id, guild_id), command_id)
            return Resp(200, copy.deepcopy(cmd))

    async def h_edit_command(
        self, ctx: Ctx, app_id: str, command_id: str, guild_id: str | None = None
    ) -> Resp:
        with self.state.lock:
            table = self._table(app_id, guild_id)
            key, cmd = self._by_id(table, command_id)
            spec = dict(cmd)
            spec.update(ctx.payload or {})
            table.pop(key)
            new = self.state.commands.command_obj(spec, guild_id, cmd)
            table[(new["name"], new["type"])] = new
            return Resp(200, copy.deepcopy(new))

    async def h_delete_command(
        self, ctx: Ctx, app_id: str, command_id: str, guild_id: str | None = None
    ) -> Resp:
        with self.state.lock:
            table = self._table(app_id, guild_id)
            key, _ = self._by_id(table, command_id)
            table.pop(key)
        return Resp(204)

    async def h_perms(self, ctx: Ctx, app_id: str, guild_id: str) -> Resp:
        with self.state.lock:
            self._table(app_id, guild_id)
        return Resp(200, [])
