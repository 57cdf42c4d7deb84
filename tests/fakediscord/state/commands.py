"""Application commands the bot registered, globally and per guild, and the log of its syncs."""

from __future__ import annotations

import copy
import time
from collections import defaultdict
from typing import Any

from .. import fixtures as fx
from .identity import Identity

CommandTable = dict[tuple[str, int], dict[str, Any]]  # (name, type) -> command object


class CommandRegistry:
    """Commands by scope, and every bulk sync. Callers hold the fake's lock."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.commands_global: CommandTable = {}
        self.commands_guild: dict[int, CommandTable] = defaultdict(dict)
        self.sync_log: list[dict[str, Any]] = []
        self.synced_global: list[dict[str, Any]] | None = None
        self.synced_guild: dict[int, list[dict[str, Any]]] = {}
        self.global_sync_count = 0
        self.guild_sync_counts: dict[int, int] = defaultdict(int)

    def table(self, guild_id: int | str | None) -> CommandTable:
        if guild_id is None:
            return self.commands_global
        return self.commands_guild[int(guild_id)]

    def find(
        self, name: str, guild_id: int | None, ctype: int
    ) -> tuple[dict[str, Any] | None, int | None]:
        """The command an invocation matches (guild first, then global) and its guild."""
        if guild_id is not None:
            cmd = self.commands_guild.get(int(guild_id), {}).get((name, ctype))
            if cmd is not None:
                return cmd, int(guild_id)
        cmd = self.commands_global.get((name, ctype))
        return cmd, None

    def command_obj(
        self, spec: dict[str, Any], guild_id: str | None, existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The stored command for a spec; an update keeps the id of the command it replaces."""
        ctype = int(spec.get("type", 1))
        obj = {
            "id": existing["id"] if existing else str(fx.snowflake()),
            "application_id": str(self.identity.application_id),
            "version": str(fx.snowflake()),
            "default_member_permissions": spec.get("default_member_permissions"),
            "type": ctype,
            "name": spec["name"],
            "name_localizations": spec.get("name_localizations"),
            "description": spec.get("description", ""),
            "description_localizations": spec.get("description_localizations"),
            "options": copy.deepcopy(spec.get("options") or []),
            "nsfw": bool(spec.get("nsfw", False)),
            "contexts": spec.get("contexts"),
            "integration_types": spec.get("integration_types") or [0],
        }
        if guild_id is not None:
            obj["guild_id"] = str(guild_id)
        else:
            obj["dm_permission"] = spec.get("dm_permission", True)
        return obj

    def record_sync(self, guild_id: str | None, specs: list[dict[str, Any]]) -> None:
        """Note a bulk overwrite (``PUT .../commands``) of the global or a guild's commands."""
        entry = {
            "scope": "global" if guild_id is None else "guild",
            "guild_id": None if guild_id is None else int(guild_id),
            "payload": copy.deepcopy(specs),
            "time": time.monotonic(),
        }
        self.sync_log.append(entry)
        if guild_id is None:
            self.synced_global = copy.deepcopy(specs)
            self.global_sync_count += 1
        else:
            self.synced_guild[int(guild_id)] = copy.deepcopy(specs)
            self.guild_sync_counts[int(guild_id)] += 1

    def sync_count(self, guild_id: int | None) -> int:
        if guild_id is None:
            return self.global_sync_count
        return self.guild_sync_counts.get(int(guild_id), 0)

    def latest_sync(self, guild_id: int | None) -> list[dict[str, Any]]:
        if guild_id is None:
            return copy.deepcopy(self.synced_global or [])
        return copy.deepcopy(self.synced_guild.get(int(guild_id), []))
