"""Gateway (websocket) side of the fake: sessions, sequence numbers, compression, resume."""

from .connection import (
    DISPATCH,
    HEARTBEAT,
    HEARTBEAT_ACK,
    HELLO,
    IDENTIFY,
    INVALIDATE_SESSION,
    MAX_BUFFERED_EVENTS,
    PRESENCE,
    PRIVILEGED_INTENTS,
    RECONNECT,
    REQUEST_MEMBERS,
    RESUME,
    VOICE_STATE,
    GatewayConnection,
    GatewayEvent,
    GatewaySession,
    zstd_available,
)
from .endpoint import Gateway
from .handshake import Handshake

__all__ = [
    "DISPATCH",
    "HEARTBEAT",
    "HEARTBEAT_ACK",
    "HELLO",
    "IDENTIFY",
    "INVALIDATE_SESSION",
    "MAX_BUFFERED_EVENTS",
    "PRESENCE",
    "PRIVILEGED_INTENTS",
    "RECONNECT",
    "REQUEST_MEMBERS",
    "RESUME",
    "VOICE_STATE",
    "Gateway",
    "GatewayConnection",
    "GatewayEvent",
    "GatewaySession",
    "Handshake",
    "zstd_available",
]
