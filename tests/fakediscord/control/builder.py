"""INTERACTION_CREATE payloads for ``invoke`` and ``autocomplete``, shaped like Discord's."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .. import fixtures as fx
from .options import OptionBuilder

if TYPE_CHECKING:
    from ..state import FakeState
    from ..state.world import World


class InteractionBuilder:
    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.options = OptionBuilder(state)

    def build(
        self,
        itype: int,
        name: str,
        options: Any,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user: Any = None,
        roles: Iterable[int | str] | None = None,
        permissions: int | str | None = None,
        app_permissions: int | str | None = None,
        dm: bool = False,
        locale: str = "en-GB",
        command_type: int = 1,
        target_id: int | None = None,
        subcommand: str | list[str] | None = None,
        focused: str | None = None,
        focused_value: Any = None,
    ) -> dict[str, Any]:
        """The payload of an interaction of type ``itype`` (2 command, 4 autocomplete)."""
        state = self.state
        with state.lock:
            parts = name.split()
            if subcommand:
                parts += [subcommand] if isinstance(subcommand, str) else list(subcommand)
            user_obj = state.world.resolve_user(user)
            guild, channel = self._where(dm, guild_id, channel_id)
            cmd, scope_gid = self._command(parts[0], guild, command_type)
            member_roles = self._member_roles(guild, user_obj, roles)
            user_perms = _member_perms(guild, channel, user_obj, member_roles, permissions)
            resolved: dict[str, dict[str, Any]] = {}
            built = self.options.build(
                parts[1:],
                (cmd or {}).get("options"),
                options,
                guild,
                (user_obj, member_roles),
                resolved,
                autocomplete=itype == 4,
                focused=focused,
                focused_value=focused_value,
            )
            data: dict[str, Any] = {
                "id": cmd["id"] if cmd else str(fx.snowflake()),
                "name": parts[0],
                "type": command_type,
            }
            if built:
                data["options"] = built
            if scope_gid is not None:
                data["guild_id"] = str(scope_gid)
            if command_type in (2, 3) and target_id is not None:
                data["target_id"] = str(target_id)
                if command_type == 2:
                    target = state.world.resolve_user(target_id)
                    resolved.setdefault("users", {})[str(target_id)] = target
            if resolved and itype == 2:
                data["resolved"] = resolved
            payload = _envelope(state, itype, data, locale)
            if guild is not None:
                assert channel is not None
                payload.update(
                    _in_guild(
                        state.world,
                        guild,
                        channel,
                        user_obj,
                        member_roles,
                        user_perms,
                        app_permissions,
                    )
                )
            else:
                payload.update(_in_dm(state.world, user_obj, app_permissions))
            return payload

    def _where(
        self, dm: bool, guild_id: int | None, channel_id: int | None
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """Guild and channel of the invocation: none in a DM, else the first text channel of
        the first guild unless named."""
        if dm:
            return None, None
        world = self.state.world
        guild = world.guilds[int(guild_id or self.state.default_guild_id())]
        if channel_id is None:
            channel = next(c for c in guild["channels"] if c["type"] in (fx.GUILD_TEXT, 5))
        else:
            channel = world.channels[int(channel_id)][1]
        return guild, channel

    def _command(
        self, name: str, guild: dict[str, Any] | None, command_type: int
    ) -> tuple[dict[str, Any] | None, int | None]:
        cmd, scope_gid = self.state.commands.find(
            name, None if guild is None else int(guild["id"]), command_type
        )
        if cmd is None and self.state.strict_commands:
            where = "globally" if guild is None else f"for guild {guild['id']} or globally"
            raise LookupError(
                f"/{name} (type {command_type}) was never synced {where}; sync first "
                "or pass FakeDiscord(strict_commands=False)"
            )
        return cmd, scope_gid

    def _member_roles(
        self, guild: dict[str, Any] | None, user: dict[str, Any], roles: Iterable[int | str] | None
    ) -> list[str]:
        """The given roles, else the roles the user holds as a member (none in a DM)."""
        member_roles: list[str] = []
        if guild is not None:
            if roles is not None:
                member_roles = [self.state.world.role_ref(guild, r) for r in roles]
            else:
                for m in guild["members"]:
                    if m["user"]["id"] == user["id"]:
                        member_roles = list(m["roles"])
        return member_roles


def _member_perms(
    guild: dict[str, Any] | None,
    channel: dict[str, Any] | None,
    user: dict[str, Any],
    roles: list[str],
    override: int | str | None,
) -> int:
    if override is not None:
        return int(override)
    if guild is None:
        return fx.DM_PERMISSIONS
    return fx.channel_permissions(guild, channel, user["id"], roles)


def _envelope(state: FakeState, itype: int, data: dict[str, Any], locale: str) -> dict[str, Any]:
    """The fields every interaction has."""
    return {
        "id": str(fx.snowflake()),
        "application_id": str(state.identity.application_id),
        "type": itype,
        "data": data,
        "token": "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96).replace("=", ""),
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": state.attachment_size_limit,
    }


def _in_guild(
    world: World,
    guild: dict[str, Any],
    channel: dict[str, Any],
    user: dict[str, Any],
    member_roles: list[str],
    user_perms: int,
    app_permissions: int | str | None,
) -> dict[str, Any]:
    """The fields of an interaction in a guild channel."""
    member = fx.make_member(user, roles=member_roles)
    member["permissions"] = str(user_perms)
    channel_obj = world.channel_obj(int(channel["id"]))
    channel_obj["permissions"] = str(user_perms)
    bot_perms = (
        int(app_permissions)
        if app_permissions is not None
        else world.bot_permissions(guild, channel)
    )
    return {
        "guild_id": guild["id"],
        "guild": {
            "id": guild["id"],
            "locale": guild.get("preferred_locale", "en-US"),
            "features": list(guild.get("features", [])),
        },
        "guild_locale": guild.get("preferred_locale", "en-US"),
        "channel_id": channel["id"],
        "channel": channel_obj,
        "member": member,
        "app_permissions": str(bot_perms),
        "authorizing_integration_owners": {"0": guild["id"]},
        "context": 0,
    }


def _in_dm(world: World, user: dict[str, Any], app_permissions: int | str | None) -> dict[str, Any]:
    """The fields of an interaction in the user's DM with the bot."""
    dm_channel = world.dm_channel(user)
    return {
        "channel_id": dm_channel["id"],
        "channel": dm_channel,
        "user": user,
        "app_permissions": str(
            int(app_permissions) if app_permissions is not None else fx.DM_PERMISSIONS
        ),
        "authorizing_integration_owners": {"0": "0"},
        "context": 1,
    }
