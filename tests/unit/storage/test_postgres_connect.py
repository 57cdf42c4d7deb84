"""A PostgreSQL store that cannot be opened says why in one line, without the password."""

from __future__ import annotations

import subprocess
import sys

import pytest

from storage import StoreError, open_store
from tests.pgserver import PASSWORD


@pytest.mark.parametrize(
    ("make_url", "problem"),
    [
        (lambda s: s.url(password="wrong-password"), "refused the user or password"),
        (lambda s: s.url(dbname="no_such_database"), "no such database"),
        (lambda s: s.url().replace(f":{s.port}/", ":9/"), "connection refused"),
        (lambda s: "postgresql://u:secret-pw@no-such-host.invalid/db", "unknown host"),
    ],
)
async def test_a_store_that_cannot_be_opened_says_why(postgres_server, make_url, problem):
    url = make_url(postgres_server)
    with pytest.raises(StoreError) as err:
        await open_store(url)
    message = str(err.value)
    assert problem in message and "\n" not in message
    assert (
        "wrong-password" not in message and PASSWORD not in message and "secret-pw" not in message
    )


def test_the_command_line_stops_with_one_line_naming_the_database(postgres_server, tmp_path):
    url = postgres_server.url(password="wrong-password")
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "national"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(
        f"strikewatch: cannot connect to PostgreSQL postgres@127.0.0.1:{postgres_server.port}/postgres:"
    )
    assert "wrong-password" not in result.stderr
