"""Shared fixtures: settings isolated from the developer's .env, and a real store per test.

A store is a real SQLite file; tests marked `both_backends` (the storage contract) run twice, the
second time on a fresh database of a real PostgreSQL server the test run starts (tests/pgserver.py).
"""

from __future__ import annotations

import pytest

from bot.app import open_seeded_store
from bot.settings import Settings
from tests.pgserver import pg_url, postgres_server  # noqa: F401 - fixtures

BACKENDS = ("sqlite", "postgres")

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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if (
        metafunc.definition.get_closest_marker("both_backends")
        and "db_url" in metafunc.fixturenames
    ):
        metafunc.parametrize("db_url", BACKENDS, indirect=True)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if getattr(request, "param", "sqlite") == "postgres":
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path / 'strikewatch.db'}"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url)


@pytest.fixture
async def store(settings: Settings):
    store = await open_seeded_store(settings)
    yield store
    await store.close()
