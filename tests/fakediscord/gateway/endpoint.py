"""The gateway websocket endpoint: sockets and sessions, dispatches, server-initiated actions."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from . import routing
from .connection import (
    HEARTBEAT,
    HEARTBEAT_ACK,
    HELLO,
    IDENTIFY,
    INVALIDATE_SESSION,
    PRESENCE,
    REQUEST_MEMBERS,
    RESUME,
    VOICE_STATE,
    GatewayConnection,
    GatewaySession,
    redact,
)
from .handshake import Handshake

if TYPE_CHECKING:
    from ..state import FakeState


class Gateway:
    """Speaks the gateway protocol for a FakeDiscord (runs on the fake's loop only)."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.sessions: dict[str, GatewaySession] = {}
        self.current: GatewaySession | None = None
        self.connections: list[GatewayConnection] = []
        self.handshake = Handshake(self)

    # --- websocket endpoint ---------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        state = self.state
        ws = web.WebSocketResponse(max_msg_size=0, compress=True, heartbeat=None)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="expected a websocket upgrade")
        if state.gateway_down:
            return web.Response(status=503, text="gateway unavailable")
        await ws.prepare(request)
        conn = GatewayConnection(ws, request)
        with state.lock:
            self.connections.append(conn)
            state.gateway_log.gateway_connections.append(
                {"path": conn.path, "query": conn.query, "mode": conn.mode, "time": conn.opened}
            )
            state.cond.notify_all()
        await conn.send(
            {"op": HELLO, "d": {"heartbeat_interval": state.heartbeat_interval_ms}, "s": None}
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    raw = msg.data
                elif msg.type == WSMsgType.BINARY:
                    raw = msg.data.decode()
                else:
                    break
                try:
                    payload = json.loads(raw)
                except ValueError:
                    await self.close(conn, 4002, "Error while decoding payload.")
                    break
                await self._on_payload(conn, payload)
        finally:
            conn.close_code = ws.close_code
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
            with state.lock:
                state.gateway_log.gateway_closes.append(
                    {"code": ws.close_code, "time": time.monotonic()}
                )
                state.cond.notify_all()
        return ws

    async def close(self, conn: GatewayConnection, code: int, message: str = "") -> None:
        with self.state.lock:
            self.state.gateway_log.gateway_closes_sent.append(code)
        await conn.ws.close(code=code, message=message.encode())

    async def _on_payload(self, conn: GatewayConnection, payload: dict[str, Any]) -> None:
        state = self.state
        op = payload.get("op")
        data = payload.get("d")
        with state.lock:
            state.gateway_log.gateway_received.append(
                {"op": op, "d": redact(op, data), "time": time.monotonic()}
            )
            if op == HEARTBEAT:
                state.gateway_log.heartbeat_count += 1
        if op == HEARTBEAT:
            await conn.send({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self.handshake.identify(conn, data or {})
        elif op == RESUME:
            await self.handshake.resume(conn, data or {})
        elif op == REQUEST_MEMBERS:
            if conn.session is None:
                await self.close(conn, 4003, "Not authenticated.")
                return
            await self.handshake.members_chunk(conn.session, data or {})
        elif op in (PRESENCE, VOICE_STATE):
            if conn.session is None:
                await self.close(conn, 4003, "Not authenticated.")
        else:
            await self.close(conn, 4001, "Unknown opcode.")

    # --- who gets an event --------------------------------------------------------------------
    def session_for(self, guild_id: int | None) -> GatewaySession | None:
        """The session a guild's events go to (the newest valid one whose shard owns the
        guild); for ``None`` (no guild) the current session."""
        with self.state.lock:
            if guild_id is None:
                return self.current
            return routing.owner(self.sessions.values(), guild_id)

    def shard_session(self, shard_id: int | None) -> GatewaySession | None:
        """The newest valid session of shard ``shard_id``; for ``None`` the current session."""
        with self.state.lock:
            if shard_id is None:
                return self.current
            return routing.of_shard(self.sessions.values(), shard_id)

    def _route(self, name: str, data: Any) -> GatewaySession:
        guild_id = routing.guild_of(name, data)
        session = self.session_for(guild_id)
        if session is not None:
            return session
        if guild_id is None or self.current is None:
            raise RuntimeError("no gateway session: the bot has not identified yet")
        with self.state.lock:
            shards = routing.describe(self.sessions.values())
        raise RuntimeError(
            f"no gateway session owns guild {guild_id} for {name}: identified shards: {shards}"
        )

    # --- server-initiated actions -----------------------------------------------------------
    async def dispatch(self, name: str, data: Any, session: GatewaySession | None = None) -> int:
        """Give the event the next sequence number of ``session`` (default: the guild's shard,
        or the current session for an event of no guild); send it now if a socket is attached,
        else keep it for the replay on RESUME."""
        session = session or self._route(name, data)
        event = session.next_event(name, data)
        conn = session.conn
        if conn is not None:
            await conn.send(session.frame(event))
        with self.state.lock:
            self.state.gateway_log.dispatched.append(
                {"t": name, "s": event.seq, "time": time.monotonic()}
            )
            self.state.cond.notify_all()
        return event.seq

    async def close_session(self, code: int, shard_id: int | None = None) -> bool:
        """Close the socket of the current session (or of shard ``shard_id``'s)."""
        session = self.shard_session(shard_id)
        conn = session.conn if session else None
        if conn is None:
            return False
        session.conn = None  # type: ignore[union-attr]
        await self.close(conn, code, "closed by FakeDiscord")
        return True

    async def send_op(self, op: int, data: Any = None, shard_id: int | None = None) -> bool:
        session = self.shard_session(shard_id)
        conn = session.conn if session else None
        if conn is None:
            return False
        if op == INVALIDATE_SESSION and not data and session is not None:
            session.invalid = True
        return await conn.send({"op": op, "d": data})

    async def close_all(self) -> None:
        for conn in list(self.connections):
            if not conn.ws.closed:
                try:
                    await asyncio.wait_for(conn.ws.close(code=1001, message=b"shutdown"), 2)
                except (TimeoutError, ConnectionError, RuntimeError):
                    pass
