"""Bot processes a test started are killed at its end, whether it passed or not."""

from __future__ import annotations

import pytest

from tests.processes import BotProcess


@pytest.fixture
def bots():
    """Append each BotProcess you start; any still running at teardown is killed."""
    started: list[BotProcess] = []
    yield started
    for bot in started:
        if bot.process is not None and bot.process.poll() is None:
            bot.kill()
