"""Gateway (websocket) side of the fake: sessions, sequence numbers, compression, resume."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import FakeDiscord

# discord.py asks for zstd-stream when `zstandard` (or Python 3.14's `compression.zstd`) is
# importable in the *client*; compress with whichever is importable here, else send text frames.
_zstd: Any = None
_stdlib_zstd: Any = None
try:
    import zstandard as _zstd  # type: ignore[import-not-found, no-redef]
except ImportError:  # pragma: no cover - depends on the environment
    try:
        from compression import zstd as _stdlib_zstd  # type: ignore[import-not-found, no-redef]
    except ImportError:
        pass

log = logging.getLogger("fakediscord.gateway")

# opcodes
DISPATCH = 0
HEARTBEAT = 1
IDENTIFY = 2
PRESENCE = 3
VOICE_STATE = 4
RESUME = 6
RECONNECT = 7
REQUEST_MEMBERS = 8
INVALIDATE_SESSION = 9
HELLO = 10
HEARTBEAT_ACK = 11

PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
MAX_BUFFERED_EVENTS = 50_000


@dataclass
class GatewayEvent:
    seq: int
    name: str
    data: Any


class GatewayConnection:
    """One websocket. Frames are sent in order under a lock (the zlib stream is stateful)."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.ws = ws
        self.path = request.path
        self.query = dict(request.query)
        self.compress = self.query.get("compress")
        self.encoding = self.query.get("encoding", "json")
        self.opened = time.monotonic()
        self.session: GatewaySession | None = None
        self.lock = asyncio.Lock()
        self.close_code: int | None = None
        self.mode = "text"
        self._zlib: Any = None
        self._zstd: Any = None
        self._stdlib_zstd: Any = None
        if self.compress == "zlib-stream":
            self.mode = "zlib-stream"
            self._zlib = zlib.compressobj()
        elif self.compress == "zstd-stream" and _zstd is not None:
            self.mode = "zstd-stream"
            self._zstd = _zstd.ZstdCompressor().compressobj()
        elif self.compress == "zstd-stream" and _stdlib_zstd is not None:
            self.mode = "zstd-stream"
            self._stdlib_zstd = _stdlib_zstd.ZstdCompressor()
        # zstd-stream without the module here: fall back to plain text frames, which the
        # client accepts whatever it asked for.

    async def send(self, payload: dict[str, Any]) -> bool:
        async with self.lock:
            return await self._send_locked(payload)

    async def _send_locked(self, payload: dict[str, Any]) -> bool:
        if self.ws.closed:
            return False
        raw = json.dumps(payload, separators=(",", ":"))
        try:
            if self._zlib is not None:
                data = self._zlib.compress(raw.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            elif self._zstd is not None:
                data = self._zstd.compress(raw.encode()) + self._zstd.flush(
                    _zstd.COMPRESSOBJ_FLUSH_BLOCK
                )
                await self.ws.send_bytes(data)
            elif self._stdlib_zstd is not None:
                comp = self._stdlib_zstd
                await self.ws.send_bytes(comp.compress(raw.encode(), mode=comp.FLUSH_BLOCK))
            else:
                await self.ws.send_str(raw)
        except (ConnectionError, RuntimeError) as exc:
            log.debug("send failed: %s", exc)
            return False
        return True


@dataclass
class GatewaySession:
    id: str
    token: str
    intents: int
    shard: list[int] | None
    identify: dict[str, Any]
    seq: int = 0
    events: deque[GatewayEvent] = field(default_factory=lambda: deque(maxlen=MAX_BUFFERED_EVENTS))
    conn: GatewayConnection | None = None
    invalid: bool = False
    created: float = field(default_factory=time.monotonic)
    ready_sent: bool = False

    def next_event(self, name: str, data: Any) -> GatewayEvent:
        self.seq += 1
        event = GatewayEvent(self.seq, name, data)
        self.events.append(event)
        return event

    def frame(self, event: GatewayEvent) -> dict[str, Any]:
        return {"op": DISPATCH, "t": event.name, "s": event.seq, "d": event.data}


class Gateway:
    """Speaks the gateway protocol for a FakeDiscord (runs on the fake's loop only)."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[str, GatewaySession] = {}
        self.current: GatewaySession | None = None
        self.connections: list[GatewayConnection] = []

    # --- websocket endpoint ---------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        fake = self.fake
        ws = web.WebSocketResponse(max_msg_size=0, compress=True, heartbeat=None)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="expected a websocket upgrade")
        await ws.prepare(request)
        conn = GatewayConnection(ws, request)
        with fake._lock:
            self.connections.append(conn)
            fake.gateway_connections.append(
                {"path": conn.path, "query": conn.query, "mode": conn.mode, "time": conn.opened}
            )
            fake._cond.notify_all()
        await conn.send(
            {"op": HELLO, "d": {"heartbeat_interval": fake.heartbeat_interval_ms}, "s": None}
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
                    await self._close(conn, 4002, "Error while decoding payload.")
                    break
                await self._on_payload(conn, payload)
        finally:
            conn.close_code = ws.close_code
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
            with fake._lock:
                fake.gateway_closes.append({"code": ws.close_code, "time": time.monotonic()})
                fake._cond.notify_all()
        return ws

    async def _close(self, conn: GatewayConnection, code: int, message: str = "") -> None:
        with self.fake._lock:
            self.fake.gateway_closes_sent.append(code)
        await conn.ws.close(code=code, message=message.encode())

    async def _on_payload(self, conn: GatewayConnection, payload: dict[str, Any]) -> None:
        fake = self.fake
        op = payload.get("op")
        data = payload.get("d")
        with fake._lock:
            fake.gateway_received.append(
                {"op": op, "d": _redact(op, data), "time": time.monotonic()}
            )
            if op == HEARTBEAT:
                fake.heartbeat_count += 1
        if op == HEARTBEAT:
            await conn.send({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self._identify(conn, data or {})
        elif op == RESUME:
            await self._resume(conn, data or {})
        elif op == REQUEST_MEMBERS:
            if conn.session is None:
                await self._close(conn, 4003, "Not authenticated.")
                return
            await self._members_chunk(conn.session, data or {})
        elif op in (PRESENCE, VOICE_STATE):
            if conn.session is None:
                await self._close(conn, 4003, "Not authenticated.")
        else:
            await self._close(conn, 4001, "Unknown opcode.")

    async def _identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        fake = self.fake
        if conn.session is not None:
            await self._close(conn, 4005, "Already authenticated.")
            return
        if data.get("token") != fake.token:
            await self._close(conn, 4004, "Authentication failed.")
            return
        intents = int(data.get("intents") or 0)
        if intents & PRIVILEGED_INTENTS & ~fake.allowed_intents:
            await self._close(conn, 4014, "Disallowed intent(s).")
            return
        shard = data.get("shard")
        if shard is not None and (len(shard) != 2 or not 0 <= shard[0] < shard[1]):
            await self._close(conn, 4010, "Invalid shard.")
            return
        session = GatewaySession(
            id=secrets.token_hex(16),
            token=data["token"],
            intents=intents,
            shard=shard,
            identify=_redact(IDENTIFY, data),
        )
        conn.session = session
        session.conn = conn
        with fake._lock:
            self.sessions[session.id] = session
            self.current = session
            fake.identify_count += 1
            fake.identifies.append(session.identify)
        guild_ids = [gid for gid in fake._guild_ids() if _on_shard(gid, shard)]
        ready = {
            "v": 10,
            "user": fake.bot_user,
            "user_settings": {},
            "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": fake.resume_gateway_url,
            "application": {"id": str(fake.application_id), "flags": fake.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["london", "rotterdam"],
            "auth": {},
            "_trace": ['["fakediscord-gateway",{"micros":0}]'],
        }
        if shard is not None:
            ready["shard"] = shard
        await self.dispatch("READY", ready, session)
        for gid in guild_ids:
            await self.dispatch("GUILD_CREATE", fake._guild_create_payload(gid), session)
        with fake._lock:
            session.ready_sent = True
            fake._cond.notify_all()

    async def _resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        fake = self.fake
        with fake._lock:
            fake.resumes.append(_redact(RESUME, data))
        session = self.sessions.get(str(data.get("session_id")))
        if data.get("token") != fake.token:
            await self._close(conn, 4004, "Authentication failed.")
            return
        seq = data.get("seq")
        if (
            session is None
            or session.invalid
            or (seq is not None and session.events and seq < session.events[0].seq - 1)
        ):
            await conn.send({"op": INVALIDATE_SESSION, "d": False})
            with fake._lock:
                fake.invalid_session_count += 1
            return
        old = session.conn
        if old is not None and old is not conn:
            session.conn = None
            await old.ws.close(code=4009, message=b"Session resumed elsewhere.")
        conn.session = session
        last = int(seq or 0)
        replayed = 0
        async with conn.lock:
            while True:
                pending = [e for e in session.events if e.seq > last]
                if not pending:
                    break
                for event in pending:
                    await conn._send_locked(session.frame(event))
                    last = event.seq
                    replayed += 1
            # no await between the last check and attaching: nothing can slip through
            resumed = session.next_event("RESUMED", {"_trace": ['["fakediscord-gateway",{}]']})
            session.conn = conn
            self.current = session
            await conn._send_locked(session.frame(resumed))
        with fake._lock:
            fake.resume_count += 1
            fake.replayed_count += replayed
            fake._cond.notify_all()

    async def _members_chunk(self, session: GatewaySession, data: dict[str, Any]) -> None:
        fake = self.fake
        gid = int(data.get("guild_id") or 0)
        guild = fake._guild(gid)
        members = list(guild["members"]) if guild else []
        user_ids = data.get("user_ids")
        if user_ids:
            wanted = {str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m["user"]["id"] in wanted]
        query = data.get("query") or ""
        if query:
            members = [m for m in members if m["user"]["username"].startswith(query)]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(gid),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk, session)

    # --- server-initiated actions -----------------------------------------------------------
    async def dispatch(self, name: str, data: Any, session: GatewaySession | None = None) -> int:
        """Give the event the next sequence number; send it now if a socket is attached,
        else keep it for the replay on RESUME."""
        session = session or self.current
        if session is None:
            raise RuntimeError("no gateway session: the bot has not identified yet")
        event = session.next_event(name, data)
        conn = session.conn
        if conn is not None:
            await conn.send(session.frame(event))
        with self.fake._lock:
            self.fake.dispatched.append({"t": name, "s": event.seq, "time": time.monotonic()})
            self.fake._cond.notify_all()
        return event.seq

    async def close_current(self, code: int) -> bool:
        session = self.current
        conn = session.conn if session else None
        if conn is None:
            return False
        session.conn = None  # type: ignore[union-attr]
        await self._close(conn, code, "closed by FakeDiscord")
        return True

    async def send_op(self, op: int, data: Any = None) -> bool:
        session = self.current
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


def _on_shard(guild_id: int, shard: list[int] | None) -> bool:
    if not shard:
        return True
    return (guild_id >> 22) % shard[1] == shard[0]


def _redact(op: Any, data: Any) -> Any:
    if op in (IDENTIFY, RESUME) and isinstance(data, dict) and "token" in data:
        data = dict(data)
        data["token"] = "<redacted>"
    return data


def zstd_available() -> bool:
    """Whether this process can answer ``compress=zstd-stream`` with zstd frames."""
    return _zstd is not None or _stdlib_zstd is not None
