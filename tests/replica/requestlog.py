"""The replica's request log: what each request asked for and what the server did about it."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from dataclasses import dataclass
from typing import Any

from tests.replica.content import split_target


@dataclass
class RequestRecord:
    """One request as the server saw it. `bytes_sent` counts body bytes only."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    client: tuple[str, int]
    started: float
    status: int | None = None
    bytes_sent: int = 0
    fault: str | None = None
    finished: bool = False
    aborted: bool = False

    def header(self, name: str, default: str | None = None) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return default

    @property
    def user_agent(self) -> str | None:
        return self.header("User-Agent")

    @property
    def target(self) -> str:
        return self.path + ("?" + self.query if self.query else "")


class RequestLog:
    """Records in arrival order, updated by server threads while requests are in flight.

    Readers get snapshots, so a record they hold never changes under them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._errors: list[BaseException] = []

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def mark(self, record: RequestRecord, **changes: Any) -> None:
        with self._lock:
            for k, v in changes.items():
                setattr(record, k, v)

    def add_bytes(self, record: RequestRecord, n: int) -> None:
        with self._lock:
            record.bytes_sent += n

    def add_error(self, exc: BaseException) -> None:
        self._errors.append(exc)

    @property
    def records(self) -> list[RequestRecord]:
        with self._lock:
            return [dataclasses.replace(r) for r in self._records]

    @property
    def errors(self) -> list[BaseException]:
        """Unexpected exceptions inside the server: a test expects none."""
        return list(self._errors)

    def count(
        self, path: str | None = None, *, method: str | None = None, status: int | None = None
    ) -> int:
        want = split_target(path)[0] if path is not None else None
        with self._lock:
            return sum(
                1
                for r in self._records
                if (want is None or r.path == want)
                and (method is None or r.method == method)
                and (status is None or r.status == status)
            )

    def bytes_sent(self, path: str | None = None) -> int:
        want = split_target(path)[0] if path is not None else None
        with self._lock:
            return sum(r.bytes_sent for r in self._records if want is None or r.path == want)

    def reset(self) -> None:
        with self._lock:
            self._records.clear()

    def wait_for(self, n: int, path: str | None = None, timeout: float = 5.0) -> bool:
        """Block until at least `n` requests (to `path`) have been received."""
        deadline = time.monotonic() + timeout
        while self.count(path) < n:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    async def wait_for_async(self, n: int, path: str | None = None) -> None:
        """Wait until at least `n` requests (to `path`) arrived; bound it with asyncio.timeout."""
        # Requests are logged by server threads, so poll; an asyncio.Event would need the loop.
        while self.count(path) < n:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
