"""Start-up shared by the command line and the bot: logging that hides secrets, a seeded store."""

from __future__ import annotations

import logging
import sys

from bot.domain.ports import Store
from bot.nhs.reference import calendar_seed, trust_seed
from bot.settings import Settings
from storage import open_store


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
