"""PostgreSQL through asyncpg: a connection pool shared by every part of one process.

The tables' SQL uses `?` placeholders; they become `$1, $2, ...` here. A lost connection (the
server restarted, the network dropped) is a StoreError like any other: the pool opens a new
connection for the next statement, so callers only ever retry.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncpg

from storage.engines import now_iso
from storage.errors import StoreError

SCHEMA_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)
# Advisory lock keys (any two fixed numbers): migrations at start, and serial transactions.
MIGRATION_LOCK = 0x5354_5257_0001
SERIAL_LOCK = 0x5354_5257_0002
CONNECT_SECONDS = 10
STATEMENT_SECONDS = 60
# What a lost or refused connection raises, besides asyncpg's own errors.
CONNECTION_ERRORS = (OSError, TimeoutError, asyncpg.InterfaceError)
DRIVER_ERRORS = (asyncpg.PostgresError, *CONNECTION_ERRORS)
# ... and what the server says while it shuts down, restarts or has dropped us.
UNREACHABLE = (
    *CONNECTION_ERRORS,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
)


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`?` placeholders as asyncpg's `$1, $2, ...` (the tables' SQL has no `?` inside literals)."""
    count = iter(range(1, 10_000))
    return re.sub(r"\?", lambda _: f"${next(count)}", sql)


def display_name(url: str) -> str:
    """The database as messages name it: user@host:port/dbname, never the password."""
    parts = urlsplit(url)
    user = unquote(parts.username or "")
    host = parts.hostname or "localhost"
    return f"{user + '@' if user else ''}{host}:{parts.port or 5432}{parts.path or '/'}"


def connect_problem(exc: BaseException) -> str:
    """Why a connection was refused, in the words an operator acts on."""
    if isinstance(
        exc, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
    ):
        return f"the server refused the user or password ({exc})"
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return f"no such database ({exc}): create it first (createdb) or fix the name"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror or exc})"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused: is PostgreSQL running and listening on that host and port?"
    if isinstance(exc, TimeoutError):
        return f"no answer within {CONNECT_SECONDS} s"
    return f"{type(exc).__name__}: {exc}"


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Returned to the pool as it is: asyncpg still rolls back an open transaction, but skips its
    reset query (a round trip on every release). We set no session state that could leak: the
    only session lock (migrations) is released in a `finally`."""


class _Session:
    """Statements on one pooled connection, or on whichever the pool lends for each call."""

    def __init__(self, engine: PostgresEngine, conn: asyncpg.Connection | None) -> None:
        self._engine = engine
        self._conn = conn

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        if self._conn is not None:
            yield self._conn
        else:
            async with self._engine.pool.acquire() as conn:
                yield conn

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            async with self._connection() as conn:
                return await conn.fetch(numbered(sql), *params)
        except DRIVER_ERRORS as exc:
            raise self._engine.error(exc) from exc

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            async with self._connection() as conn:
                status = await conn.execute(numbered(sql), *params)
        except DRIVER_ERRORS as exc:
            raise self._engine.error(exc) from exc
        self._wrote()
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        try:
            async with self._connection() as conn:
                await conn.executemany(numbered(sql), rows)
        except DRIVER_ERRORS as exc:
            raise self._engine.error(exc) from exc
        self._wrote()

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if not rows:
            return
        try:
            async with self._connection() as conn:
                await conn.copy_records_to_table(table, records=rows, columns=list(columns))
        except DRIVER_ERRORS as exc:
            raise self._engine.error(exc) from exc
        except (TypeError, ValueError) as exc:  # a value the column's type cannot take
            raise StoreError(f"PostgreSQL {self._engine.name}: a row for {table}: {exc}") from exc
        self._wrote()

    def _wrote(self) -> None:
        """Outside a transaction a statement commits by itself; inside, the commit counts."""
        if self._conn is None:
            self._engine.writes += 1


class PostgresEngine(_Session):
    dialect = "postgres"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        super().__init__(self, None)
        self.pool = pool
        self.name = display_name(url)
        self.writes = 0

    @classmethod
    async def open(cls, url: str, *, max_connections: int = 10) -> PostgresEngine:
        """A pool whose first connection is made here, so a bad URL fails now, in one line."""
        name = display_name(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=0,  # no floor to keep: asyncpg logs a traceback per try while down
                max_size=max_connections,
                timeout=CONNECT_SECONDS,
                command_timeout=STATEMENT_SECONDS,
                max_inactive_connection_lifetime=300,
                reset=_keep_session,
            )
            conn = await pool.acquire()
        except (*DRIVER_ERRORS, ValueError) as exc:
            raise StoreError(
                f"cannot connect to PostgreSQL {name}: {connect_problem(exc)}"
            ) from None
        engine = cls(pool, url)
        try:
            try:
                await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
                await conn.execute(SCHEMA_TABLE)
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
            finally:
                await pool.release(conn)  # a released connection's session locks are reset
        except DRIVER_ERRORS as exc:
            await engine.close()
            raise engine.error(exc) from exc
        return engine

    def error(self, exc: BaseException) -> StoreError:
        if isinstance(exc, UNREACHABLE) and not isinstance(exc, asyncpg.DataError):
            return StoreError(f"PostgreSQL {self.name} unreachable: {connect_problem(exc)}")
        return StoreError(f"PostgreSQL {self.name}: {exc}")

    @asynccontextmanager
    async def transaction(self, *, serial: bool = False) -> AsyncIterator[_Session]:
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                if serial:
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", SERIAL_LOCK)
                yield _Session(self, conn)
        except DRIVER_ERRORS as exc:
            raise self.error(exc) from exc
        self.writes += 1

    async def migrate(self, version: int, name: str, sql: str) -> None:
        """Under an advisory lock, so two processes starting together migrate once."""
        try:
            async with self.pool.acquire() as conn:
                await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
                try:
                    async with conn.transaction():
                        done = await conn.fetchval(
                            "SELECT 1 FROM schema_migrations WHERE version = $1", version
                        )
                        if done:
                            return
                        await conn.execute(sql)
                        await conn.execute(
                            "INSERT INTO schema_migrations VALUES ($1, $2, $3)",
                            version,
                            name,
                            now_iso(),
                        )
                finally:
                    await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        except asyncpg.PostgresError as exc:
            raise StoreError(
                f"PostgreSQL {self.name}: migration {version:04d}_{name} failed and was rolled"
                f" back: {exc}"
            ) from exc
        except CONNECTION_ERRORS as exc:
            raise self.error(exc) from exc

    async def applied(self) -> set[int]:
        return {row[0] for row in await self.fetch("SELECT version FROM schema_migrations")}

    async def continue_ids(self, session: _Session, table: str) -> None:
        await session.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )

    async def clock_ms(self) -> int:
        found = await self.fetch("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")
        return found[0][0]

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.pool.close(), 10)
        except DRIVER_ERRORS:  # (TimeoutError is one of them)
            self.pool.terminate()
