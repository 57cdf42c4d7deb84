"""Shared fixtures: settings isolated from the developer's .env, and a real SQLite file per test."""

from __future__ import annotations

import pytest

from bot.app import open_seeded_store
from bot.settings import Settings

SETTING_NAMES = [name.upper() for name in Settings.model_fields]


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """No test reads the developer's .env or environment, and none can reach the real NHS site."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NHS_INDEX_URL", "http://127.0.0.1:9/unset-in-this-test")
    monkeypatch.setenv("HTTP_BACKOFF_SECONDS", "0.05")
    monkeypatch.setenv("HTTP_DEADLINE_SECONDS", "5")


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'strikewatch.db'}"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url)


@pytest.fixture
async def store(settings: Settings):
    store = await open_seeded_store(settings)
    yield store
    await store.close()
