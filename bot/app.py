"""Start-up shared by the command line and the bot: logging that hides secrets, a seeded store."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from bot.domain.ports import Store
from bot.errors import CommandError
from bot.nhs.reference import calendar_seed, trust_seed
from bot.settings import Settings
from storage import open_store
from storage.copy import copy_store

# Fields an event may carry (log calls pass them as `extra`); JSON lines include those present.
EVENT_FIELDS = ("alert_id", "guild_id", "release_url", "poll_id")


class Redact(logging.Filter):
    """Secrets never reach a log line: the message, its arguments and any traceback are redacted."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._clean(record.getMessage()), None
        if record.exc_info:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the event's fields, a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: getattr(record, k) for k in EVENT_FIELDS if hasattr(record, k)})
        if record.exc_text or record.exc_info:
            line["traceback"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonLines()
        if settings.log_format == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    password = urlsplit(settings.database_url).password or ""
    handler.addFilter(Redact([token, password]))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
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


async def open_store_as_it_is(settings: Settings) -> Store:
    """Open the store without migrating or seeding it: for looking, not for running."""
    return await open_store(settings.database_url, upgrade=False)


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
