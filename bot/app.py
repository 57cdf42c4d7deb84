"""Start-up shared by the command line and the bot: logging that hides secrets, a seeded store."""

from __future__ import annotations

import logging
import sys
from urllib.parse import urlsplit, urlunsplit

from bot.domain.ports import Store
from bot.errors import CommandError
from bot.nhs.reference import calendar_seed, trust_seed
from bot.settings import Settings
from storage import open_store
from storage.copy import copy_store


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO; our own poll summary says what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # A text bot has no voice; discord.py's warnings about voice libraries only alarm operators.
    logging.getLogger("discord.client").addFilter(
        lambda record: "voice will NOT" not in record.getMessage()
    )
    # APScheduler reports every run at INFO; a delivery pass that overlaps the next is expected.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").addFilter(
        lambda record: not ('"deliver' in record.getMessage() and "skipped" in record.getMessage())
    )


async def open_seeded_store(settings: Settings) -> Store:
    """Open the store (migrations run) and load the shipped calendar and trust directory."""
    store = await open_store(settings.database_url)
    try:
        await store.calendar.seed(calendar_seed(), trust_seed())
    except BaseException:
        await store.close()
        raise
    return store


def redact_url(url: str) -> str:
    """A database URL fit for a log or a terminal: the password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


async def copy_between(source_url: str, target_url: str, *, replace: bool) -> dict[str, int]:
    """`strikewatch copy-store`: every row of one store into another, all or nothing."""
    if source_url == target_url:
        raise CommandError("SOURCE_URL and TARGET_URL are the same store")
    source = await open_store(source_url)
    try:
        target = await open_store(target_url)
        try:
            return await copy_store(source, target, replace=replace)
        finally:
            await target.close()
    finally:
        await source.close()
