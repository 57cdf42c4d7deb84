"""Which session gets an event: a guild's events go to the shard that owns the guild."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..fixtures import shard_of
from .connection import GatewaySession


def on_shard(guild_id: int, shard: list[int] | None) -> bool:
    """Whether a session identified with ``shard`` ([id, count], or None: all) gets the guild."""
    if not shard:
        return True
    return shard_of(guild_id, shard[1]) == shard[0]


def guild_of(event: str, data: Any) -> int | None:
    """The guild a dispatch is about: its ``guild_id``, or the ``id`` of a GUILD_* event."""
    if not isinstance(data, dict):
        return None
    guild_id = data.get("guild_id")
    if guild_id is None and event.startswith("GUILD_"):
        guild_id = data.get("id")
    return None if guild_id is None else int(guild_id)


def owner(sessions: Iterable[GatewaySession], guild_id: int) -> GatewaySession | None:
    """The most recently identified valid session (of ``sessions``, oldest first) whose shard
    owns the guild. An unsharded session owns every guild."""
    for session in reversed(list(sessions)):
        if not session.invalid and on_shard(guild_id, session.shard):
            return session
    return None


def of_shard(sessions: Iterable[GatewaySession], shard_id: int) -> GatewaySession | None:
    """The most recently identified valid session of shard ``shard_id``."""
    for session in reversed(list(sessions)):
        if not session.invalid and session.shard and session.shard[0] == shard_id:
            return session
    return None


def describe(sessions: Iterable[GatewaySession]) -> str:
    """The shards of the valid sessions, for an error message."""
    shards = sorted(
        "all" if s.shard is None else f"{s.shard[0]}/{s.shard[1]}"
        for s in sessions
        if not s.invalid
    )
    return ", ".join(shards) or "none"
