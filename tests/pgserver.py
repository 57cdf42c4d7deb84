"""A real PostgreSQL server for the tests, started from the machine's own binaries.

`PostgresServer` runs `initdb` into a fresh temp directory and starts `postgres` on a free
port of 127.0.0.1, with a password (scram-sha-256) like a production server. `kill()` and
`restart()` let a test take it down the way a dying machine would and bring it back on the same
data and port.

Fixtures: `postgres_server` (one server for the whole run) and `pg_url` (a fresh database on it
for each test, dropped afterwards).

Two things are shaped by running as root, as CI and the dev containers do:

* PostgreSQL refuses to run as root, so every server-side command runs as the `postgres` system
  user (`runuser -u postgres -- ...`); when the tests are not root they run as themselves.
* The directory is made with tempfile.mkdtemp() under /dev/shm or /tmp (see _base_dir()), not
  pytest's tmp_path: tmp_path sits under a 0700 directory owned by root, which the postgres user
  cannot enter.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psutil
import pytest

PASSWORD = "strikewatch-test"
USER = "postgres"
HOST = "127.0.0.1"
START_SECONDS = 30
STOP_SECONDS = 30

# Fast, and durable only against what kill() does (processes die, the OS keeps its page cache):
# fsync=off and full_page_writes=off lose nothing then. synchronous_commit stays on: with it off
# a commit returns before its WAL leaves shared memory, and a kill() a moment later lost the
# commit every time (5 of 5 tries); with fsync off it saves nothing (5000 single-row inserts
# took the same time either way, ~0.7 s).
SETTINGS: dict[str, str] = {
    "fsync": "off",
    "synchronous_commit": "on",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
}

INSTALL = (
    "The tests run a real PostgreSQL server from the machine's own binaries: install the Debian "
    "package `postgresql` (.ci/run does: apt-get install -y postgresql), or set PG_BIN to the "
    "directory holding initdb, postgres, pg_isready and psql."
)


class PostgresNotFound(RuntimeError):
    """The machine has no PostgreSQL server binaries."""


def find_bin_dir() -> Path:
    """$PG_BIN, else the highest /usr/lib/postgresql/<version>/bin that has initdb."""
    if os.environ.get("PG_BIN"):
        bin_dir = Path(os.environ["PG_BIN"])
        if not (bin_dir / "initdb").is_file():
            raise PostgresNotFound(f"PG_BIN={bin_dir} has no initdb. {INSTALL}")
        return bin_dir
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if p.is_file()]
    if not found:
        raise PostgresNotFound(f"No initdb in /usr/lib/postgresql/*/bin. {INSTALL}")

    def version(bin_dir: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", bin_dir.parent.name)) or (0,)

    return max(found, key=version)


def _base_dir() -> str:
    """/dev/shm when it has room to spare, else /tmp.

    CREATE DATABASE creates ~300 files, and on a disk each creation can cost a journal write
    even with fsync off: on the dev container's ext4 it took ~270 ms against ~45 ms on /dev/shm
    (tmpfs). Docker's default /dev/shm is only 64 MB, too small for a cluster (~40 MB) and its
    test databases (~8 MB each), hence the 1 GiB floor.
    """
    with contextlib.suppress(OSError):
        shm = os.statvfs("/dev/shm")
        if shm.f_bavail * shm.f_frsize >= 1 << 30 and os.access("/dev/shm", os.W_OK | os.X_OK):
            return "/dev/shm"
    return "/tmp"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _clean_env() -> dict[str, str]:
    """This environment without PG* variables: a developer's PGHOST or PGDATA must not leak in."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


