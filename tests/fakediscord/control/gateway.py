"""Control API for the gateway: raw dispatches, closes, reconnects, waits for READY/RESUME, shards."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..gateway import INVALIDATE_SESSION, RECONNECT, Gateway, GatewaySession

if TYPE_CHECKING:
    from ..state import FakeState


class GatewayControl:
    def __init__(self, state: FakeState, gateway: Gateway) -> None:
        self.state = state
        self.gateway = gateway
        self.bridge = state.bridge

    def has_session(self, guild_id: int | None = None) -> bool:
        """Whether a session would get an event of the guild (or, for None, of no guild)."""
        return self.gateway.session_for(guild_id) is not None

    def dispatch(self, event: str, data: Any) -> int:
        """Send a raw gateway dispatch; returns its sequence number. An event of a guild
        (``guild_id``, or the ``id`` of a GUILD_* event) goes to the session of the shard that
        owns the guild, any other event to the current session."""
        return self.bridge.call(self.gateway.dispatch(event, data), 10)

    async def adispatch(self, event: str, data: Any) -> int:
        return await self.bridge.acall(self.gateway.dispatch(event, data))

    def close_gateway(self, code: int = 4000, shard_id: int | None = None) -> bool:
        """Close the current gateway socket (or that of shard ``shard_id``'s session) with
        ``code``; the session stays resumable and later dispatches to it are buffered for the
        RESUME replay."""
        return self.bridge.call(self.gateway.close_session(code, shard_id), 15)

    async def aclose_gateway(self, code: int = 4000, shard_id: int | None = None) -> bool:
        return await self.bridge.acall(self.gateway.close_session(code, shard_id))

    def gateway_outage(self, down: bool = True) -> None:
        """While down, every gateway connection is answered 503 (as in a Discord outage): close
        the current socket too, and the client stays disconnected until the outage ends."""
        with self.state.lock:
            self.state.gateway_down = down

    def send_reconnect(self, shard_id: int | None = None) -> bool:
        """Send op 7 RECONNECT (to the current session, or shard ``shard_id``'s): the client
        closes and resumes."""
        return self.bridge.call(self.gateway.send_op(RECONNECT, shard_id=shard_id), 10)

    async def asend_reconnect(self, shard_id: int | None = None) -> bool:
        return await self.bridge.acall(self.gateway.send_op(RECONNECT, shard_id=shard_id))

    def invalidate_session(self, resumable: bool = False, shard_id: int | None = None) -> bool:
        """Send op 9; with ``resumable=False`` the client identifies anew."""
        return self.bridge.call(self.gateway.send_op(INVALIDATE_SESSION, resumable, shard_id), 10)

    def wait_ready(self, timeout: float = 10.0, identifies: int = 1) -> None:
        """Block until ``identifies`` sessions got READY and all their GUILD_CREATEs."""
        self.bridge.wait(lambda: self._ready_count() >= identifies, timeout, lambda: "READY")

    async def await_ready(self, timeout: float = 10.0, identifies: int = 1) -> None:  # noqa: ASYNC109 - mirrors the sync wait_* API
        await self.bridge.wait_async(
            lambda: self._ready_count() >= identifies, timeout, lambda: "READY"
        )

    def _ready_count(self) -> int:
        with self.state.lock:
            return sum(1 for s in self.gateway.sessions.values() if s.ready_sent)

    def wait_resumed(self, count: int = 1, timeout: float = 10.0) -> None:
        self.bridge.wait(
            lambda: self.state.gateway_log.resume_count >= count,
            timeout,
            lambda: f"{count} RESUME(s)",
        )

    async def await_resumed(self, count: int = 1, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - mirrors the sync wait_* API
        await self.bridge.wait_async(
            lambda: self.state.gateway_log.resume_count >= count, timeout, lambda: "RESUME"
        )

    def wait_shards_ready(
        self, shard_count: int, shard_ids: Iterable[int] | None = None, timeout: float = 10.0
    ) -> None:
        """Block until each of ``shard_ids`` (default: all ``shard_count``) has a session that
        identified with that shard count, got READY and all its GUILD_CREATEs, and is connected
        (so also until a closed shard has resumed)."""
        wanted = self._wanted(shard_count, shard_ids)
        self.bridge.wait(lambda: self._shards_ready(wanted), timeout, lambda: self._missing(wanted))

    async def await_shards_ready(
        self,
        shard_count: int,
        shard_ids: Iterable[int] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - mirrors the sync wait_* API
    ) -> None:
        wanted = self._wanted(shard_count, shard_ids)
        await self.bridge.wait_async(
            lambda: self._shards_ready(wanted), timeout, lambda: self._missing(wanted)
        )

    @staticmethod
    def _wanted(shard_count: int, shard_ids: Iterable[int] | None) -> list[list[int]]:
        ids = range(shard_count) if shard_ids is None else shard_ids
        return [[int(i), shard_count] for i in ids]

    def _ready_shards(self) -> list[list[int]]:
        """[id, count] of each sharded session that is READY and connected."""
        with self.state.lock:
            return [
                list(s.shard)
                for s in self.gateway.sessions.values()
                if s.shard and s.ready_sent and not s.invalid and _attached(s)
            ]

    def _shards_ready(self, wanted: list[list[int]]) -> bool:
        ready = self._ready_shards()
        return all(shard in ready for shard in wanted)

    def _missing(self, wanted: list[list[int]]) -> str:
        ready = self._ready_shards()
        missing = [shard[0] for shard in wanted if shard not in ready]
        return f"shard(s) {missing} of {wanted[0][1] if wanted else 0} to be READY"

    @property
    def connected_shards(self) -> list[int]:
        """Ids of the shards with a READY session on an open socket (sorted; unsharded
        sessions are not shards and are not listed)."""
        return sorted({shard[0] for shard in self._ready_shards()})

    @property
    def connected(self) -> bool:
        session = self.gateway.current
        return session is not None and _attached(session)

    async def wait_session(self, guild_id: int | None = None) -> None:
        """Wait (on the fake's loop) until a session that gets the guild's events (for None:
        the current session) identified and got READY."""
        deadline = time.monotonic() + self.state.connect_timeout
        while True:
            session = self.gateway.session_for(guild_id)
            if session is not None and session.ready_sent:
                return
            if time.monotonic() > deadline:
                where = "" if guild_id is None else f" for guild {guild_id}"
                raise TimeoutError(
                    f"no bot identified on the fake gateway{where} within "
                    f"{self.state.connect_timeout}s"
                )
            await asyncio.sleep(0.01)


def _attached(session: GatewaySession) -> bool:
    return session.conn is not None and not session.conn.ws.closed
