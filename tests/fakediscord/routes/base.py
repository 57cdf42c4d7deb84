"""What a REST handler gets and returns, and the table that finds the handler for a path."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ..records import RequestRecord, SentFile


@dataclass
class Resp:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    request: web.Request
    record: RequestRecord
    json: Any
    files: list[SentFile]

    @property
    def payload(self) -> Any:
        return self.record.payload

    @property
    def query(self) -> dict[str, str]:
        return self.record.query


Handler = Callable[..., Awaitable[Resp]]

# (method, path pattern with {a}/{g}/... placeholders, handler, needs bot auth, major parameter)
RouteSpec = tuple[str, str, Handler, bool, str]

_SNOWFLAKE = r"(?P<{}>\d+)"
_PLACEHOLDERS = {  # placeholder -> (regex, its name in the route key Discord buckets by)
    "{a}": (_SNOWFLAKE.format("app_id"), "{application_id}"),
    "{g}": (_SNOWFLAKE.format("guild_id"), "{guild_id}"),
    "{c}": (_SNOWFLAKE.format("command_id"), "{command_id}"),
    "{i}": (_SNOWFLAKE.format("interaction_id"), "{interaction_id}"),
    "{t}": (r"(?P<token>[^/]+)", "{token}"),
    "{ch}": (_SNOWFLAKE.format("channel_id"), "{channel_id}"),
    "{m}": (r"(?P<message_id>\d+)", "{message_id}"),
    "{u}": (_SNOWFLAKE.format("user_id"), "{user_id}"),
}


@dataclass(frozen=True)
class Route:
    method: str
    regex: re.Pattern[str]
    handler: Handler
    auth: bool
    key: str  # "POST /channels/{channel_id}/messages": what rate limit buckets are per
    major: str  # the parameter that splits a bucket ("channel_id", "guild_id", "webhook")


class Router:
    """Matches a method and a path (relative to /api/v10) against routes in table order."""

    def __init__(self, specs: list[RouteSpec]) -> None:
        self.routes = [self._compile(*spec) for spec in specs]

    @staticmethod
    def _compile(method: str, pattern: str, handler: Handler, auth: bool, major: str) -> Route:
        rx, key = pattern, pattern
        for short in sorted(_PLACEHOLDERS, key=len, reverse=True):
            regex, name = _PLACEHOLDERS[short]
            rx = rx.replace(short, regex)
            key = key.replace(short, name)
        key = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", key)
        return Route(method, re.compile("^" + rx + "$"), handler, auth, f"{method} {key}", major)

    def match(self, method: str, path: str):
        """(handler, params, needs auth, route key, major); handler is None for an unknown
        path and "405" for a known path with another method."""
        allowed = False
        for route in self.routes:
            m = route.regex.match(path)
            if m is None:
                continue
            if route.method != method:
                allowed = True
                continue
            return route.handler, m.groupdict(), route.auth, route.key, route.major
        return ("405" if allowed else None), {}, False, "", ""
