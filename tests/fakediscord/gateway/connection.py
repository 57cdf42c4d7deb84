"""One gateway websocket and one session: opcodes, frame compression, sequence numbers."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

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
            return await self.send_locked(payload)

    async def send_locked(self, payload: dict[str, Any]) -> bool:
        """``send`` for a caller that holds ``self.lock`` (to send several frames in a row)."""
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


def redact(op: Any, data: Any) -> Any:
    """A copy of an IDENTIFY or RESUME payload fit to record: without the token."""
    if op in (IDENTIFY, RESUME) and isinstance(data, dict) and "token" in data:
        data = dict(data)
        data["token"] = "<redacted>"
    return data


def zstd_available() -> bool:
    """Whether this process can answer ``compress=zstd-stream`` with zstd frames."""
    return _zstd is not None or _stdlib_zstd is not None
