"""``FakeDiscord``: assembles state, REST routes, gateway and control API into one server."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from .control import (
    FaultControl,
    GatewayControl,
    GuildControl,
    InteractionControl,
    Opt,
    OptionType,
    RecordingsControl,
)
from .errors import DiscordHTTPError
from .gateway import Gateway
from .limits import FaultRule, RateLimitModel
from .rest import RestApi
from .routes import build_router
from .state import Address, FakeState, Identity

# FaultRule, Opt, ... live elsewhere now; kept importable from here, where they used to be
__all__ = [
    "DiscordHTTPError",
    "FakeDiscord",
    "FaultRule",
    "MiB",
    "Opt",
    "OptionType",
    "RateLimitModel",
]

MiB = 1024 * 1024


def build_app(rest: RestApi, gateway: Gateway) -> web.Application:
    app = web.Application(client_max_size=64 * MiB)
    app.router.add_route("*", r"/api/v{version:\d+}/{tail:.*}", rest.handle)
    app.router.add_get("/gateway", gateway.handle)
    app.router.add_get("/gateway/resume", gateway.handle)
    app.router.add_get("/", gateway.handle)
    app.router.add_get("/attachments/{cid}/{aid}/{filename}", rest.attachment)
    return app


class FakeDiscord:
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
    in-process bot, use the ``a*``/``await_*`` variants (``ainvoke``, ``await_for``, ...) so the
    bot keeps running while you wait.

    Sharding: a session that identified with ``shard: [id, count]`` gets READY, GUILD_CREATE and
    every later event of a guild (interactions included) only for the guilds on its shard,
    ``(guild_id >> 22) % count == id``; an unsharded session gets every guild. Several bot
    processes, one per shard, can share one fake (``guild_id_on_shard`` makes guild ids for a
    shard; ``recommended_shards`` is the ``shards`` of ``GET /gateway/bot``).

    Most public names are answered by a part (see ``_FORWARDED`` below the class): knobs and
    recordings by the shared ``FakeState`` (``state/``), methods by the objects in ``control/``.
    REST handlers live in ``routes/``, the request pipeline in ``rest``, the websocket in
    ``gateway/``; ``fixtures`` builds payloads and ``records`` holds what the fake saw.
    """

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
        recommended_shards: int = 1,
        host: str = "127.0.0.1",
    ) -> None:
        identity = Identity.create(
            token=token,
            application_id=application_id,
            bot_name=bot_name,
            owner=owner,
            team_member_ids=team_member_ids,
            default_user=default_user,
        )
        self._state = state = FakeState(
            identity,
            Address(host),
            guilds,
            rate_limits=(
                RateLimitModel(global_rate_limit, channel_message_limit) if rate_limits else None
            ),
            latency=latency,
            heartbeat_interval_ms=heartbeat_interval_ms,
            allowed_intents=(1 << 30) - 1 if allowed_intents is None else allowed_intents,
            interaction_timeout=interaction_timeout,
            attachment_size_limit=attachment_size_limit,
            strict_commands=strict_commands,
            echo_messages=echo_messages,
            connect_timeout=connect_timeout,
            recommended_shards=recommended_shards,
        )
        self._bridge = state.bridge
        self.gateway = Gateway(state)
        self._rest = RestApi(state, build_router(state, self.gateway))
        self._runner: web.AppRunner | None = None
        self._sessions = GatewayControl(state, self.gateway)
        self._guilds = GuildControl(state, self._sessions)
        self._interactions = InteractionControl(state, self.gateway, self._sessions)
        self._recordings = RecordingsControl(state)
        self._faults = FaultControl(state)

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FakeDiscord:
        if self._bridge.thread is not None:
            return self
        self._bridge.start(self._startup, self._shutdown)
        if self.port is None:
            raise RuntimeError("FakeDiscord did not start within 10 s")
        return self

    def stop(self) -> None:
        self._bridge.stop()

    def __enter__(self) -> FakeDiscord:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _startup(self) -> None:
        app = build_app(self._rest, self.gateway)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self._state.address.port = int(self._runner.addresses[0][1])

    async def _shutdown(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- whole-fake helpers ------------------------------------------------------------------
    def env(self, **extra: Any) -> dict[str, str]:
        """Environment for a bot process pointed at this fake."""
        env = {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def wait_for(self, predicate: Callable[[FakeDiscord], bool], timeout: float = 5.0) -> None:
        """Block until ``predicate(fake)`` is true (evaluated under the fake's lock)."""
        self._bridge.wait(lambda: predicate(self), timeout)

    async def await_for(
        self,
        predicate: Callable[[FakeDiscord], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        await self._bridge.wait_async(lambda: predicate(self), timeout)


class _Forward:
    """A ``FakeDiscord`` attribute read from (and written to) the same name on one of its parts."""

    def __init__(self, path: str, name: str) -> None:
        self.path = path.split(".")
        self.name = name

    def _part(self, fake: FakeDiscord) -> Any:
        part: Any = fake
        for attr in self.path:
            part = getattr(part, attr)
        return part

    def __get__(self, fake: FakeDiscord | None, owner: type | None = None) -> Any:
        if fake is None:
            return self
        return getattr(self._part(fake), self.name)

    def __set__(self, fake: FakeDiscord, value: Any) -> None:
        setattr(self._part(fake), self.name, value)


# Every public name of FakeDiscord that one of its parts answers, by part. Tests read and set the
# knobs and recordings as plain attributes of the fake, so those forward both ways.
_FORWARDED: dict[str, tuple[str, ...]] = {
    "_state.identity": (
        "token",
        "application_id",
        "bot_user",
        "owner_user",
        "default_user",
        "team_member_ids",
        "application_flags",
    ),
    "_state.address": (
        "host",
        "port",
        "http_base",
        "api_base",
        "gateway_url",
        "resume_gateway_url",
    ),
    "_state": (
        "rate_limits",
        "latency",
        "answer_delay",
        "heartbeat_interval_ms",
        "allowed_intents",
        "interaction_timeout",
        "attachment_size_limit",
        "strict_commands",
        "echo_messages",
        "connect_timeout",
        "recommended_shards",
        "application_info",
        "crosspost_limit",
    ),
    "_state.world": ("deleted_channels",),
    "_state.request_log": ("requests", "faults", "rate_limited"),
    "_state.message_store": ("messages", "nonce_hits", "crossposts"),
    "_state.handles": ("interactions",),
    "_state.commands": (
        "commands_global",
        "commands_guild",
        "sync_log",
        "synced_global",
        "synced_guild",
        "global_sync_count",
        "guild_sync_counts",
    ),
    "_state.gateway_log": (
        "gateway_connections",
        "gateway_closes",
        "gateway_closes_sent",
        "gateway_received",
        "dispatched",
        "identifies",
        "resumes",
        "identify_count",
        "resume_count",
        "replayed_count",
        "invalid_session_count",
        "heartbeat_count",
    ),
    "_guilds": (
        "add_guild",
        "remove_guild",
        "guild_ids",
        "default_guild_id",
        "guild",
        "channel",
        "channel_id",
        "role_id",
        "add_member",
        "add_channel",
        "delete_channel",
        "add_message",
        "add_thread",
        "archive_thread",
        "set_overwrites",
        "deny_send",
        "allow_send",
    ),
    "_sessions": (
        "dispatch",
        "adispatch",
        "close_gateway",
        "aclose_gateway",
        "gateway_outage",
        "send_reconnect",
        "asend_reconnect",
        "invalidate_session",
        "wait_ready",
        "await_ready",
        "wait_resumed",
        "await_resumed",
        "wait_shards_ready",
        "await_shards_ready",
        "connected",
        "connected_shards",
    ),
    "_interactions": (
        "invoke",
        "ainvoke",
        "autocomplete",
        "aautocomplete",
        "run_command",
        "arun_command",
    ),
    "_recordings": (
        "requests_matching",
        "channel_messages",
        "get_message",
        "all_messages",
        "wait_for_message",
        "await_message",
        "wait_for_sync",
        "await_sync",
        "registered_commands",
    ),
    "_faults": (
        "fail_next",
        "clear_faults",
        "delay_answers",
        "set_latency",
        "block_dms",
        "set_token",
    ),
}

for _path, _names in _FORWARDED.items():
    for _name in _names:
        setattr(FakeDiscord, _name, _Forward(_path, _name))
