"""Tests of the PostgreSQL server the tests start themselves (tests/pgserver.py)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import asyncpg
import psutil
import pytest

# The fixtures postgres_server and pg_url come from tests/conftest.py, which imports them from
# tests/pgserver.py (importing them here too would define a second session server).
from tests.pgserver import PASSWORD, PostgresServer, find_bin_dir


def _processes(server: PostgresServer) -> list[psutil.Process]:
    """The server's postmaster and all its children."""
    postmaster = psutil.Process(server.pid)
    return [postmaster, *postmaster.children(recursive=True)]


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still there, zombies included (a zombie shows in `ps` as <defunct>)."""
    return [p for p in processes if p.is_running()]


@pytest.fixture
def own_server() -> Iterator[PostgresServer]:
    """A server of its own, for tests that take it down; the session's one stays untouched."""
    with PostgresServer() as server:
        yield server
    assert not server.running


async def test_url_and_right_password(postgres_server: PostgresServer) -> None:
    url = postgres_server.url()
    assert url == f"postgresql://postgres:{PASSWORD}@127.0.0.1:{postgres_server.port}/postgres"
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT current_user") == "postgres"
        assert await conn.fetchval("SHOW server_encoding") == "UTF8"
        assert await conn.fetchval("SHOW max_connections") == "200"
    finally:
        await conn.close()


async def test_wrong_password_is_refused(postgres_server: PostgresServer) -> None:
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(postgres_server.url(password="not-the-password"))


async def test_pg_url_is_a_fresh_database(pg_url: str, postgres_server: PostgresServer) -> None:
    dbname = urlsplit(pg_url).path.lstrip("/")
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT current_database()") == dbname
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert tables == 0
    finally:
        await conn.close()


@pytest.fixture
def second_url(postgres_server: PostgresServer) -> Iterator[str]:
    url = postgres_server.create_database("second_of_two")
    yield url
    postgres_server.drop_database("second_of_two")


async def test_two_databases_are_distinct(pg_url: str, second_url: str) -> None:
    assert pg_url != second_url
    first, second = await asyncpg.connect(pg_url), await asyncpg.connect(second_url)
    try:
        await first.execute("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('first')")
        await second.execute("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('second')")
        assert await first.fetchval("SELECT v FROM t") == "first"
        assert await second.fetchval("SELECT v FROM t") == "second"
    finally:
        await first.close()
        await second.close()


async def test_drop_database_with_a_connection_open(postgres_server: PostgresServer) -> None:
    # Plain blocking calls from inside a running event loop, as an async test makes them.
    url = postgres_server.create_database("dropped_while_open")
    conn = await asyncpg.connect(url)
    postgres_server.drop_database("dropped_while_open")
    await conn.close()
    with pytest.raises(asyncpg.InvalidCatalogNameError):
        await asyncpg.connect(url)


async def test_committed_data_survives_kill_and_restart(own_server: PostgresServer) -> None:
    url = own_server.create_database("durable")
    port, processes = own_server.port, _processes(own_server)
    assert len(processes) >= 5  # checkpointer, background writer, walwriter, ...
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE t (n INTEGER)")
    await conn.execute("INSERT INTO t SELECT generate_series(1, 1000)")
    # An open transaction at the time of the crash: rolled back by recovery.
    await conn.execute("BEGIN; INSERT INTO t VALUES (-1)")

    own_server.kill()
    assert not own_server.running
    assert _alive(processes) == [], "every process of the killed server is gone and reaped"
    with pytest.raises(OSError):
        await asyncpg.connect(url, timeout=2)
    conn.terminate()

    own_server.restart()
    assert own_server.port == port
    assert "not properly shut down" in own_server.log_text()
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM t") == 1000
        assert await conn.fetchval("SELECT min(n) FROM t") == 1
    finally:
        await conn.close()


async def test_stop_and_restart(own_server: PostgresServer) -> None:
    url = own_server.create_database("stopped")
    own_server.stop()
    assert not own_server.running
    own_server.restart()
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT 1") == 1
    finally:
        await conn.close()


def test_cleanup_removes_everything() -> None:
    server = PostgresServer().start()
    directory, processes = server.dir, _processes(server)
    assert directory is not None and directory.is_dir()
    server.cleanup()
    assert not directory.exists()
    assert server.dir is None
    assert _alive(processes) == []


def test_pg_bin_overrides_the_directory(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    real = find_bin_dir()
    monkeypatch.setenv("PG_BIN", str(real))
    assert find_bin_dir() == real
    monkeypatch.setenv("PG_BIN", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"\.ci/run"):
        find_bin_dir()


def test_a_server_that_cannot_start_says_why() -> None:
    server = PostgresServer(settings={"shared_buffers": "'lots'"})
    with pytest.raises(
        RuntimeError, match="exited .* while starting; log tail:\n(.|\n)*shared_buffers"
    ):
        server.start()
    assert server.dir is None, "the temp directory is removed"
