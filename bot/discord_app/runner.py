"""`strikewatch run`: start the bot against Discord (or a Discord-compatible server) and stop it cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal

import aiohttp
import discord
import yarl

from bot.app import open_seeded_store
from bot.discord_app.client import StrikewatchBot
from bot.discord_app.health import HealthServer
from bot.errors import RunError
from bot.nhs.fetch import make_client
from bot.services.roles import ShardClash
from bot.settings import Settings

log = logging.getLogger(__name__)


def point_at_discord(settings: Settings) -> None:
    """discord.py reads these class attributes for REST (incl. interactions) and the gateway."""
    discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


async def run_bot(settings: Settings) -> None:
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise RunError("DISCORD_TOKEN is not set: put the bot's token in .env (see .env.example)")
    point_at_discord(settings)
    store = await open_seeded_store(settings)
    try:
        async with make_client(
            settings.http_user_agent, settings.http_deadline_seconds
        ) as http_client:
            bot = StrikewatchBot(settings, store, http_client)
            health = None
            if settings.metrics_port:
                health = HealthServer(bot, settings.metrics_host, settings.metrics_port)
                await health.start()
            loop = asyncio.get_running_loop()
            signalled: list[signal.Signals] = []  # a stop we were asked for is not a failure
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, lambda s=sig: _stop(bot, s, signalled))
            try:
                async with bot:
                    await bot.login(token)  # also runs setup_hook: commands, schedule, roles
                    await claim_shards(bot, settings)
                    await bot.connect()
            except discord.LoginFailure:
                raise RunError("Discord rejected DISCORD_TOKEN: check the token in .env") from None
            except (aiohttp.ClientError, OSError) as exc:
                if not signalled:
                    raise RunError(
                        f"cannot reach Discord at {settings.discord_api_base}: {exc}"
                    ) from None
                log.info(
                    "stopped during start-up"
                )  # a signal closed the connection under a request
            except discord.PrivilegedIntentsRequired:
                raise RunError(
                    "Discord refused the bot's intents: enable them in the developer portal"
                ) from None
            except Exception:
                if not signalled:
                    raise
                log.info("stopped during start-up")  # e.g. the session closed under a request
            finally:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)
                if health:
                    await health.stop()
    finally:
        await store.close()
    log.info("stopped")


async def claim_shards(bot: StrikewatchBot, settings: Settings) -> None:
    """Decide this process's shards and take them in the store, or stop naming the setting."""
    if bot.shard_count is None:  # Discord's recommendation (1 for a small bot)
        bot.shard_count, _, _ = await bot.http.get_bot_gateway()
    shard_ids = tuple(bot.shard_ids or range(bot.shard_count))
    if len(shard_ids) < bot.shard_count and not settings.uses_postgres:
        raise RunError(
            f"SHARD_IDS={settings.shard_ids} leaves shards of SHARD_COUNT={bot.shard_count} to other"
            " processes, and processes can share only a PostgreSQL store:"
            " set DATABASE_URL=postgresql://..."
        )
    try:
        await bot.roles.claim_shards(shard_ids, bot.shard_count)
    except ShardClash as exc:
        if not settings.uses_postgres:
            raise RunError(
                f"DATABASE_URL: {exc.holder.label} already runs this bot on this SQLite store;"
                " stop it, or run several processes on PostgreSQL"
            ) from None
        raise RunError(str(exc)) from None
    bot.shard_ids = list(shard_ids)
    log.info("running shards %s of %d", ",".join(map(str, shard_ids)), bot.shard_count)


def _stop(bot: StrikewatchBot, sig: signal.Signals, signalled: list[signal.Signals]) -> None:
    log.info("received %s: closing", sig.name)
    signalled.append(sig)
    asyncio.get_running_loop().create_task(bot.close())
