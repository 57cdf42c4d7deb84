"""Fixtures the test-bed modules share: an NHS replica with a client, a fake Discord with a bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from discord.ext import commands

from tests.fakediscord import FakeDiscord
from tests.fakediscord.testbot import connected_bot, serve_fake
from tests.replica.server import NHSReplica

UA = "Strikewatch-tests/1.0 (+mailto:test@example.invalid)"


@pytest.fixture
def nhs() -> Iterator[NHSReplica]:
    with NHSReplica() as replica:
        yield replica
    assert replica.errors == []


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(headers={"User-Agent": UA}, timeout=5.0) as c:
        yield c


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDiscord]:
    with serve_fake(monkeypatch) as server:
        yield server


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[commands.Bot]:
    async with connected_bot(fake) as client:
        yield client
