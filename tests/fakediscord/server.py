"""A wire-level fake of Discord's REST API (v10) and gateway for the real discord.py client.

The server runs on 127.0.0.1 (port 0) in a background thread with its own event loop, so the
same object serves sync tests, async tests and a bot running in a separate process::

    with FakeDiscord(guilds=[make_guild(...)]) as fake:
        discord.http.Route.BASE = fake.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
        ...
        handle = fake.invoke("status", {"trust": "RX1"})
        reply = handle.wait_response(5)          # or: await handle.await_response(5)

Sync methods block the calling thread. From a coroutine on the loop that also runs an
in-process bot, use the ``a*``/``await_*`` variants (``ainvoke``, ``await_for``, ...) so the bot
keeps running while you wait.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import logging
import math
import mimetypes
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import fixtures as fx
from .gateway import INVALIDATE_SESSION, RECONNECT, Gateway
from .records import (
    EPHEMERAL,
    InteractionHandle,
    MessageRecord,
    Reply,
    RequestRecord,
    SentFile,
    poll_until,
)

log = logging.getLogger("fakediscord")

JSON_TYPE = "application/json"  # exactly this: discord.py compares the header verbatim
MiB = 1024 * 1024

# intents (for echoing the bot's own messages as MESSAGE_CREATE)
GUILD_MESSAGES_INTENT = 1 << 9
DIRECT_MESSAGES_INTENT = 1 << 12

# application flags of an ordinary unverified bot with slash commands
DEFAULT_APPLICATION_FLAGS = (1 << 15) | (1 << 19) | (1 << 23)

COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$", re.UNICODE)


class OptionType:
    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


@dataclass(frozen=True)
class Opt:
    """An explicitly typed option value for ``invoke`` when the command's schema is unknown,
    e.g. ``Opt(OptionType.CHANNEL, channel_id)``."""

    type: int
    value: Any


@dataclass
class FaultRule:
    method: str | None
    pattern: re.Pattern[str]
    status: int
    times: int | None
    retry_after: float = 0.2
    is_global: bool = False
    code: int | None = None
    message: str | None = None
    body: Any = None
    delay: float = 0.0
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method not in (None, "*") and self.method.upper() != method:
            return False
        return self.pattern.search(path) is not None

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


class DiscordHTTPError(Exception):
    """Raised inside handlers; becomes a Discord-shaped JSON error response."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def _invalid_form(errors: dict[str, Any]) -> DiscordHTTPError:
    return DiscordHTTPError(400, 50035, "Invalid Form Body", errors)


