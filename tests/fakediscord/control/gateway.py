"""Control API for the gateway: raw dispatches, closes, reconnects and waits for READY/RESUME."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from ..gateway import INVALIDATE_SESSION, RECONNECT, Gateway

if TYPE_CHECKING:
    from ..state import FakeState


class GatewayControl:
    def __init__(self, state: FakeState, gateway: Gateway) -> None:
        self.state = state
        self.gateway = gateway
        self.bridge = state.bridge

    def has_session(self) -> bool:
        return self.gateway.current is not None

    def dispatch(self, event: str, data: Any) -> int:
        """Send a raw gateway dispatch to the current session; returns its sequence number."""
        return self.bridge.call(self.gateway.dispatch(event, data), 10)

    async def adispatch(self, event: str, data: Any) -> int:
        return await self.bridge.acall(self.gateway.dispatch(event, data))

    def close_gateway(self, code: int = 4000) -> bool:
        """Close the current gateway socket with ``code``; the session stays resumable and
        later dispatches are buffered for the RESUME replay."""
        return self.bridge.call(self.gateway.close_current(code), 15)

    async def aclose_gateway(self, code: int = 4000) -> bool:
        return await self.bridge.acall(self.gateway.close_current(code))

    def send_reconnect(self) -> bool:
        """Send op 7 RECONNECT: the client closes and resumes."""
        return self.bridge.call(self.gateway.send_op(RECONNECT), 10)

    async def asend_reconnect(self) -> bool:
        return await self.bridge.acall(self.gateway.send_op(RECONNECT))

    def invalidate_session(self, resumable: bool = False) -> bool:
        """Send op 9; with ``resumable=False`` the client identifies anew."""
        return self.bridge.call(self.gateway.send_op(INVALIDATE_SESSION, resumable), 10)

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

    @property
    def connected(self) -> bool:
        session = self.gateway.current
        return session is not None and session.conn is not None and not session.conn.ws.closed

    async def wait_session(self) -> None:
        """Wait (on the fake's loop) until a bot identified and got READY."""
        deadline = time.monotonic() + self.state.connect_timeout
        while self.gateway.current is None or not self.gateway.current.ready_sent:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"no bot identified on the fake gateway within {self.state.connect_timeout}s"
                )
            await asyncio.sleep(0.01)
