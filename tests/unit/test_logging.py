"""Logs: JSON lines for log shippers carry the event's fields; no secret reaches either format."""

from __future__ import annotations

import json
import logging

import pytest

from bot.app import configure_logging
from bot.domain.alerts import AlertKind, Draft
from bot.services.courier import Courier, DeliveryFailure
from bot.settings import Settings

TOKEN = "MTE4.secret-token-for-logs"
PASSWORD = "db-pass-for-logs"


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_a_json_line_carries_the_alert_id_and_no_secret(
    store, db_url, capfd, restore_logging
):
    configure_logging(Settings(database_url=db_url, log_format="json", discord_token=TOKEN))
    await store.servers.update(77, channel_id=5)
    await store.outbox.add(Draft(77, AlertKind.TEST, "test", "k", "hello"))
    (alert,) = await store.outbox.of_server(77)

    async def refuse(alert, settings):
        raise DeliveryFailure(f"channel deleted (sent with {TOKEN})", retry=False)

    await Courier(store, refuse).deliver_due()
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines()]
    (failed,) = [line for line in lines if line.get("alert_id") == alert.id]
    assert failed["guild_id"] == 77 and failed["level"] == "WARNING"
    assert (
        failed["logger"] == "bot.services.courier"
        and "failed: channel deleted" in failed["message"]
    )
    assert TOKEN not in json.dumps(lines) and "***" in failed["message"]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_secrets_never_reach_a_log_line_even_in_a_traceback(capfd, restore_logging, log_format):
    url = f"postgresql://bot:{PASSWORD}@db.example.org/strikewatch"
    configure_logging(Settings(database_url=url, log_format=log_format, discord_token=TOKEN))
    log = logging.getLogger("discord.http")
    log.warning("sent Authorization: Bot %s", TOKEN)
    try:
        raise RuntimeError(f"HTTP 401 for token {TOKEN} to {url}")
    except RuntimeError:
        log.exception("request failed")
    err = capfd.readouterr().err
    assert "request failed" in err and "RuntimeError: HTTP 401 for token ***" in err
    assert TOKEN not in err and PASSWORD not in err


async def test_a_poll_that_fails_unexpectedly_logs_its_poll_id(
    store, settings, capfd, restore_logging, monkeypatch
):
    from bot.nhs.poller import Poller, PollError
    from bot.services.polling import run_poll

    configure_logging(settings.model_copy(update={"log_format": "json"}))

    async def broken(self, progress):
        raise KeyError("a bug")

    monkeypatch.setattr(Poller, "poll", broken)
    with pytest.raises(PollError, match="unexpected KeyError"):
        await run_poll(store, settings, fetcher=None)  # type: ignore[arg-type]
    ((poll_id, error),) = await store.engine.fetch("SELECT id, error FROM polls")
    assert "unexpected KeyError" in error
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines()]
    (logged,) = [line for line in lines if "failed unexpectedly" in line["message"]]
    assert logged["poll_id"] == poll_id and logged["level"] == "ERROR"
    assert "KeyError: 'a bug'" in logged["traceback"]
