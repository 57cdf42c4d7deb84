"""`/healthz` and `/metrics` for one bot process, on METRICS_HOST:METRICS_PORT (off by default)."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.errors import RunError, StoreError
from bot.services.metrics import CONTENT_TYPE, StoreFacts, store_facts

if TYPE_CHECKING:
    from bot.discord_app.client import StrikewatchBot

log = logging.getLogger(__name__)

STORE_SECONDS = 2.0  # a probe must answer well within a typical 5 s probe timeout


class HealthServer:
    """Serves this process's health and metrics; both ask the store one cheap question."""

    def __init__(self, bot: StrikewatchBot, host: str, port: int) -> None:
        self._bot, self.host, self.port = bot, host, port
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)

    async def start(self) -> None:
        """Listen now, before the bot logs in: a port in use stops `run` before anything started."""
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as exc:
            await self._runner.cleanup()
            why = "already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
            raise RunError(
                f"METRICS_PORT: cannot listen on {self.host}:{self.port}: {why}"
            ) from None
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _ask_store(self) -> StoreFacts | None:
        try:
            async with asyncio.timeout(STORE_SECONDS):
                seen = await store_facts(self._bot.store)
        except (StoreError, TimeoutError):
            seen = None
        self._bot.metrics.record_store(seen)
        return seen

    async def _healthz(self, request: web.Request) -> web.Response:
        problems = []
        shards = {str(shard): connected for shard, _, connected in self._bot.shard_states()}
        if not shards:
            problems.append("gateway: not connected yet")
        problems += [f"shard {s}: gateway disconnected" for s, up in shards.items() if not up]
        seen = await self._ask_store()
        if seen is None:
            problems.append("store: not answering")
        body = {
            "status": "unhealthy" if problems else "ok",
            "problems": problems,
            "shards": {s: "connected" if up else "disconnected" for s, up in shards.items()},
            "store": self._bot.store.kind if seen else "not answering",
            "servers": len(self._bot.guilds),
            "outbox_due": seen.backlog.due if seen else None,
        }
        return web.Response(
            status=503 if problems else 200,
            text=json.dumps(body),
            content_type="application/json",
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        await self._ask_store()
        return web.Response(body=self._bot.metrics.render(), headers={"Content-Type": CONTENT_TYPE})
