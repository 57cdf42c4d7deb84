"""Traffic the fake recorded: REST requests, faults and 429s, interactions, gateway events."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import DiscordHTTPError
from ..limits import FaultRule
from ..records import InteractionHandle, RequestRecord

# the interaction token in a callback or webhook path
_TOKEN_IN_PATH = re.compile(r"^/(?:interactions/\d+|webhooks/\d+)/([^/]+)")


class RequestLog:
    """Every REST request, the fault rules waiting for them and every 429 answered.
    Callers hold the fake's lock."""

    def __init__(self) -> None:
        self.requests: list[RequestRecord] = []
        self.faults: list[FaultRule] = []
        self.rate_limited: list[dict[str, Any]] = []  # every 429 answered (model or fault)

    def matching(self, method: str | None, pattern: str) -> list[RequestRecord]:
        rx = re.compile(pattern)
        return [
            r
            for r in self.requests
            if (method is None or r.method == method.upper()) and rx.search(r.path)
        ]

    def take_fault(self, method: str, path: str) -> FaultRule | None:
        """The first rule that still fails this request, counting the hit."""
        for rule in self.faults:
            if rule.matches(method, path):
                rule.hits += 1
                return rule
        return None


class HandleRegistry:
    """The interactions the fake dispatched, by id and by token. Callers hold the fake's lock."""

    def __init__(self) -> None:
        self.interactions: dict[int, InteractionHandle] = {}
        self.by_token: dict[str, InteractionHandle] = {}

    def add(self, handle: InteractionHandle) -> None:
        self.interactions[handle.id] = handle
        self.by_token[handle.token] = handle

    def note_error(self, path: str, exc: DiscordHTTPError) -> None:
        """Keep an error answered on an interaction's callback or webhook on its handle."""
        m = _TOKEN_IN_PATH.match(path)
        if m is None:
            return
        handle = self.by_token.get(m.group(1))
        if handle is not None:
            handle.errors.append({"path": path, "status": exc.status, **exc.body()})


@dataclass
class GatewayLog:
    """What happened on the gateway: sockets, payloads both ways, sessions and their counts."""

    gateway_connections: list[dict[str, Any]] = field(default_factory=list)
    gateway_closes: list[dict[str, Any]] = field(default_factory=list)
    gateway_closes_sent: list[int] = field(default_factory=list)
    gateway_received: list[dict[str, Any]] = field(default_factory=list)
    dispatched: list[dict[str, Any]] = field(default_factory=list)
    identifies: list[dict[str, Any]] = field(default_factory=list)
    resumes: list[dict[str, Any]] = field(default_factory=list)
    identify_count: int = 0
    resume_count: int = 0
    replayed_count: int = 0
    invalid_session_count: int = 0
    heartbeat_count: int = 0