class PostgresServer:
    """One PostgreSQL server in its own temp directory. Usable as a context manager."""

    def __init__(self, bin_dir: Path | str | None = None, settings: dict[str, str] | None = None):
        self.bin_dir = Path(bin_dir) if bin_dir else find_bin_dir()
        self.settings = {**SETTINGS, **(settings or {})}
        self.host = HOST
        self.port: int = 0
        self.dir: Path | None = None
        self._process: subprocess.Popen | None = None
        self._log_file = None

    # ------------------------------------------------------------ paths and addresses

    @property
    def data_dir(self) -> Path:
        assert self.dir is not None, "not started"
        return self.dir / "data"

    @property
    def log_path(self) -> Path:
        assert self.dir is not None, "not started"
        return self.dir / "postgres.log"

    def url(self, dbname: str = "postgres", password: str = PASSWORD) -> str:
        user = f"{USER}:{quote(password, safe='')}"
        return f"postgresql://{user}@{self.host}:{self.port}/{quote(dbname, safe='')}"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        """The postmaster's PID."""
        postmaster = self._postmaster()
        if postmaster is None:
            raise RuntimeError("the server is not running")
        return postmaster.pid

    def _postmaster(self) -> psutil.Process | None:
        """The postmaster: under root the process we started is runuser, and it is its child."""
        if not self.running:
            return None
        assert self._process is not None
        try:
            if not self._as_root():
                return psutil.Process(self._process.pid)
            children = psutil.Process(self._process.pid).children()
        except psutil.NoSuchProcess:
            return None
        return children[0] if children else None

    # ------------------------------------------------------------ running commands

    @staticmethod
    def _as_root() -> bool:
        return os.geteuid() == 0

    def _as_postgres(self, argv: list[str]) -> list[str]:
        # runuser rather than sudo/su: it is in util-linux on every Debian, needs no password
        # or sudoers entry, and does not start a login shell. It stays as the parent of the
        # command and reaps it, which matters in containers whose PID 1 never reaps orphans.
        return ["runuser", "-u", USER, "--", *argv] if self._as_root() else argv

    def _run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("env", _clean_env())
        # The tests' cwd is often pytest's tmp_path, which the postgres user cannot enter.
        return subprocess.run(
            argv, cwd=self.dir, capture_output=True, text=True, timeout=120, **kwargs
        )

    # ------------------------------------------------------------ life cycle

    def start(self) -> PostgresServer:
        """initdb into a fresh temp directory, then start the server and wait until it is ready."""
        assert self.dir is None, "already started; use restart()"
        # Not pytest's tmp_path: the postgres user must be able to enter every directory above
        # its data dir, and tmp_path's parents are 0700 root. /dev/shm and /tmp are 1777.
        self.dir = Path(tempfile.mkdtemp(prefix="strikewatch-pg-", dir=_base_dir()))
        atexit.register(self.cleanup)  # in case a caller never gets to cleanup()
        try:
            if self._as_root():
                shutil.chown(self.dir, user=USER, group=USER)
            self._initdb()
            for attempt in range(5):
                # Another process may take the port between _free_port() and the server's bind().
                self.port = _free_port()
                self._write_settings()
                log_before = len(self.log_text())
                try:
                    self._start_server()
                    return self
                except RuntimeError:
                    if "Address already in use" not in self.log_text()[log_before:] or attempt == 4:
                        raise
            raise AssertionError("unreachable")
        except BaseException:
            self.cleanup()
            raise

    def _initdb(self) -> None:
        assert self.dir is not None
        pwfile = self.dir / "pwfile"
        pwfile.write_text(PASSWORD + "\n")
        if self._as_root():
            shutil.chown(pwfile, user=USER, group=USER)
        argv = [
            str(self.bin_dir / "initdb"),
            "-D", str(self.data_dir),
            "-U", USER,
            "-E", "UTF8",
            "--no-locale",  # C collation: the same on every machine, whatever locales it has
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={pwfile}",
            "--no-sync",  # throwaway data: no need to fsync the new cluster
        ]  # fmt: skip
        result = self._run(self._as_postgres(argv))
        pwfile.unlink()
        if result.returncode != 0:
            raise RuntimeError(
                f"initdb failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )

    def _write_settings(self) -> None:
        settings = {
            **self.settings,
            "listen_addresses": f"'{self.host}'",
            "port": str(self.port),
            # Inside the temp dir: /var/run/postgresql may not exist or be the Debian cluster's.
            "unix_socket_directories": f"'{self.dir}'",
        }
        # postgresql.auto.conf is read last, so it overrides postgresql.conf; rewritten whole
        # each time so a retry on a new port leaves no stale line.
        lines = [f"{k} = {v}" for k, v in settings.items()]
        auto_conf = self.data_dir / "postgresql.auto.conf"
        auto_conf.write_text("# Written by tests/pgserver.py\n" + "\n".join(lines) + "\n")
        if self._as_root():
            shutil.chown(auto_conf, user=USER, group=USER)

    def _start_server(self) -> None:
        """Start `postgres` on the existing data dir and wait until it accepts connections."""
        assert self.dir is not None and not self.running
        # Opened here and inherited as stdout/stderr: the server never opens it itself.
        self._log_file = self.log_path.open("ab")
        self._process = subprocess.Popen(
            self._as_postgres([str(self.bin_dir / "postgres"), "-D", str(self.data_dir)]),
            cwd=self.dir,
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            # Its own session: a Ctrl-C at the terminal (SIGINT = fast shutdown) must not stop
            # the server before the fixtures' teardown does.
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        pg_isready = [
            str(self.bin_dir / "pg_isready"), "-q", "-h", self.host, "-p", str(self.port),
            "-U", USER, "-d", "postgres", "-t", "2",
        ]  # fmt: skip
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                self._close_log()
                raise RuntimeError(
                    f"PostgreSQL exited ({self._process.returncode}) while starting; log tail:\n"
                    + self._log_tail()
                )
            if self._run(pg_isready).returncode == 0:
                return
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(
            f"PostgreSQL did not accept connections within {START_SECONDS} s; log tail:\n"
            + self._log_tail()
        )

    def _log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def stop(self) -> None:
        """Fast shutdown (SIGINT: roll back open transactions, disconnect, checkpoint); waits."""
        if not self.running:
            return
        assert self._process is not None
        postmaster = self._postmaster()
        # To the postmaster itself: runuser ignores SIGINT, and would pass SIGTERM (a "smart"
        # shutdown, waiting for clients to leave) on and SIGKILL the server 2 s later.
        if postmaster is not None:
            with contextlib.suppress(psutil.NoSuchProcess):
                postmaster.send_signal(signal.SIGINT)
        try:
            self._process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_log()

    def kill(self) -> None:
        """SIGKILL the postmaster and then every one of its processes, as if the machine died.

        Nothing runs a shutdown. Every committed transaction survives (the next start replays
        the WAL) as long as synchronous_commit is on, as it is unless `settings` say otherwise.
        """
        if not self.running:
            return
        assert self._process is not None
        postmaster, children = self._postmaster(), []
        with contextlib.suppress(psutil.NoSuchProcess):
            children = postmaster.children(recursive=True) if postmaster else []
        with _reaping_orphans():
            with contextlib.suppress(psutil.NoSuchProcess):
                (postmaster or psutil.Process(self._process.pid)).kill()
            # runuser (or we) reap the postmaster; its children are orphans now, ours to reap.
            self._process.wait(STOP_SECONDS)
            for child in children:
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()
            _wait_gone(children)
        self._close_log()

    def restart(self) -> PostgresServer:
        """Start again on the same data dir and port, after stop() or kill(); wait until ready."""
        assert self.dir is not None, "never started"
        self.stop()
        self._start_server()
        return self

    def cleanup(self) -> None:
        """Stop if running and remove the temp directory."""
        atexit.unregister(self.cleanup)
        self.stop()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()

    # ------------------------------------------------------------ databases

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run SQL with psql and return its output (unaligned, tuples only).

        A subprocess, so it is fine to call from inside a running event loop. It goes through
        the unix socket, where initdb's --auth-local=trust lets it in without scram-sha-256's
        deliberately slow key derivation: ~9 ms a call instead of ~18 ms over TCP.
        """
        argv = [
            str(self.bin_dir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", str(self.dir), "-p", str(self.port), "-U", USER, "-d", dbname, "-c", sql,
        ]  # fmt: skip
        result = self._run(argv)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed ({result.returncode}) on {sql!r}:\n{result.stderr}")
        return result.stdout

    def create_database(self, name: str) -> str:
        """CREATE DATABASE name (a copy of the empty template1); returns its URL."""
        self.psql(f"CREATE DATABASE {_quote_ident(name)}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE name WITH (FORCE): its open connections are terminated first."""
        self.psql(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")


# ---------------------------------------------------------------- orphans


def query(url: str, sql: str, *args: object) -> list:
    """One statement on a fresh connection, from synchronous test code (tests and benches that
    read or set up a store straight in PostgreSQL)."""
    import asyncio

    import asyncpg

    async def run() -> list:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(run())


@contextlib.contextmanager
def _reaping_orphans() -> Iterator[None]:
    """Make this process the child subreaper while a server is killed (Linux only).

    A killed postmaster's children are orphans. Normally PID 1 reaps them, but a container's
    PID 1 may never do so, and they would linger as <defunct> postgres processes. As subreaper,
    this process inherits them, and _wait_gone() reaps them.
    """
    prctl = None
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_set_child_subreaper = 36
    if prctl is not None:
        prctl(pr_set_child_subreaper, 1, 0, 0, 0)
    try:
        yield
    finally:
        if prctl is not None:
            prctl(pr_set_child_subreaper, 0, 0, 0, 0)


def _wait_gone(processes: list[psutil.Process], timeout: float = STOP_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    pending = list(processes)
    while pending and time.monotonic() < deadline:
        for proc in list(pending):
            with contextlib.suppress(ChildProcessError):
                # Reaps it if it is (now) our child; otherwise someone else reaps it.
                if os.waitpid(proc.pid, os.WNOHANG) != (0, 0):
                    pending.remove(proc)
                    continue
            # Gone, or a zombie that is not ours to reap (no subreaper): it holds nothing.
            try:
                gone = not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                gone = True
            if gone:
                pending.remove(proc)
        time.sleep(0.01)
    if pending:
        raise RuntimeError(f"postgres processes still there after SIGKILL: {pending}")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole test run."""
    try:
        server = PostgresServer()
    except PostgresNotFound as exc:
        pytest.fail(str(exc), pytrace=False)
    with server:
        yield server


@pytest.fixture
def pg_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database on the session's server for this test; dropped afterwards."""
    slug = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")[:40]
    name = f"t_{slug}_{secrets.token_hex(4)}"
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)