def _err(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


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


# --- optional rate limit model -------------------------------------------------------------


@dataclass
class _Bucket:
    limit: int
    remaining: int
    reset_at: float


class RateLimitModel:
    """Global N requests/s plus per-route buckets (channel message create: 5 per 5 s)."""

    def __init__(
        self,
        global_limit: int = 50,
        channel_messages: tuple[int, float] = (5, 5.0),
        route_limit: tuple[int, float] = (50, 1.0),
    ) -> None:
        self.global_limit = global_limit
        self.channel_messages = channel_messages
        self.route_limit = route_limit
        self._global: deque[float] = deque()
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    @staticmethod
    def bucket_hash(route_key: str) -> str:
        return hashlib.sha1(route_key.encode()).hexdigest()[:16]

    def check(
        self, route_key: str, major: str, exempt_global: bool
    ) -> tuple[dict[str, str], float | None, str]:
        """Returns (headers, retry_after or None, scope)."""
        now = time.monotonic()
        wall = time.time()
        if not exempt_global:
            while self._global and self._global[0] <= now - 1.0:
                self._global.popleft()
            if len(self._global) >= self.global_limit:
                retry = max(0.001, self._global[0] + 1.0 - now)
                return (
                    {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"},
                    retry,
                    "global",
                )
            self._global.append(now)
        if route_key == "POST /channels/{channel_id}/messages":
            limit, window = self.channel_messages
        else:
            limit, window = self.route_limit
        bucket_hash = self.bucket_hash(route_key)
        key = (bucket_hash, major)
        bucket = self._buckets.get(key)
        if bucket is None or now >= bucket.reset_at:
            bucket = self._buckets[key] = _Bucket(limit, limit, now + window)
        reset_after = max(0.0, bucket.reset_at - now)
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Reset": f"{wall + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash,
        }
        if bucket.remaining <= 0:
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Scope"] = "user"
            return headers, max(0.001, reset_after), "user"
        bucket.remaining -= 1
        headers["X-RateLimit-Remaining"] = str(bucket.remaining)
        return headers, None, "user"


# --- the fake ------------------------------------------------------------------------------


Handler = Callable[..., Awaitable[Resp]]


class FakeDiscord:
    def __init__(
        self,
        guilds: Iterable[dict[str, Any]] | None = None,
        *,
        token: str = "fake-bot-token.strikewatch",
        application_id: int | None = None,
        bot_name: str = "Strikewatch",
        owner: dict[str, Any] | None = None,
        team_member_ids: Iterable[int] | None = None,
        default_user: dict[str, Any] | None = None,
        rate_limits: bool = False,
        global_rate_limit: int = 50,
        channel_message_limit: tuple[int, float] = (5, 5.0),
        latency: float = 0.0,
        heartbeat_interval_ms: int = 41250,
        allowed_intents: int | None = None,
        interaction_timeout: float | None = None,
        attachment_size_limit: int = 10 * MiB,
        strict_commands: bool = True,
        echo_messages: bool = True,
        connect_timeout: float = 10.0,
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.application_id = int(application_id or fx.snowflake())
        self.bot_user = fx.make_user(self.application_id, bot_name.lower(), bot=True)
        self.bot_user.update({"verified": True, "mfa_enabled": False, "locale": "en-US"})
        self.bot_user["username"] = bot_name
        self.owner_user = owner or fx.make_user(None, "owner")
        self.default_user = default_user or fx.make_user(None, "tester")
        self.team_member_ids = [int(x) for x in team_member_ids or []]
        self.application_flags = DEFAULT_APPLICATION_FLAGS
        self.rate_limits = (
            RateLimitModel(global_rate_limit, channel_message_limit) if rate_limits else None
        )
        self.latency = latency
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allowed_intents = (1 << 30) - 1 if allowed_intents is None else allowed_intents
        self.interaction_timeout = interaction_timeout
        self.attachment_size_limit = attachment_size_limit
        self.strict_commands = strict_commands
        self.echo_messages = echo_messages
        self.connect_timeout = connect_timeout
        self.host = host

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)

        # fixtures
        self._guilds: dict[int, dict[str, Any]] = {}
        self._channels: dict[int, tuple[int | None, dict[str, Any]]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._dm_by_user: dict[int, int] = {}
        self._blocked_dm_users: set[int] = set()
        self.deleted_channels: set[int] = set()
        for user in (self.bot_user, self.owner_user, self.default_user):
            self._users[int(user["id"])] = user
        for guild in [fx.make_guild()] if guilds is None else list(guilds):
            self._add_guild_locked(guild)

        # recordings
        self.requests: list[RequestRecord] = []
        self.messages: dict[int, list[MessageRecord]] = defaultdict(list)
        self.interactions: dict[int, InteractionHandle] = {}
        self._by_token: dict[str, InteractionHandle] = {}
        self.commands_global: dict[tuple[str, int], dict[str, Any]] = {}
        self.commands_guild: dict[int, dict[tuple[str, int], dict[str, Any]]] = defaultdict(dict)
        self.sync_log: list[dict[str, Any]] = []
        self.synced_global: list[dict[str, Any]] | None = None
        self.synced_guild: dict[int, list[dict[str, Any]]] = {}
        self.global_sync_count = 0
        self.nonce_hits = 0  # message creates answered with an earlier message (enforce_nonce)
        self.answer_delay: tuple[str, str, float] | None = None
        self.guild_sync_counts: dict[int, int] = defaultdict(int)
        self.faults: list[FaultRule] = []
        self.rate_limited: list[dict[str, Any]] = []  # every 429 answered (model or fault)
        self._attachments: dict[int, SentFile] = {}
        self._message_index: dict[int, dict[str, Any]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

        # gateway recordings
        self.gateway_connections: list[dict[str, Any]] = []
        self.gateway_closes: list[dict[str, Any]] = []
        self.gateway_closes_sent: list[int] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.dispatched: list[dict[str, Any]] = []
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.identify_count = 0
        self.resume_count = 0
        self.replayed_count = 0
        self.invalid_session_count = 0
        self.heartbeat_count = 0

        self.gateway = Gateway(self)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self._routes = self._build_routes()

    # ================================================================= lifecycle
    def start(self) -> FakeDiscord:
        if self._thread is not None:
            return self
        started = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._startup())
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            try:
                loop.run_until_complete(self._shutdown())
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="FakeDiscord", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure:
            raise RuntimeError("FakeDiscord failed to start") from failure[0]
        if self.port is None:
            raise RuntimeError("FakeDiscord did not start within 10 s")
        return self

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None

    def __enter__(self) -> FakeDiscord:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _startup(self) -> None:
        app = web.Application(client_max_size=64 * MiB)
        app.router.add_route("*", r"/api/v{version:\d+}/{tail:.*}", self._rest)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/resume", self.gateway.handle)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/attachments/{cid}/{aid}/{filename}", self._attachment)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def _shutdown(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()

    # ================================================================= addresses
    @property
    def http_base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.http_base}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway/resume"

    def env(self, **extra: Any) -> dict[str, str]:
        """Environment for a bot process pointed at this fake."""
        env = {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }
        env.update({k: str(v) for k, v in extra.items()})
        return env

    # ================================================================= thread bridging
    def _on_loop_thread(self) -> bool:
        return self._thread is not None and threading.get_ident() == self._thread.ident

    def _call(self, coro: Awaitable[Any], timeout: float | None = None) -> Any:
        if self._loop is None or self._thread is None:
            raise RuntimeError("FakeDiscord is not started")
        if self._on_loop_thread():
            raise RuntimeError("sync FakeDiscord API called from the fake's own loop")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)  # type: ignore[arg-type]
        return future.result(timeout)

    async def _acall(self, coro: Awaitable[Any]) -> Any:
        if self._loop is None:
            raise RuntimeError("FakeDiscord is not started")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)  # type: ignore[arg-type]
        return await asyncio.wrap_future(future)

    def _notify(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _wait(self, predicate: Callable[[], bool], timeout: float, describe=None) -> None:
        if self._on_loop_thread():
            raise RuntimeError("cannot block the fake's own loop")
        with self._cond:
            if not self._cond.wait_for(predicate, timeout):
                what = describe() if describe else getattr(predicate, "__name__", "condition")
                raise TimeoutError(f"FakeDiscord: timed out after {timeout}s waiting for {what}")

    async def _await(self, predicate: Callable[[], bool], timeout: float, describe=None) -> None:  # noqa: ASYNC109 - mirrors the sync wait_* API
        def locked() -> bool:
            with self._lock:
                return predicate()

        if not await poll_until(locked, timeout):
            what = describe() if describe else getattr(predicate, "__name__", "condition")
            raise TimeoutError(f"FakeDiscord: timed out after {timeout}s waiting for {what}")

    def wait_for(self, predicate: Callable[[FakeDiscord], bool], timeout: float = 5.0) -> None:
        """Block until ``predicate(fake)`` is true (evaluated under the fake's lock)."""
        self._wait(lambda: predicate(self), timeout)

    async def await_for(
        self,
        predicate: Callable[[FakeDiscord], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        await self._await(lambda: predicate(self), timeout)

    # ================================================================= fixtures API
    def _add_guild_locked(self, guild: dict[str, Any]) -> int:
        guild = copy.deepcopy(guild)
        gid = int(guild["id"])
        bot_id = self.bot_user["id"]
        bot_roles = []
        for role in guild["roles"]:
            tags = role.get("tags") or {}
            if tags.get("bot_id") in (fx.BOT, bot_id):
                role["tags"] = {"bot_id": bot_id}
                bot_roles.append(role["id"])
        members = guild.setdefault("members", [])
        if not any(m["user"]["id"] == bot_id for m in members):
            members.insert(0, fx.make_member(self.bot_user, roles=bot_roles))
        for member in members:
            self._users.setdefault(int(member["user"]["id"]), member["user"])
        self._guilds[gid] = guild
        for channel in guild.get("channels", []):
            self._channels[int(channel["id"])] = (gid, channel)
        return gid

    def add_guild(self, guild: dict[str, Any], *, notify: bool = True) -> int:
        """Add a guild (``make_guild``); with ``notify`` a connected bot gets GUILD_CREATE."""
        with self._lock:
            gid = self._add_guild_locked(guild)
        if notify and self._has_session():
            self.dispatch("GUILD_CREATE", self._guild_create_payload(gid))
        return gid

    def remove_guild(self, guild_id: int, *, notify: bool = True) -> None:
        with self._lock:
            guild = self._guilds.pop(int(guild_id))
            for channel in guild.get("channels", []):
                self._channels.pop(int(channel["id"]), None)
        if notify and self._has_session():
            self.dispatch("GUILD_DELETE", {"id": str(guild_id), "unavailable": False})

    @property
    def guild_ids(self) -> list[int]:
        with self._lock:
            return list(self._guilds)

    def _guild_ids(self) -> list[int]:
        with self._lock:
            return list(self._guilds)

    @property
    def default_guild_id(self) -> int:
        return self.guild_ids[0]

    def _guild(self, guild_id: int | None) -> dict[str, Any] | None:
        return None if guild_id is None else self._guilds.get(int(guild_id))

    def guild(self, guild_id: int | None = None) -> dict[str, Any]:
        """A copy of a guild fixture (default: the first guild)."""
        with self._lock:
            guild = self._guild(guild_id or self.default_guild_id)
            if guild is None:
                raise KeyError(guild_id)
            return copy.deepcopy(guild)

    def channel(self, channel_id: int) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._channels[int(channel_id)][1])

    def channel_id(self, name: str, guild_id: int | None = None) -> int:
        with self._lock:
            guild = self._guild(guild_id or self.default_guild_id)
            for channel in guild["channels"] if guild else []:
                if channel["name"] == name:
                    return int(channel["id"])
        raise KeyError(f"no channel named {name!r}")

    def role_id(self, name: str, guild_id: int | None = None) -> int:
        with self._lock:
            guild = self._guild(guild_id or self.default_guild_id)
            for role in guild["roles"] if guild else []:
                if role["name"] == name:
                    return int(role["id"])
        raise KeyError(f"no role named {name!r}")

    def add_member(
        self,
        user: dict[str, Any],
        *,
        guild_id: int | None = None,
        roles: Iterable[int | str] = (),
    ) -> dict[str, Any]:
        with self._lock:
            guild = self._guild(guild_id or self.default_guild_id)
            assert guild is not None
            member = fx.make_member(user, roles=[self._role_ref(guild, r) for r in roles])
            guild["members"] = [m for m in guild["members"] if m["user"]["id"] != user["id"]]
            guild["members"].append(member)
            self._users[int(user["id"])] = user
            return copy.deepcopy(member)

    def add_channel(
        self, channel: dict[str, Any], *, guild_id: int | None = None, notify: bool = True
    ) -> int:
        with self._lock:
            gid = int(guild_id or self.default_guild_id)
            channel = copy.deepcopy(channel)
            self._guilds[gid]["channels"].append(channel)
            self._channels[int(channel["id"])] = (gid, channel)
        if notify and self._has_session():
            self.dispatch("CHANNEL_CREATE", self._channel_obj(int(channel["id"])))
        return int(channel["id"])

    def delete_channel(self, channel_id: int, *, notify: bool = False) -> None:
        """Delete a channel: REST answers 404 Unknown Channel (10003) from now on. With
        ``notify`` the bot also gets CHANNEL_DELETE (else its cache still has the channel,
        like a bot that missed the event)."""
        with self._lock:
            obj = self._channel_obj(int(channel_id))
            gid, channel = self._channels.pop(int(channel_id))
            if gid is not None:
                guild = self._guilds[gid]
                guild["channels"] = [c for c in guild["channels"] if c["id"] != channel["id"]]
            self.deleted_channels.add(int(channel_id))
        if notify and self._has_session():
            self.dispatch("CHANNEL_DELETE", obj)

    def set_overwrites(
        self, channel_id: int, overwrites: list[dict[str, Any]], *, notify: bool = True
    ) -> None:
        with self._lock:
            _, channel = self._channels[int(channel_id)]
            channel["permission_overwrites"] = copy.deepcopy(overwrites)
        if notify and self._has_session():
            self.dispatch("CHANNEL_UPDATE", self._channel_obj(int(channel_id)))

    def deny_send(self, channel_id: int, *, notify: bool = False) -> None:
        """Add a member overwrite denying the bot Send Messages in the channel, so
        ``POST /channels/{id}/messages`` answers 403 Missing Permissions (50013). Without
        ``notify`` the bot's cache still believes it may send (the realistic race)."""
        with self._lock:
            _, channel = self._channels[int(channel_id)]
            overwrites = [
                o for o in channel["permission_overwrites"] if o["id"] != self.bot_user["id"]
            ]
            overwrites.append(
                fx.make_overwrite(
                    self.bot_user["id"], deny=fx.SEND_MESSAGES, type=fx.OVERWRITE_MEMBER
                )
            )
        self.set_overwrites(channel_id, overwrites, notify=notify)

    def allow_send(self, channel_id: int, *, notify: bool = False) -> None:
        with self._lock:
            _, channel = self._channels[int(channel_id)]
            overwrites = [
                o for o in channel["permission_overwrites"] if o["id"] != self.bot_user["id"]
            ]
        self.set_overwrites(channel_id, overwrites, notify=notify)

    def block_dms(self, user_id: int) -> None:
        """DMs to this user fail with 403 Cannot send messages to this user (50007)."""
        with self._lock:
            self._blocked_dm_users.add(int(user_id))

    def set_token(self, token: str) -> None:
        with self._lock:
            self.token = token

    def delay_answers(self, method: str, path_regex: str, seconds: float) -> None:
        """Handle matching requests at once but answer them `seconds` later (0 clears it)."""
        self.answer_delay = (method.upper(), path_regex, seconds) if seconds else None

    def set_latency(self, seconds: float) -> None:
        """Delay every REST answer by ``seconds`` (benchmarks)."""
        self.latency = seconds

    def _role_ref(self, guild: dict[str, Any], ref: int | str) -> str:
        for role in guild["roles"]:
            if str(ref) in (role["id"], role["name"]):
                return role["id"]
        raise KeyError(f"no role {ref!r} in guild {guild['id']}")

    def _bot_member(self, guild: dict[str, Any]) -> dict[str, Any]:
        for member in guild["members"]:
            if member["user"]["id"] == self.bot_user["id"]:
                return member
        raise KeyError("bot is not a member")

    def _bot_permissions(self, guild: dict[str, Any], channel: dict[str, Any] | None) -> int:
        member = self._bot_member(guild)
        return fx.channel_permissions(guild, channel, self.bot_user["id"], member["roles"])

    def _guild_create_payload(self, gid: int) -> dict[str, Any]:
        with self._lock:
            guild = copy.deepcopy(self._guilds[gid])
        members = guild["members"]
        guild.update(
            {
                "joined_at": "2024-01-01T00:00:00+00:00",
                "large": len(members) >= 250,
                "unavailable": False,
                "lazy": True,
                "member_count": len(members),
                "voice_states": [],
                "presences": [],
                "threads": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "embedded_activities": [],
                "application_command_counts": {},
            }
        )
        return guild

    def _guild_obj(self, guild: dict[str, Any]) -> dict[str, Any]:
        obj = {k: v for k, v in guild.items() if k not in ("channels", "members")}
        return copy.deepcopy(obj)

    def _channel_obj(self, channel_id: int) -> dict[str, Any]:
        gid, channel = self._channels[channel_id]
        obj = copy.deepcopy(channel)
        if gid is not None:
            obj["guild_id"] = str(gid)
        return obj

    def _dm_channel(self, user: dict[str, Any]) -> dict[str, Any]:
        uid = int(user["id"])
        cid = self._dm_by_user.get(uid)
        if cid is None:
            cid = fx.snowflake()
            self._dm_by_user[uid] = cid
            channel = {
                "id": str(cid),
                "type": fx.DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": [user],
            }
            self._channels[cid] = (None, channel)
        return copy.deepcopy(self._channels[cid][1])

    def _resolve_user(self, user: Any) -> dict[str, Any]:
        if user is None:
            return self.default_user
        if isinstance(user, dict):
            self._users.setdefault(int(user["id"]), user)
            return user
        uid = int(user)
        found = self._users.get(uid)
        if found is None:
            found = fx.make_user(uid, f"user{uid % 10000}")
            self._users[uid] = found
        return found

    # ================================================================= gateway API
    def _has_session(self) -> bool:
        return self.gateway.current is not None

    def dispatch(self, event: str, data: Any) -> int:
        """Send a raw gateway dispatch to the current session; returns its sequence number."""
        return self._call(self.gateway.dispatch(event, data), 10)

    async def adispatch(self, event: str, data: Any) -> int:
        return await self._acall(self.gateway.dispatch(event, data))

    def close_gateway(self, code: int = 4000) -> bool:
        """Close the current gateway socket with ``code``; the session stays resumable and
        later dispatches are buffered for the RESUME replay."""
        return self._call(self.gateway.close_current(code), 15)

    async def aclose_gateway(self, code: int = 4000) -> bool:
        return await self._acall(self.gateway.close_current(code))

    def send_reconnect(self) -> bool:
        """Send op 7 RECONNECT: the client closes and resumes."""
        return self._call(self.gateway.send_op(RECONNECT), 10)

    async def asend_reconnect(self) -> bool:
        return await self._acall(self.gateway.send_op(RECONNECT))

    def invalidate_session(self, resumable: bool = False) -> bool:
        """Send op 9; with ``resumable=False`` the client identifies anew."""
        return self._call(self.gateway.send_op(INVALIDATE_SESSION, resumable), 10)

    def wait_ready(self, timeout: float = 10.0, identifies: int = 1) -> None:
        """Block until ``identifies`` sessions got READY and all their GUILD_CREATEs."""
        self._wait(lambda: self._ready_count() >= identifies, timeout, lambda: "READY")

    async def await_ready(self, timeout: float = 10.0, identifies: int = 1) -> None:  # noqa: ASYNC109 - mirrors the sync wait_* API
        await self._await(lambda: self._ready_count() >= identifies, timeout, lambda: "READY")

    def _ready_count(self) -> int:
        with self._lock:
            return sum(1 for s in self.gateway.sessions.values() if s.ready_sent)

    def wait_resumed(self, count: int = 1, timeout: float = 10.0) -> None:
        self._wait(lambda: self.resume_count >= count, timeout, lambda: f"{count} RESUME(s)")

    async def await_resumed(self, count: int = 1, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - mirrors the sync wait_* API
        await self._await(lambda: self.resume_count >= count, timeout, lambda: "RESUME")

    @property
    def connected(self) -> bool:
        session = self.gateway.current
        return session is not None and session.conn is not None and not session.conn.ws.closed

    async def _wait_session(self) -> None:
        deadline = time.monotonic() + self.connect_timeout
        while self.gateway.current is None or not self.gateway.current.ready_sent:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"no bot identified on the fake gateway within {self.connect_timeout}s"
                )
            await asyncio.sleep(0.01)

    # ================================================================= commands API
    def wait_for_sync(
        self, guild_id: int | None = None, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Block until ``count`` bulk syncs happened (global, or for ``guild_id``); returns the
        latest synced payload."""
        self._wait(lambda: self._sync_count(guild_id) >= count, timeout, lambda: "command sync")
        with self._lock:
            return self._latest_sync(guild_id)

    async def await_sync(
        self,
        guild_id: int | None = None,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        await self._await(lambda: self._sync_count(guild_id) >= count, timeout, lambda: "sync")
        with self._lock:
            return self._latest_sync(guild_id)

    def _sync_count(self, guild_id: int | None) -> int:
        if guild_id is None:
            return self.global_sync_count
        return self.guild_sync_counts.get(int(guild_id), 0)

    def _latest_sync(self, guild_id: int | None) -> list[dict[str, Any]]:
        if guild_id is None:
            return copy.deepcopy(self.synced_global or [])
        return copy.deepcopy(self.synced_guild.get(int(guild_id), []))

    def registered_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            table = self.commands_global if guild_id is None else self.commands_guild[int(guild_id)]
            return copy.deepcopy(list(table.values()))

    def _find_command(
        self, name: str, guild_id: int | None, ctype: int
    ) -> tuple[dict[str, Any] | None, int | None]:
        if guild_id is not None:
            cmd = self.commands_guild.get(int(guild_id), {}).get((name, ctype))
            if cmd is not None:
                return cmd, int(guild_id)
        cmd = self.commands_global.get((name, ctype))
        return cmd, None

    # ================================================================= interactions API
    def invoke(self, name: str, options: Any = None, **kwargs: Any) -> InteractionHandle:
        """Dispatch an APPLICATION_COMMAND interaction (type 2).

        ``name`` may contain the subcommand path ("strike add" / "strike admin add").
        ``options``: ``{name: value}`` (types from the synced schema, or ``Opt``/Python types)
        or a raw list of option dicts. Keyword arguments: ``guild_id`` (default: first guild),
        ``channel_id`` (default: first text channel), ``user`` (dict or id), ``roles`` (ids or
        names), ``permissions`` (member permissions override), ``app_permissions``, ``dm``
        (invoke in a DM: no guild, ``user`` instead of ``member``), ``locale``,
        ``command_type`` (1 chat input; 2 user / 3 message with ``target_id``).
        """
        payload = self._build_interaction(2, name, options, **kwargs)
        return self._call(self._dispatch_interaction(payload), self.connect_timeout + 5)

    async def ainvoke(self, name: str, options: Any = None, **kwargs: Any) -> InteractionHandle:
        payload = self._build_interaction(2, name, options, **kwargs)
        return await self._acall(self._dispatch_interaction(payload))

    def autocomplete(
        self, name: str, focused: str, value: Any = "", options: Any = None, **kwargs: Any
    ) -> InteractionHandle:
        """Dispatch an APPLICATION_COMMAND_AUTOCOMPLETE interaction (type 4) with ``focused``
        being typed as ``value``. ``handle.choices`` holds the answer (callback type 8)."""
        payload = self._build_interaction(
            4, name, options, focused=focused, focused_value=value, **kwargs
        )
        return self._call(self._dispatch_interaction(payload), self.connect_timeout + 5)

    async def aautocomplete(
        self, name: str, focused: str, value: Any = "", options: Any = None, **kwargs: Any
    ) -> InteractionHandle:
        payload = self._build_interaction(
            4, name, options, focused=focused, focused_value=value, **kwargs
        )
        return await self._acall(self._dispatch_interaction(payload))

    def run_command(
        self, name: str, options: Any = None, *, timeout: float = 5.0, **kwargs: Any
    ) -> Reply:
        """``invoke`` + ``wait_response``."""
        return self.invoke(name, options, **kwargs).wait_response(timeout)

    async def arun_command(
        self,
        name: str,
        options: Any = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        **kwargs: Any,
    ) -> Reply:
        handle = await self.ainvoke(name, options, **kwargs)
        return await handle.await_response(timeout)

    async def _dispatch_interaction(self, payload: dict[str, Any]) -> InteractionHandle:
        await self._wait_session()
        handle = InteractionHandle(self, payload)
        with self._lock:
            self.interactions[handle.id] = handle
            self._by_token[handle.token] = handle
        handle.created = time.monotonic()
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return handle

    def _build_interaction(
        self,
        itype: int,
        name: str,
        options: Any,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user: Any = None,
        roles: Iterable[int | str] | None = None,
        permissions: int | str | None = None,
        app_permissions: int | str | None = None,
        dm: bool = False,
        locale: str = "en-GB",
        command_type: int = 1,
        target_id: int | None = None,
        subcommand: str | list[str] | None = None,
        focused: str | None = None,
        focused_value: Any = None,
    ) -> dict[str, Any]:
        with self._lock:
            parts = name.split()
            if subcommand:
                parts += [subcommand] if isinstance(subcommand, str) else list(subcommand)
            user_obj = self._resolve_user(user)
            guild = None
            channel: dict[str, Any] | None = None
            if not dm:
                gid = int(guild_id or self.default_guild_id)
                guild = self._guilds[gid]
                if channel_id is None:
                    channel = next(c for c in guild["channels"] if c["type"] in (fx.GUILD_TEXT, 5))
                else:
                    channel = self._channels[int(channel_id)][1]
            cmd, scope_gid = self._find_command(
                parts[0], None if guild is None else int(guild["id"]), command_type
            )
            if cmd is None and self.strict_commands:
                where = "globally" if guild is None else f"for guild {guild['id']} or globally"
                raise LookupError(
                    f"/{parts[0]} (type {command_type}) was never synced {where}; sync first "
                    "or pass FakeDiscord(strict_commands=False)"
                )
            member_roles: list[str] = []
            if guild is not None:
                if roles is not None:
                    member_roles = [self._role_ref(guild, r) for r in roles]
                else:
                    for m in guild["members"]:
                        if m["user"]["id"] == user_obj["id"]:
                            member_roles = list(m["roles"])
            user_perms = self._member_perms(guild, channel, user_obj, member_roles, permissions)
            resolved: dict[str, dict[str, Any]] = {}
            built = self._build_options(
                parts[1:],
                (cmd or {}).get("options"),
                options,
                guild,
                (user_obj, member_roles),
                resolved,
                autocomplete=itype == 4,
                focused=focused,
                focused_value=focused_value,
            )
            data: dict[str, Any] = {
                "id": cmd["id"] if cmd else str(fx.snowflake()),
                "name": parts[0],
                "type": command_type,
            }
            if built:
                data["options"] = built
            if scope_gid is not None:
                data["guild_id"] = str(scope_gid)
            if command_type in (2, 3) and target_id is not None:
                data["target_id"] = str(target_id)
                if command_type == 2:
                    target = self._resolve_user(target_id)
                    resolved.setdefault("users", {})[str(target_id)] = target
            if resolved and itype == 2:
                data["resolved"] = resolved

            payload: dict[str, Any] = {
                "id": str(fx.snowflake()),
                "application_id": str(self.application_id),
                "type": itype,
                "data": data,
                "token": "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96).replace("=", ""),
                "version": 1,
                "locale": locale,
                "entitlements": [],
                "entitlement_sku_ids": [],
                "attachment_size_limit": self.attachment_size_limit,
            }
            if guild is not None:
                assert channel is not None
                member = fx.make_member(user_obj, roles=member_roles)
                member["permissions"] = str(user_perms)
                channel_obj = self._channel_obj(int(channel["id"]))
                channel_obj["permissions"] = str(user_perms)
                bot_perms = (
                    int(app_permissions)
                    if app_permissions is not None
                    else self._bot_permissions(guild, channel)
                )
                payload.update(
                    {
                        "guild_id": guild["id"],
                        "guild": {
                            "id": guild["id"],
                            "locale": guild.get("preferred_locale", "en-US"),
                            "features": list(guild.get("features", [])),
                        },
                        "guild_locale": guild.get("preferred_locale", "en-US"),
                        "channel_id": channel["id"],
                        "channel": channel_obj,
                        "member": member,
                        "app_permissions": str(bot_perms),
                        "authorizing_integration_owners": {"0": guild["id"]},
                        "context": 0,
                    }
                )
            else:
                dm_channel = self._dm_channel(user_obj)
                payload.update(
                    {
                        "channel_id": dm_channel["id"],
                        "channel": dm_channel,
                        "user": user_obj,
                        "app_permissions": str(
                            int(app_permissions)
                            if app_permissions is not None
                            else fx.DM_PERMISSIONS
                        ),
                        "authorizing_integration_owners": {"0": "0"},
                        "context": 1,
                    }
                )
            return payload

    def _member_perms(
        self,
        guild: dict[str, Any] | None,
        channel: dict[str, Any] | None,
        user: dict[str, Any],
        roles: list[str],
        override: int | str | None,
    ) -> int:
        if override is not None:
            return int(override)
        if guild is None:
            return fx.DM_PERMISSIONS
        return fx.channel_permissions(guild, channel, user["id"], roles)

    def _build_options(
        self,
        path: list[str],
        schema: list[dict[str, Any]] | None,
        given: Any,
        guild: dict[str, Any] | None,
        invoker: tuple[dict[str, Any], list[str]],
        resolved: dict[str, dict[str, Any]],
        *,
        autocomplete: bool,
        focused: str | None,
        focused_value: Any,
    ) -> list[dict[str, Any]]:
        level = schema
        kinds: list[int] = []
        for index, part in enumerate(path):
            found = None
            for opt in level or []:
                if opt["name"] == part and opt.get("type") in (1, 2):
                    found = opt
            if found is None and level is not None and self.strict_commands:
                raise LookupError(f"no subcommand {part!r} in the synced command")
            kinds.append(found["type"] if found else (1 if index == len(path) - 1 else 2))
            level = found.get("options") if found else None

        if isinstance(given, list):
            leaf = copy.deepcopy(given)
        else:
            leaf = []
            for key, value in (given or {}).items():
                opt_schema = next((o for o in level or [] if o["name"] == key), None)
                if key == focused:
                    continue
                leaf.append(
                    self._option_value(
                        key, value, opt_schema, guild, invoker, resolved, autocomplete
                    )
                )
            if focused is not None:
                opt_schema = next((o for o in level or [] if o["name"] == focused), None)
                ftype = opt_schema["type"] if opt_schema else OptionType.STRING
                if isinstance(focused_value, Opt):
                    ftype, focused_value = focused_value.type, focused_value.value
                leaf.append(
                    {
                        "type": ftype,
                        "name": focused,
                        "value": "" if focused_value is None else str(focused_value),
                        "focused": True,
                    }
                )
        for part, kind in zip(reversed(path), reversed(kinds), strict=True):
            wrapped: dict[str, Any] = {"type": kind, "name": part}
            if leaf:
                wrapped["options"] = leaf
            leaf = [wrapped]
        return leaf

    def _option_value(
        self,
        name: str,
        value: Any,
        schema: dict[str, Any] | None,
        guild: dict[str, Any] | None,
        invoker: tuple[dict[str, Any], list[str]],
        resolved: dict[str, dict[str, Any]],
        autocomplete: bool,
    ) -> dict[str, Any]:
        if isinstance(value, Opt):
            otype, value = value.type, value.value
        elif schema is not None:
            otype = schema["type"]
        elif isinstance(value, bool):
            otype = OptionType.BOOLEAN
        elif isinstance(value, int):
            otype = OptionType.INTEGER
        elif isinstance(value, float):
            otype = OptionType.NUMBER
        elif isinstance(value, dict) and "username" in value:
            otype = OptionType.USER
        elif isinstance(value, SentFile | bytes | tuple):
            otype = OptionType.ATTACHMENT
        else:
            otype = OptionType.STRING

        if otype == OptionType.MENTIONABLE:
            is_user = isinstance(value, dict) or guild is None
            if not is_user and str(value).isdigit():
                is_user = int(value) in self._users and not any(
                    r["id"] == str(value) for r in guild["roles"]
                )
            otype_eff = OptionType.USER if is_user else OptionType.ROLE
        else:
            otype_eff = otype

        if otype_eff == OptionType.STRING:
            out: Any = str(value)
        elif otype_eff == OptionType.INTEGER:
            out = int(value)
        elif otype_eff == OptionType.NUMBER:
            out = float(value)
        elif otype_eff == OptionType.BOOLEAN:
            out = bool(value)
        elif otype_eff == OptionType.USER:
            user = self._resolve_user(value)
            out = user["id"]
            if not autocomplete:
                resolved.setdefault("users", {})[out] = user
                member = None
                if guild is not None:
                    member = next((m for m in guild["members"] if m["user"]["id"] == out), None)
                if member is not None:
                    assert guild is not None
                    mobj = copy.deepcopy(member)
                    mobj.pop("user", None)
                    mobj["permissions"] = str(
                        fx.channel_permissions(guild, None, out, mobj["roles"])
                    )
                    resolved.setdefault("members", {})[out] = mobj
        elif otype_eff == OptionType.ROLE:
            if guild is None:
                raise ValueError("role options need a guild")
            rid = self._role_ref(guild, value)
            out = rid
            if not autocomplete:
                role = next(r for r in guild["roles"] if r["id"] == rid)
                resolved.setdefault("roles", {})[rid] = copy.deepcopy(role)
        elif otype_eff == OptionType.CHANNEL:
            target = self._channel_ref(guild, value)
            out = target["id"]
            if not autocomplete:
                keys = (
                    "id",
                    "name",
                    "type",
                    "topic",
                    "position",
                    "nsfw",
                    "parent_id",
                    "rate_limit_per_user",
                    "last_message_id",
                    "flags",
                )
                obj = {k: target.get(k) for k in keys}
                if guild is not None:
                    user, roles = invoker
                    obj["guild_id"] = guild["id"]
                    obj["permissions"] = str(
                        fx.channel_permissions(guild, target, user["id"], roles)
                    )
                else:
                    obj["permissions"] = str(fx.DM_PERMISSIONS)
                resolved.setdefault("channels", {})[out] = obj
        elif otype_eff == OptionType.ATTACHMENT:
            sent = self._as_sent_file(value)
            aid = fx.snowflake()
            self._attachments[aid] = sent
            out = str(aid)
            if not autocomplete:
                resolved.setdefault("attachments", {})[out] = self._attachment_obj(
                    0, aid, sent, ephemeral=True
                )
        else:
            out = value
        return {"type": otype, "name": name, "value": out}

    def _channel_ref(self, guild: dict[str, Any] | None, ref: Any) -> dict[str, Any]:
        if isinstance(ref, dict):
            return ref
        if guild is not None:
            for channel in guild["channels"]:
                if str(ref) in (channel["id"], channel["name"], "#" + channel["name"]):
                    return channel
        found = self._channels.get(int(ref)) if str(ref).isdigit() else None
        if found is None:
            raise KeyError(f"no channel {ref!r}")
        return found[1]

    @staticmethod
    def _as_sent_file(value: Any) -> SentFile:
        if isinstance(value, SentFile):
            return value
        if isinstance(value, bytes):
            return SentFile("files[0]", "upload.bin", value, "application/octet-stream")
        filename, data = value
        return SentFile("files[0]", filename, data, mimetypes.guess_type(filename)[0])

    # ================================================================= recordings API
    def requests_matching(
        self, method: str | None = None, pattern: str = ""
    ) -> list[RequestRecord]:
        rx = re.compile(pattern)
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method.upper()) and rx.search(r.path)
            ]

    def channel_messages(self, channel_id: int) -> list[MessageRecord]:
        with self._lock:
            return list(self.messages.get(int(channel_id), []))

    def get_message(self, message_id: int) -> dict[str, Any] | None:
        """Current state of any message the bot created (after edits), or None if deleted."""
        with self._lock:
            message = self._message_index.get(int(message_id))
            return None if message is None else copy.deepcopy(message)

    @property
    def all_messages(self) -> list[MessageRecord]:
        with self._lock:
            return sorted((m for msgs in self.messages.values() for m in msgs), key=lambda m: m.id)

    def wait_for_message(
        self,
        channel_id: int,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[MessageRecord]:
        cid = int(channel_id)
        self._wait(
            lambda: len(self.messages.get(cid, [])) >= count,
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
        await self._await(
            lambda: len(self.messages.get(cid, [])) >= count,
            timeout,
            lambda: f"{count} message(s) in channel {cid}",
        )
        return self.channel_messages(cid)

    # ================================================================= fault injection
    def fail_next(
        self,
        method: str | None,
        path_regex: str,
        status: int = 429,
        *,
        times: int | None = 1,
        retry_after: float = 0.2,
        is_global: bool = False,
        code: int | None = None,
        message: str | None = None,
        body: Any = None,
        delay: float = 0.0,
    ) -> FaultRule:
        """Answer the next ``times`` matching requests (``method`` or None/"*" for any;
        ``path_regex`` searched in the path relative to /api/v10) with ``status``. 429s carry
        ``Via``, ``Retry-After``, X-RateLimit headers and JSON ``retry_after``/``global``.
        ``times=None`` keeps failing until ``clear_faults``."""
        rule = FaultRule(
            method=method,
            pattern=re.compile(path_regex),
            status=status,
            times=times,
            retry_after=retry_after,
            is_global=is_global,
            code=code,
            message=message,
            body=body,
            delay=delay,
        )
        with self._lock:
            self.faults.append(rule)
        return rule

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    # ================================================================= HTTP plumbing
    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Handler, bool, str, str]]:
        """(method, regex, handler, needs bot auth, route key template, major parameter group)."""
        sf = r"(?P<{}>\d+)"
        tok = r"(?P<token>[^/]+)"
        table: list[tuple[str, str, Handler, bool, str]] = [
            ("GET", r"/users/@me", self.h_me, True, ""),
            ("GET", r"/users/" + sf.format("user_id"), self.h_user, True, ""),
            ("POST", r"/users/@me/channels", self.h_create_dm, True, ""),
            ("GET", r"/applications/@me", self.h_application, True, ""),
            ("GET", r"/oauth2/applications/@me", self.h_application, True, ""),
            ("GET", r"/gateway", self.h_gateway, False, ""),
            ("GET", r"/gateway/bot", self.h_gateway_bot, True, ""),
            # application commands
            ("GET", r"/applications/{a}/commands", self.h_list_commands, True, ""),
            ("PUT", r"/applications/{a}/commands", self.h_bulk_commands, True, ""),
            ("POST", r"/applications/{a}/commands", self.h_upsert_command, True, ""),
            ("GET", r"/applications/{a}/commands/{c}", self.h_get_command, True, ""),
            ("PATCH", r"/applications/{a}/commands/{c}", self.h_edit_command, True, ""),
            ("DELETE", r"/applications/{a}/commands/{c}", self.h_delete_command, True, ""),
            (
                "GET",
                r"/applications/{a}/guilds/{g}/commands/permissions",
                self.h_perms,
                True,
                "guild_id",
            ),
            (
                "GET",
                r"/applications/{a}/guilds/{g}/commands",
                self.h_list_commands,
                True,
                "guild_id",
            ),
            (
                "PUT",
                r"/applications/{a}/guilds/{g}/commands",
                self.h_bulk_commands,
                True,
                "guild_id",
            ),
            (
                "POST",
                r"/applications/{a}/guilds/{g}/commands",
                self.h_upsert_command,
                True,
                "guild_id",
            ),
            (
                "GET",
                r"/applications/{a}/guilds/{g}/commands/{c}",
                self.h_get_command,
                True,
                "guild_id",
            ),
            (
                "PATCH",
                r"/applications/{a}/guilds/{g}/commands/{c}",
                self.h_edit_command,
                True,
                "guild_id",
            ),
            (
                "DELETE",
                r"/applications/{a}/guilds/{g}/commands/{c}",
                self.h_delete_command,
                True,
                "guild_id",
            ),
            # interactions (no bot auth: the interaction token is the credential)
            ("POST", r"/interactions/{i}/{t}/callback", self.h_callback, False, "webhook"),
            ("GET", r"/webhooks/{a}/{t}/messages/@original", self.h_get_original, False, "webhook"),
            (
                "PATCH",
                r"/webhooks/{a}/{t}/messages/@original",
                self.h_edit_original,
                False,
                "webhook",
            ),
            (
                "DELETE",
                r"/webhooks/{a}/{t}/messages/@original",
                self.h_delete_original,
                False,
                "webhook",
            ),
            ("GET", r"/webhooks/{a}/{t}/messages/{m}", self.h_get_followup, False, "webhook"),
            ("PATCH", r"/webhooks/{a}/{t}/messages/{m}", self.h_edit_followup, False, "webhook"),
            ("DELETE", r"/webhooks/{a}/{t}/messages/{m}", self.h_delete_followup, False, "webhook"),
            ("POST", r"/webhooks/{a}/{t}", self.h_followup, False, "webhook"),
            # channels and messages
            ("GET", r"/channels/{ch}", self.h_get_channel, True, "channel_id"),
            ("POST", r"/channels/{ch}/typing", self.h_typing, True, "channel_id"),
            ("GET", r"/channels/{ch}/messages", self.h_list_messages, True, "channel_id"),
            ("POST", r"/channels/{ch}/messages", self.h_create_message, True, "channel_id"),
            ("GET", r"/channels/{ch}/messages/{m}", self.h_get_message, True, "channel_id"),
            ("PATCH", r"/channels/{ch}/messages/{m}", self.h_edit_message, True, "channel_id"),
            ("DELETE", r"/channels/{ch}/messages/{m}", self.h_delete_message, True, "channel_id"),
            # guilds
            ("GET", r"/guilds/{g}", self.h_get_guild, True, "guild_id"),
            ("GET", r"/guilds/{g}/channels", self.h_guild_channels, True, "guild_id"),
            ("GET", r"/guilds/{g}/roles", self.h_guild_roles, True, "guild_id"),
            ("GET", r"/guilds/{g}/members", self.h_guild_members, True, "guild_id"),
            ("GET", r"/guilds/{g}/members/{u}", self.h_guild_member, True, "guild_id"),
        ]
        subst = {
            "{a}": sf.format("app_id"),
            "{g}": sf.format("guild_id"),
            "{c}": sf.format("command_id"),
            "{i}": sf.format("interaction_id"),
            "{t}": tok,
            "{ch}": sf.format("channel_id"),
            "{m}": r"(?P<message_id>\d+)",
            "{u}": sf.format("user_id"),
        }
        keys = {
            "{a}": "{application_id}",
            "{g}": "{guild_id}",
            "{c}": "{command_id}",
            "{i}": "{interaction_id}",
            "{t}": "{token}",
            "{ch}": "{channel_id}",
            "{m}": "{message_id}",
            "{u}": "{user_id}",
        }
        routes = []
        for method, pattern, handler, auth, major in table:
            rx, key = pattern, pattern
            for short in sorted(subst, key=len, reverse=True):
                rx = rx.replace(short, subst[short])
                key = key.replace(short, keys[short])
            key = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", key)
            routes.append(
                (method, re.compile("^" + rx + "$"), handler, auth, f"{method} {key}", major)
            )
        return routes

    def _match(self, method: str, path: str):
        allowed = False
        for route_method, rx, handler, auth, key, major in self._routes:
            m = rx.match(path)
            if m is None:
                continue
            if route_method != method:
                allowed = True
                continue
            return handler, m.groupdict(), auth, key, major
        return ("405" if allowed else None), {}, False, "", ""

    @staticmethod
    def _json_response(
        status: int, body: Any, headers: dict[str, str] | None = None
    ) -> web.Response:
        hdrs = {"Content-Type": JSON_TYPE}
        hdrs.update(headers or {})
        return web.Response(status=status, body=json.dumps(body).encode(), headers=hdrs)

    async def _read_body(
        self, request: web.Request, record: RequestRecord
    ) -> tuple[Any, list[SentFile]]:
        ctype = request.headers.get("Content-Type", "")
        files: list[SentFile] = []
        if ctype.startswith("multipart/form-data"):
            form: dict[str, Any] = {"files": [], "fields": {}}
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                data = await part.read(decode=False)  # type: ignore[union-attr]
                name = part.name or ""  # type: ignore[union-attr]
                filename = part.filename  # type: ignore[union-attr]
                if name == "payload_json":
                    form["payload_json"] = json.loads(bytes(data).decode())
                elif filename is not None or name.startswith("files["):
                    sent = SentFile(
                        name,
                        filename or name,
                        bytes(data),
                        part.headers.get("Content-Type"),  # type: ignore[union-attr]
                    )
                    files.append(sent)
                    form["files"].append((name, sent.filename, sent.size))
                else:
                    form["fields"][name] = bytes(data).decode(errors="replace")
            record.form = form
            record.files = files
            return form.get("payload_json"), files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            record.json = json.loads(raw)
        except ValueError as exc:
            raise DiscordHTTPError(400, 50109, "The request body contains invalid JSON.") from exc
        return record.json, files

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        sent = self._attachments.get(int(request.match_info["aid"]))
        if sent is None:
            return web.Response(status=404, text="not found")
        return web.Response(
            body=sent.data, content_type=sent.content_type or "application/octet-stream"
        )

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method.upper()
        record = RequestRecord(
            method=method,
            path=path,
            query=dict(request.query),
            api_version=int(request.match_info["version"]),
        )
        with self._lock:
            self.requests.append(record)
        extra_headers: dict[str, str] = {}
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            handler, params, needs_auth, route_key, major_name = self._match(method, path)
            auth = request.headers.get("Authorization")
            record.authorized = auth == f"Bot {self.token}"
            if handler is None:
                raise DiscordHTTPError(404, 0, "404: Not Found")
            if handler == "405":
                raise DiscordHTTPError(405, 0, "405: Method Not Allowed")
            if needs_auth and not record.authorized:
                raise DiscordHTTPError(401, 0, "401: Unauthorized")
            json_body, files = await self._read_body(request, record)
            if handler == self.h_callback:
                with self._lock:
                    handle = self.interactions.get(int(params["interaction_id"]))
                    if handle is not None:
                        handle.callback_attempts += 1
            fault = self._take_fault(method, path)
            if fault is not None:
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                return self._finish(record, self._fault_response(fault, route_key))
            if self.rate_limits is not None:
                if major_name == "webhook":
                    major = f"{params.get('app_id') or params.get('interaction_id')}:{params.get('token')}"
                else:
                    major = str(params.get(major_name, "")) if major_name else ""
                exempt = major_name == "webhook"
                with self._lock:
                    rl_headers, retry, scope = self.rate_limits.check(route_key, major, exempt)
                if retry is not None:
                    return self._finish(
                        record, self._too_many(retry, scope == "global", rl_headers, path)
                    )
                extra_headers = rl_headers
            ctx = Ctx(request=request, record=record, json=json_body, files=files)
            resp = await handler(ctx, **params)
            if (
                self.answer_delay
                and method == self.answer_delay[0]
                and re.search(self.answer_delay[1], path)
            ):
                # Discord has done the work (e.g. stored the message) but the answer is slow to come:
                # a client that dies now never learns its request succeeded.
                await asyncio.sleep(self.answer_delay[2])
        except DiscordHTTPError as exc:
            resp = Resp(exc.status, exc.body())
            self._note_interaction_error(path, exc)
        except Exception as exc:  # a bug in the fake: answer 500 and log it loudly
            log.exception("FakeDiscord handler crashed on %s %s", method, path)
            resp = Resp(500, {"message": f"FakeDiscord bug: {exc!r}", "code": 0})
        resp.headers.update(extra_headers)
        if resp.body is None:
            response = web.Response(status=204, headers=resp.headers)
        else:
            response = self._json_response(resp.status, resp.body, resp.headers)
        return self._finish(record, response)

    def _finish(self, record: RequestRecord, response: web.Response) -> web.Response:
        with self._lock:
            record.status = response.status
            record.response_headers = dict(response.headers)
            self._cond.notify_all()
        return response

    def _note_interaction_error(self, path: str, exc: DiscordHTTPError) -> None:
        m = re.match(r"^/(?:interactions/\d+|webhooks/\d+)/([^/]+)", path)
        if m is None:
            return
        with self._lock:
            handle = self._by_token.get(m.group(1))
            if handle is not None:
                handle.errors.append({"path": path, "status": exc.status, **exc.body()})

    def _take_fault(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self.faults:
                if rule.matches(method, path):
                    rule.hits += 1
                    return rule
        return None

    def _too_many(
        self, retry_after: float, is_global: bool, headers: dict[str, str], path: str
    ) -> web.Response:
        hdrs = dict(headers)
        hdrs.setdefault("X-RateLimit-Limit", "5")
        hdrs["X-RateLimit-Remaining"] = "0"
        hdrs.setdefault("X-RateLimit-Reset", f"{time.time() + retry_after:.3f}")
        hdrs["X-RateLimit-Reset-After"] = f"{retry_after:.3f}"
        hdrs["Retry-After"] = str(max(1, math.ceil(retry_after)))
        hdrs["Via"] = "1.1 google"  # without it discord.py assumes a Cloudflare ban
        if is_global:
            hdrs["X-RateLimit-Global"] = "true"
            hdrs["X-RateLimit-Scope"] = "global"
        else:
            hdrs.setdefault("X-RateLimit-Scope", "user")
        body = {
            "message": "You are being rate limited.",
            "retry_after": round(retry_after, 3),
            "global": is_global,
        }
        if not is_global:
            body["code"] = 0
        with self._lock:
            self.rate_limited.append(
                {
                    "path": path,
                    "retry_after": retry_after,
                    "global": is_global,
                    "time": time.monotonic(),
                }
            )
        return self._json_response(429, body, hdrs)

    def _fault_response(self, rule: FaultRule, route_key: str) -> web.Response:
        if rule.status == 429:
            headers: dict[str, str] = {}
            if self.rate_limits is not None:
                headers["X-RateLimit-Bucket"] = RateLimitModel.bucket_hash(route_key)
            return self._too_many(rule.retry_after, rule.is_global, headers, rule.pattern.pattern)
        if rule.body is not None:
            return self._json_response(rule.status, rule.body)
        defaults = {
            400: (50035, "Invalid Form Body"),
            401: (0, "401: Unauthorized"),
            403: (50013, "Missing Permissions"),
            404: (10003, "Unknown Channel"),
            500: (0, "500: Internal Server Error"),
            502: (0, "502: Bad Gateway"),
            503: (0, "503: Service Unavailable"),
        }
        code, message = defaults.get(rule.status, (0, f"{rule.status}: Error"))
        return self._json_response(
            rule.status,
            {
                "message": rule.message or message,
                "code": rule.code if rule.code is not None else code,
            },
        )

    # ================================================================= REST handlers: users/app
    async def h_me(self, ctx: Ctx) -> Resp:
        return Resp(200, dict(self.bot_user, email=None))

    async def h_user(self, ctx: Ctx, user_id: str) -> Resp:
        with self._lock:
            user = self._users.get(int(user_id))
        if user is None:
            raise DiscordHTTPError(404, 10013, "Unknown User")
        return Resp(200, user)

    async def h_create_dm(self, ctx: Ctx) -> Resp:
        rid = (ctx.json or {}).get("recipient_id")
        if rid is None:
            raise _invalid_form(
                {"recipient_id": _err("BASE_TYPE_REQUIRED", "This field is required")}
            )
        with self._lock:
            return Resp(200, self._dm_channel(self._resolve_user(int(rid))))

    def application_info(self) -> dict[str, Any]:
        owner = self.owner_user
        team = None
        if self.team_member_ids:
            team_id = str(fx.snowflake())
            owner = {
                "id": team_id,
                "username": f"team{team_id}",
                "discriminator": "0000",
                "avatar": None,
                "flags": 1024,
                "global_name": None,
            }
            team = {
                "id": team_id,
                "name": "Strikewatch team",
                "icon": None,
                "owner_user_id": str(self.team_member_ids[0]),
                "members": [
                    {
                        "membership_state": 2,
                        "team_id": team_id,
                        "permissions": ["*"],
                        "role": "admin",
                        "user": self._resolve_user(uid),
                    }
                    for uid in self.team_member_ids
                ],
            }
        return {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "owner": owner,
            "team": team,
            "bot": self.bot_user,
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "rpc_origins": [],
            "tags": [],
            "approximate_guild_count": len(self._guilds),
            "install_params": {
                "scopes": ["bot", "applications.commands"],
                "permissions": str(fx.BOT_ROLE_PERMISSIONS),
            },
            "integration_types_config": {"0": {}},
        }

    async def h_application(self, ctx: Ctx) -> Resp:
        with self._lock:
            return Resp(200, self.application_info())

    async def h_gateway(self, ctx: Ctx) -> Resp:
        return Resp(200, {"url": self.gateway_url})

    async def h_gateway_bot(self, ctx: Ctx) -> Resp:
        return Resp(
            200,
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            },
        )

    # ================================================================= REST handlers: commands
    def _command_table(
        self, app_id: str, guild_id: str | None
    ) -> dict[tuple[str, int], dict[str, Any]]:
        if int(app_id) != self.application_id:
            raise DiscordHTTPError(403, 50001, "Missing Access")
        if guild_id is None:
            return self.commands_global
        if int(guild_id) not in self._guilds:
            raise DiscordHTTPError(403, 50001, "Missing Access")
        return self.commands_guild[int(guild_id)]

    def _command_obj(
        self, spec: dict[str, Any], guild_id: str | None, existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        ctype = int(spec.get("type", 1))
        obj = {
            "id": existing["id"] if existing else str(fx.snowflake()),
            "application_id": str(self.application_id),
            "version": str(fx.snowflake()),
            "default_member_permissions": spec.get("default_member_permissions"),
            "type": ctype,
            "name": spec["name"],
            "name_localizations": spec.get("name_localizations"),
            "description": spec.get("description", ""),
            "description_localizations": spec.get("description_localizations"),
            "options": copy.deepcopy(spec.get("options") or []),
            "nsfw": bool(spec.get("nsfw", False)),
            "contexts": spec.get("contexts"),
            "integration_types": spec.get("integration_types") or [0],
        }
        if guild_id is not None:
            obj["guild_id"] = str(guild_id)
        else:
            obj["dm_permission"] = spec.get("dm_permission", True)
        return obj

    def _validate_commands(self, specs: Any) -> None:
        if not isinstance(specs, list):
            raise _invalid_form(
                {"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]}
            )
        errors: dict[str, Any] = {}
        seen: set[tuple[str, int]] = set()
        for index, spec in enumerate(specs):
            problem = self._command_problems(spec)
            key = (spec.get("name", ""), int(spec.get("type", 1)))
            if key in seen:
                problem.setdefault(
                    "name",
                    _err(
                        "APPLICATION_COMMANDS_DUPLICATE_NAME",
                        f"Application command names must be unique: {key[0]}",
                    ),
                )
            seen.add(key)
            if problem:
                errors[str(index)] = problem
        chat = sum(1 for s in specs if int(s.get("type", 1)) == 1)
        if chat > 100:
            errors["_errors"] = [
                {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 100 or fewer in length."}
            ]
        if errors:
            raise _invalid_form(errors)

    def _command_problems(self, spec: dict[str, Any]) -> dict[str, Any]:
        problems: dict[str, Any] = {}
        ctype = int(spec.get("type", 1))
        name = spec.get("name") or ""
        if ctype == 1:
            if not COMMAND_NAME_RE.match(name) or name != name.lower():
                problems["name"] = _err(
                    "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
                )
            desc = spec.get("description") or ""
            if not 1 <= len(desc) <= 100:
                problems["description"] = _err(
                    "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
                )
            opt_errors = self._option_problems(spec.get("options") or [])
            if opt_errors:
                problems["options"] = opt_errors
        elif not 1 <= len(name) <= 32:
            problems["name"] = _err("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
        return problems

    def _option_problems(self, options: list[dict[str, Any]]) -> dict[str, Any]:
        problems: dict[str, Any] = {}
        if len(options) > 25:
            problems["_errors"] = [
                {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 25 or fewer in length."}
            ]
        optional_seen = False
        names: set[str] = set()
        for index, opt in enumerate(options):
            p: dict[str, Any] = {}
            name = opt.get("name") or ""
            if not COMMAND_NAME_RE.match(name) or name != name.lower():
                p["name"] = _err("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            if name in names:
                p["name"] = _err(
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique"
                )
            names.add(name)
            if not 1 <= len(opt.get("description") or "") <= 100:
                p["description"] = _err(
                    "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
                )
            if opt.get("type") in (1, 2):
                sub = self._option_problems(opt.get("options") or [])
                if sub:
                    p["options"] = sub
            else:
                if opt.get("required"):
                    if optional_seen:
                        p["required"] = _err(
                            "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                            "Required options must be placed before non-required options",
                        )
                else:
                    optional_seen = True
                choices = opt.get("choices") or []
                if len(choices) > 25:
                    p["choices"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
                if choices and opt.get("autocomplete"):
                    p["autocomplete"] = _err(
                        "APPLICATION_COMMAND_OPTION_CHOICES_AND_AUTOCOMPLETE",
                        "Autocomplete and choices are mutually exclusive",
                    )
            if p:
                problems[str(index)] = p
        return problems

    async def h_list_commands(self, ctx: Ctx, app_id: str, guild_id: str | None = None) -> Resp:
        with self._lock:
            return Resp(200, copy.deepcopy(list(self._command_table(app_id, guild_id).values())))

    async def h_bulk_commands(self, ctx: Ctx, app_id: str, guild_id: str | None = None) -> Resp:
        specs = ctx.payload
        with self._lock:
            table = self._command_table(app_id, guild_id)
            self._validate_commands(specs)
            new: dict[tuple[str, int], dict[str, Any]] = {}
            for spec in specs:
                key = (spec["name"], int(spec.get("type", 1)))
                new[key] = self._command_obj(spec, guild_id, table.get(key))
            table.clear()
            table.update(new)
            entry = {
                "scope": "global" if guild_id is None else "guild",
                "guild_id": None if guild_id is None else int(guild_id),
                "payload": copy.deepcopy(specs),
                "time": time.monotonic(),
            }
            self.sync_log.append(entry)
            if guild_id is None:
                self.synced_global = copy.deepcopy(specs)
                self.global_sync_count += 1
            else:
                self.synced_guild[int(guild_id)] = copy.deepcopy(specs)
                self.guild_sync_counts[int(guild_id)] += 1
            return Resp(200, copy.deepcopy(list(new.values())))

    async def h_upsert_command(self, ctx: Ctx, app_id: str, guild_id: str | None = None) -> Resp:
        spec = ctx.payload or {}
        with self._lock:
            table = self._command_table(app_id, guild_id)
            problems = self._command_problems(spec)
            if problems:
                raise _invalid_form(problems)
            key = (spec["name"], int(spec.get("type", 1)))
            existing = table.get(key)
            table[key] = self._command_obj(spec, guild_id, existing)
            return Resp(200 if existing else 201, copy.deepcopy(table[key]))

    def _command_by_id(self, table: dict[tuple[str, int], dict[str, Any]], command_id: str):
        for key, cmd in table.items():
            if cmd["id"] == command_id:
                return key, cmd
        raise DiscordHTTPError(404, 10063, "Unknown application command")

    async def h_get_command(
        self, ctx: Ctx, app_id: str, command_id: str, guild_id: str | None = None
    ) -> Resp:
        with self._lock:
            _, cmd = self._command_by_id(self._command_table(app_id, guild_id), command_id)
            return Resp(200, copy.deepcopy(cmd))

    async def h_edit_command(
        self, ctx: Ctx, app_id: str, command_id: str, guild_id: str | None = None
    ) -> Resp:
        with self._lock:
            table = self._command_table(app_id, guild_id)
            key, cmd = self._command_by_id(table, command_id)
            spec = dict(cmd)
            spec.update(ctx.payload or {})
            table.pop(key)
            new = self._command_obj(spec, guild_id, cmd)
            table[(new["name"], new["type"])] = new
            return Resp(200, copy.deepcopy(new))

    async def h_delete_command(
        self, ctx: Ctx, app_id: str, command_id: str, guild_id: str | None = None
    ) -> Resp:
        with self._lock:
            table = self._command_table(app_id, guild_id)
            key, _ = self._command_by_id(table, command_id)
            table.pop(key)
        return Resp(204)

    async def h_perms(self, ctx: Ctx, app_id: str, guild_id: str) -> Resp:
        with self._lock:
            self._command_table(app_id, guild_id)
        return Resp(200, [])

    # ================================================================= messages (shared)
    def _attachment_obj(
        self,
        channel_id: int,
        aid: int,
        sent: SentFile,
        *,
        ephemeral: bool = False,
        description: str | None = None,
    ) -> dict[str, Any]:
        url = f"{self.http_base}/attachments/{channel_id}/{aid}/{sent.filename}"
        obj: dict[str, Any] = {
            "id": str(aid),
            "filename": sent.filename,
            "size": sent.size,
            "url": url,
            "proxy_url": url,
            "content_type": sent.content_type
            if sent.content_type and sent.content_type != "application/octet-stream"
            else (mimetypes.guess_type(sent.filename)[0] or "application/octet-stream"),
        }
        if description:
            obj["description"] = description
        if ephemeral:
            obj["ephemeral"] = True
        return obj

    def _new_attachments(
        self, channel_id: int, payload: dict[str, Any], files: list[SentFile], ephemeral: bool
    ) -> list[dict[str, Any]]:
        meta = {}
        for att in payload.get("attachments") or []:
            try:
                meta[int(att.get("id"))] = att
            except (TypeError, ValueError):
                continue
        out = []
        for index, sent in enumerate(files):
            aid = fx.snowflake()
            self._attachments[aid] = sent
            description = (meta.get(index) or {}).get("description")
            out.append(
                self._attachment_obj(
                    channel_id, aid, sent, ephemeral=ephemeral, description=description
                )
            )
        return out

    def _validate_message(
        self, payload: dict[str, Any], files: list[SentFile], *, partial: bool = False
    ) -> None:
        errors: dict[str, Any] = {}
        content = payload.get("content")
        if content is not None and len(str(content)) > 2000:
            errors["content"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        embeds = payload.get("embeds") or []
        if len(embeds) > 10:
            errors["embeds"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        total = 0
        embed_errors: dict[str, Any] = {}
        for index, embed in enumerate(embeds):
            e: dict[str, Any] = {}
            limits = {"title": 256, "description": 4096}
            for key, limit in limits.items():
                value = embed.get(key) or ""
                total += len(value)
                if len(value) > limit:
                    e[key] = _err("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
            fields = embed.get("fields") or []
            if len(fields) > 25:
                e["fields"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            for findex, fld in enumerate(fields):
                name, value = str(fld.get("name") or ""), str(fld.get("value") or "")
                total += len(name) + len(value)
                fe = {}
                if not 1 <= len(name) <= 256:
                    fe["name"] = _err(
                        "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 256 in length."
                    )
                if not 1 <= len(value) <= 1024:
                    fe["value"] = _err(
                        "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1024 in length."
                    )
                if fe:
                    e.setdefault("fields", {})[str(findex)] = fe
            footer = (embed.get("footer") or {}).get("text") or ""
            author = (embed.get("author") or {}).get("name") or ""
            total += len(footer) + len(author)
            if len(footer) > 2048:
                e["footer"] = {
                    "text": _err("BASE_TYPE_MAX_LENGTH", "Must be 2048 or fewer in length.")
                }
            if len(author) > 256:
                e["author"] = {
                    "name": _err("BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length.")
                }
            if e:
                embed_errors[str(index)] = e
        if embed_errors:
            errors["embeds"] = embed_errors
        elif total > 6000:
            errors["embeds"] = _err(
                "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
            )
        if errors:
            raise _invalid_form(errors)
        if sum(f.size for f in files) > self.attachment_size_limit:
            raise DiscordHTTPError(413, 40005, "Request entity too large")
        if not partial and not (
            content
            or embeds
            or files
            or payload.get("components")
            or payload.get("sticker_ids")
            or payload.get("poll")
        ):
            raise DiscordHTTPError(400, 50006, "Cannot send an empty message")

    def _message_obj(
        self,
        channel_id: int,
        payload: dict[str, Any],
        files: list[SentFile],
        *,
        msg_type: int = 0,
        flags: int = 0,
        webhook: bool = False,
        guild_id: int | None = None,
    ) -> dict[str, Any]:
        mid = fx.snowflake()
        ephemeral = bool(flags & EPHEMERAL)
        embeds = []
        for embed in payload.get("embeds") or []:
            e = dict(embed)
            e.setdefault("type", "rich")
            embeds.append(e)
        message: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "author": self.bot_user,
            "content": payload.get("content") or "",
            "timestamp": fx.iso_now(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._new_attachments(channel_id, payload, files, ephemeral),
            "embeds": embeds,
            "pinned": False,
            "type": msg_type,
            "flags": flags,
            "components": copy.deepcopy(payload.get("components") or []),
        }
        if payload.get("nonce") is not None:
            message["nonce"] = payload["nonce"]
        if payload.get("message_reference"):
            message["message_reference"] = payload["message_reference"]
            message["type"] = 19
        if webhook:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
        if guild_id is not None:
            message["guild_id"] = str(guild_id)
        self._message_index[mid] = message
        return message

    def _apply_edit(
        self, message: dict[str, Any], payload: dict[str, Any], files: list[SentFile]
    ) -> None:
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in payload:
                value = payload[key]
                if key == "content":
                    value = value or ""
                if key == "embeds":
                    value = [dict({"type": "rich"}, **e) for e in value or []]
                message[key] = copy.deepcopy(value) if value is not None else []
        if "flags" in payload and payload["flags"] is not None:
            message["flags"] = (message.get("flags", 0) & EPHEMERAL) | int(payload["flags"])
        ephemeral = bool(message.get("flags", 0) & EPHEMERAL)
        cid = int(message["channel_id"])
        if "attachments" in payload:
            keep_ids = set()
            for att in payload.get("attachments") or []:
                try:
                    if int(att.get("id")) > 1 << 22:
                        keep_ids.add(str(att["id"]))
                except (TypeError, ValueError):
                    continue
            kept = [a for a in message["attachments"] if a["id"] in keep_ids]
            message["attachments"] = kept + self._new_attachments(cid, payload, files, ephemeral)
        elif files:
            message["attachments"] = message["attachments"] + self._new_attachments(
                cid, payload, files, ephemeral
            )
        message["edited_timestamp"] = fx.iso_now()

    # ================================================================= REST: interactions
    def _handle_for(
        self, token: str, app_id: str | None = None, interaction_id: str | None = None
    ) -> InteractionHandle:
        if app_id is not None and int(app_id) != self.application_id:
            raise DiscordHTTPError(404, 10015, "Unknown Webhook")
        with self._lock:
            handle = self._by_token.get(token)
        if handle is None or (interaction_id is not None and handle.id != int(interaction_id)):
            if interaction_id is not None:
                raise DiscordHTTPError(404, 10062, "Unknown interaction")
            raise DiscordHTTPError(404, 10015, "Unknown Webhook")
        return handle

    async def h_callback(self, ctx: Ctx, interaction_id: str, token: str) -> Resp:
        handle = self._handle_for(token, interaction_id=interaction_id)
        body = ctx.payload or {}
        now = time.monotonic()
        if self.interaction_timeout is not None and now - handle.created > self.interaction_timeout:
            raise DiscordHTTPError(404, 10062, "Unknown interaction")
        ctype = body.get("type")
        data = body.get("data") or {}
        allowed = {2: (4, 5, 9), 3: (4, 5, 6, 7, 9), 4: (8,), 5: (4, 5, 6, 7)}.get(handle.type, ())
        if ctype not in allowed:
            raise _invalid_form(
                {"type": _err("BASE_TYPE_CHOICES", f"Value must be one of {allowed}.")}
            )
        with self._lock:
            if handle.callback is not None:
                raise DiscordHTTPError(400, 40060, "Interaction has already been acknowledged.")
        flags = int(data.get("flags") or 0)
        ephemeral = bool(flags & EPHEMERAL)
        if ctype == 4:
            self._validate_message(data, ctx.files)
        if ctype == 8:
            self._validate_choices(data.get("choices"))
        message = None
        channel_id = int(handle.payload["channel_id"])
        gid = handle.payload.get("guild_id")
        with self._lock:
            if ctype == 4:
                message = self._message_obj(
                    channel_id,
                    data,
                    ctx.files,
                    msg_type=20,
                    flags=flags & EPHEMERAL,
                    webhook=True,
                    guild_id=gid and int(gid),
                )
            elif ctype == 5:
                message = self._message_obj(
                    channel_id,
                    {"content": ""},
                    [],
                    msg_type=20,
                    flags=(flags & EPHEMERAL) | (1 << 7),
                    webhook=True,
                    guild_id=gid and int(gid),
                )
                handle.deferred_ephemeral = ephemeral
            handle.callback = {"type": ctype, "data": copy.deepcopy(data)}
            handle.callback_time = now
            handle.callback_count += 1
            if message is not None:
                handle.original = message
            handle.replies.append(
                Reply(
                    "callback",
                    copy.deepcopy(body),
                    list(ctx.files),
                    ephemeral,
                    copy.deepcopy(message),
                )
            )
            self._cond.notify_all()
        if ctx.query.get("with_response", "").lower() not in ("1", "true"):
            return Resp(204)
        result: dict[str, Any] = {
            "interaction": {
                "id": str(handle.id),
                "type": handle.type,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": ctype == 5,
                "response_message_ephemeral": ephemeral,
            }
        }
        if message is not None:
            result["resource"] = {"type": ctype, "message": copy.deepcopy(message)}
        elif ctype in (6, 7, 9):
            result["resource"] = {"type": ctype}
        return Resp(200, result)

    @staticmethod
    def _validate_choices(choices: Any) -> None:
        choices = choices or []
        errors: dict[str, Any] = {}
        if len(choices) > 25:
            errors["_errors"] = [
                {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 25 or fewer in length."}
            ]
        for index, choice in enumerate(choices):
            e = {}
            if not 1 <= len(str(choice.get("name", ""))) <= 100:
                e["name"] = _err("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            value = choice.get("value")
            if isinstance(value, str) and len(value) > 100:
                e["value"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
            if e:
                errors[str(index)] = e
        if errors:
            raise _invalid_form({"data": {"choices": errors}})

    async def h_get_original(self, ctx: Ctx, app_id: str, token: str) -> Resp:
        handle = self._handle_for(token, app_id)
        with self._lock:
            if handle.original is None or handle.original_deleted:
                raise DiscordHTTPError(404, 10008, "Unknown Message")
            return Resp(200, copy.deepcopy(handle.original))

    async def h_edit_original(self, ctx: Ctx, app_id: str, token: str) -> Resp:
        handle = self._handle_for(token, app_id)
        body = ctx.payload or {}
        with self._lock:
            if handle.original is None or handle.original_deleted:
                raise DiscordHTTPError(404, 10008, "Unknown Message")
        self._validate_message(body, ctx.files, partial=True)
        with self._lock:
            message = handle.original
            assert message is not None
            self._apply_edit(message, body, ctx.files)
            message["flags"] = message.get("flags", 0) & ~(1 << 7)  # no longer "thinking"
            ephemeral = bool(message.get("flags", 0) & EPHEMERAL)
            reply = Reply(
                "edit", copy.deepcopy(body), list(ctx.files), ephemeral, copy.deepcopy(message)
            )
            handle.edits.append(reply)
            handle.replies.append(reply)
            self._cond.notify_all()
            return Resp(200, copy.deepcopy(message))

    async def h_delete_original(self, ctx: Ctx, app_id: str, token: str) -> Resp:
        handle = self._handle_for(token, app_id)
        with self._lock:
            if handle.original is None or handle.original_deleted:
                raise DiscordHTTPError(404, 10008, "Unknown Message")
            handle.original_deleted = True
            self._cond.notify_all()
        return Resp(204)

    async def h_followup(self, ctx: Ctx, app_id: str, token: str) -> Resp:
        handle = self._handle_for(token, app_id)
        body = ctx.payload or {}
        with self._lock:
            if handle.callback is None:
                raise DiscordHTTPError(404, 10015, "Unknown Webhook")
        self._validate_message(body, ctx.files)
        with self._lock:
            flags = int(body.get("flags") or 0)
            consumes_defer = (
                handle.callback_type == 5
                and not handle.edits
                and not handle.followups
                and handle.original is not None
            )
            if consumes_defer:
                # the first followup after a defer replaces the "thinking" message and keeps
                # the defer's visibility, whatever flags it sends
                ephemeral = handle.deferred_ephemeral
            else:
                ephemeral = bool(flags & EPHEMERAL)
            message = self._message_obj(
                int(handle.payload["channel_id"]),
                body,
                ctx.files,
                msg_type=20 if consumes_defer else 0,
                flags=(flags & ~EPHEMERAL) | (EPHEMERAL if ephemeral else 0),
                webhook=True,
            )
            if consumes_defer:
                handle.original = message
            reply = Reply(
                "followup", copy.deepcopy(body), list(ctx.files), ephemeral, copy.deepcopy(message)
            )
            handle.followups.append(reply)
            handle.replies.append(reply)
            self._cond.notify_all()
        if ctx.query.get("wait", "").lower() in ("1", "true"):
            return Resp(200, copy.deepcopy(message))
        return Resp(204)

    def _followup_message(self, handle: InteractionHandle, message_id: str) -> dict[str, Any]:
        for reply in handle.followups:
            if reply.message and reply.message["id"] == message_id:
                return self._message_index[int(message_id)]
        if handle.original is not None and handle.original["id"] == message_id:
            return handle.original
        raise DiscordHTTPError(404, 10008, "Unknown Message")

    async def h_get_followup(self, ctx: Ctx, app_id: str, token: str, message_id: str) -> Resp:
        handle = self._handle_for(token, app_id)
        with self._lock:
            return Resp(200, copy.deepcopy(self._followup_message(handle, message_id)))

    async def h_edit_followup(self, ctx: Ctx, app_id: str, token: str, message_id: str) -> Resp:
        handle = self._handle_for(token, app_id)
        body = ctx.payload or {}
        self._validate_message(body, ctx.files, partial=True)
        with self._lock:
            message = self._followup_message(handle, message_id)
            self._apply_edit(message, body, ctx.files)
            reply = Reply(
                "edit",
                copy.deepcopy(body),
                list(ctx.files),
                bool(message.get("flags", 0) & EPHEMERAL),
                copy.deepcopy(message),
            )
            handle.edits.append(reply)
            handle.replies.append(reply)
            self._cond.notify_all()
            return Resp(200, copy.deepcopy(message))

    async def h_delete_followup(self, ctx: Ctx, app_id: str, token: str, message_id: str) -> Resp:
        handle = self._handle_for(token, app_id)
        with self._lock:
            self._followup_message(handle, message_id)
            self._message_index.pop(int(message_id), None)
        return Resp(204)

    # ================================================================= REST: channels
    def _live_channel(self, channel_id: str) -> tuple[int | None, dict[str, Any]]:
        cid = int(channel_id)
        found = self._channels.get(cid)
        if found is None or cid in self.deleted_channels:
            raise DiscordHTTPError(404, 10003, "Unknown Channel")
        return found

    def _check_bot_can(self, gid: int | None, channel: dict[str, Any], needed: int) -> None:
        if gid is None:
            recipient = int(channel["recipients"][0]["id"])
            if recipient in self._blocked_dm_users:
                raise DiscordHTTPError(403, 50007, "Cannot send messages to this user")
            return
        perms = self._bot_permissions(self._guilds[gid], channel)
        if not perms & fx.VIEW_CHANNEL:
            raise DiscordHTTPError(403, 50001, "Missing Access")
        if needed & ~perms:
            raise DiscordHTTPError(403, 50013, "Missing Permissions")

    async def h_get_channel(self, ctx: Ctx, channel_id: str) -> Resp:
        with self._lock:
            gid, channel = self._live_channel(channel_id)
            if gid is not None:
                self._check_bot_can(gid, channel, fx.VIEW_CHANNEL)
            return Resp(200, self._channel_obj(int(channel_id)))

    async def h_typing(self, ctx: Ctx, channel_id: str) -> Resp:
        with self._lock:
            gid, channel = self._live_channel(channel_id)
            self._check_bot_can(gid, channel, fx.SEND_MESSAGES)
        return Resp(204)

    async def h_create_message(self, ctx: Ctx, channel_id: str) -> Resp:
        body = ctx.payload or {}
        with self._lock:
            gid, channel = self._live_channel(channel_id)
            needed = fx.SEND_MESSAGES | (fx.ATTACH_FILES if ctx.files else 0)
            self._check_bot_can(gid, channel, needed)
        self._validate_message(body, ctx.files)
        with self._lock:
            cid = int(channel_id)
            if body.get("enforce_nonce") and body.get("nonce") is not None:
                # Discord: the same nonce from the same author returns the earlier message, not a new one.
                for earlier in self.messages[cid]:
                    if earlier.message.get("nonce") == str(body["nonce"]):
                        self.nonce_hits += 1
                        return Resp(200, copy.deepcopy(earlier.message))
            message = self._message_obj(cid, body, ctx.files)
            if gid is not None and body.get("embeds"):
                perms = self._bot_permissions(self._guilds[gid], channel)
                if not perms & fx.EMBED_LINKS:
                    message["embeds"] = []  # Discord drops embeds without Embed Links
            channel["last_message_id"] = message["id"]
            record = MessageRecord(
                id=int(message["id"]),
                channel_id=cid,
                guild_id=gid,
                payload=copy.deepcopy(body),
                files=list(ctx.files),
                message=copy.deepcopy(message),
            )
            self.messages[cid].append(record)
            self._cond.notify_all()
            session = self.gateway.current
        if self.echo_messages and session is not None:
            wanted = GUILD_MESSAGES_INTENT if gid is not None else DIRECT_MESSAGES_INTENT
            if session.intents & wanted:
                event = copy.deepcopy(message)
                if gid is not None:
                    event["guild_id"] = str(gid)
                    member = copy.deepcopy(self._bot_member(self._guilds[gid]))
                    member.pop("user", None)
                    event["member"] = member
                task = asyncio.get_running_loop().create_task(
                    self.gateway.dispatch("MESSAGE_CREATE", event, session)
                )
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        return Resp(200, copy.deepcopy(message))

    async def h_list_messages(self, ctx: Ctx, channel_id: str) -> Resp:
        with self._lock:
            self._live_channel(channel_id)
            limit = int(ctx.query.get("limit", 50))
            msgs = [
                self._message_index[r.id]
                for r in self.messages.get(int(channel_id), [])
                if r.id in self._message_index
            ]
            return Resp(200, copy.deepcopy(list(reversed(msgs))[:limit]))

    def _channel_message(self, channel_id: str, message_id: str) -> dict[str, Any]:
        self._live_channel(channel_id)
        message = self._message_index.get(int(message_id))
        if message is None or message["channel_id"] != str(channel_id):
            raise DiscordHTTPError(404, 10008, "Unknown Message")
        return message

    async def h_get_message(self, ctx: Ctx, channel_id: str, message_id: str) -> Resp:
        with self._lock:
            return Resp(200, copy.deepcopy(self._channel_message(channel_id, message_id)))

    async def h_edit_message(self, ctx: Ctx, channel_id: str, message_id: str) -> Resp:
        body = ctx.payload or {}
        self._validate_message(body, ctx.files, partial=True)
        with self._lock:
            message = self._channel_message(channel_id, message_id)
            self._apply_edit(message, body, ctx.files)
            self._cond.notify_all()
            return Resp(200, copy.deepcopy(message))

    async def h_delete_message(self, ctx: Ctx, channel_id: str, message_id: str) -> Resp:
        with self._lock:
            self._channel_message(channel_id, message_id)
            self._message_index.pop(int(message_id), None)
        return Resp(204)

    # ================================================================= REST: guilds
    def _known_guild(self, guild_id: str) -> dict[str, Any]:
        guild = self._guilds.get(int(guild_id))
        if guild is None:
            raise DiscordHTTPError(404, 10004, "Unknown Guild")
        return guild

    async def h_get_guild(self, ctx: Ctx, guild_id: str) -> Resp:
        with self._lock:
            guild = self._known_guild(guild_id)
            obj = self._guild_obj(guild)
            if ctx.query.get("with_counts", "").lower() in ("1", "true"):
                obj["approximate_member_count"] = len(guild["members"])
                obj["approximate_presence_count"] = 0
            return Resp(200, obj)

    async def h_guild_channels(self, ctx: Ctx, guild_id: str) -> Resp:
        with self._lock:
            guild = self._known_guild(guild_id)
            return Resp(200, [self._channel_obj(int(c["id"])) for c in guild["channels"]])

    async def h_guild_roles(self, ctx: Ctx, guild_id: str) -> Resp:
        with self._lock:
            return Resp(200, copy.deepcopy(self._known_guild(guild_id)["roles"]))

    async def h_guild_members(self, ctx: Ctx, guild_id: str) -> Resp:
        with self._lock:
            members = self._known_guild(guild_id)["members"]
            limit = int(ctx.query.get("limit", 1))
            return Resp(200, copy.deepcopy(members[:limit]))

    async def h_guild_member(self, ctx: Ctx, guild_id: str, user_id: str) -> Resp:
        with self._lock:
            for member in self._known_guild(guild_id)["members"]:
                if member["user"]["id"] == user_id:
                    return Resp(200, copy.deepcopy(member))
        raise DiscordHTTPError(404, 10007, "Unknown Member")
