"""Control API for reading what the bot did: requests, posted messages, command syncs."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ..records import MessageRecord, RequestRecord

if TYPE_CHECKING:
    from ..state import FakeState


class RecordingsControl:
    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.bridge = state.bridge

    # --- requests and messages -----------------------------------------------------------------
    def requests_matching(
        self, method: str | None = None, pattern: str = ""
    ) -> list[RequestRecord]:
        with self.state.lock:
            return self.state.request_log.matching(method, pattern)

    def channel_messages(self, channel_id: int) -> list[MessageRecord]:
        with self.state.lock:
            return list(self.state.message_store.messages.get(int(channel_id), []))

    def get_message(self, message_id: int) -> dict[str, Any] | None:
        """Current state of any message the bot created (after edits), or None if deleted."""
        with self.state.lock:
            message = self.state.message_store.index.get(int(message_id))
            return None if message is None else copy.deepcopy(message)

    @property
    def all_messages(self) -> list[MessageRecord]:
        with self.state.lock:
            posts = self.state.message_store.messages.values()
            return sorted((m for msgs in posts for m in msgs), key=lambda m: m.id)

    def _posted(self, channel_id: int, count: int) -> bool:
        return len(self.state.message_store.messages.get(channel_id, [])) >= count

    def wait_for_message(
        self,
        channel_id: int,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[MessageRecord]:
        cid = int(channel_id)
        self.bridge.wait(
            lambda: self._posted(cid, count),
            timeout,
            lambda: f"{count} message(s) in channel {cid}",
        )
        return self.channel_messages(cid)

    async def await_message(
        self,
        channel_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[MessageRecord]:
        cid = int(channel_id)
        await self.bridge.wait_async(
            lambda: self._posted(cid, count),
            timeout,
            lambda: f"{count} message(s) in channel {cid}",
        )
        return self.channel_messages(cid)

    # --- command syncs -------------------------------------------------------------------------
    def wait_for_sync(
        self, guild_id: int | None = None, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Block until ``count`` bulk syncs happened (global, or for ``guild_id``); returns the
        latest synced payload."""
        commands = self.state.commands
        self.bridge.wait(
            lambda: commands.sync_count(guild_id) >= count, timeout, lambda: "command sync"
        )
        with self.state.lock:
            return commands.latest_sync(guild_id)

    async def await_sync(
        self,
        guild_id: int | None = None,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        commands = self.state.commands
        await self.bridge.wait_async(
            lambda: commands.sync_count(guild_id) >= count, timeout, lambda: "sync"
        )
        with self.state.lock:
            return commands.latest_sync(guild_id)

    def registered_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        with self.state.lock:
            table = self.state.commands.table(guild_id)
            return copy.deepcopy(list(table.values()))
