"""Polite HTTP for the NHS page: conditional GETs, total deadlines, retries with backoff, size caps."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
# A server asking us to wait longer than this is treated as down for this poll.
MAX_RETRY_AFTER = 300.0


class FetchError(Exception):
    """A fetch that failed for good; the message names the URL and what went wrong."""


class TooLarge(FetchError):
    """A body over its size cap: refused before or while downloading."""


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    status: int  # 200 or 304
    body: bytes
    etag: str | None
    last_modified: str | None


@dataclass
class TrafficCount:
    requests: int = 0
    bytes: int = 0


class Fetcher:
    """GETs with a total deadline per attempt, retries on timeouts, 5xx and 429, and a body cap."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        deadline: float,
        retries: int,
        backoff: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._deadline = deadline
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self.traffic = TrafficCount()

    @classmethod
    def from_settings(cls, client: httpx.AsyncClient, settings) -> Fetcher:
        return cls(
            client,
            deadline=settings.http_deadline_seconds,
            retries=settings.http_retries,
            backoff=settings.http_backoff_seconds,
        )

    async def get(
        self, url: str, *, max_bytes: int, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched:
        headers = {}
        # Empty validators make some servers answer 304 to everything, so send only real ones.
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            attempt += 1
            try:
                async with asyncio.timeout(self._deadline):
                    return await self._attempt(url, headers, max_bytes)
            except _Retryable as exc:
                reason, wait = exc.reason, exc.retry_after
            except TimeoutError:
                reason, wait = f"no complete answer within {self._deadline:g} s", None
            except httpx.TransportError as exc:
                reason, wait = f"{type(exc).__name__}: {exc}".rstrip(": "), None
            if attempt > self._retries:
                tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
                raise FetchError(f"{url}: {reason} (gave up after {tries})")
            if wait is None:
                wait = self._backoff * 2 ** (attempt - 1) * (0.5 + random.random())  # noqa: S311
            elif wait > MAX_RETRY_AFTER:
                raise FetchError(f"{url}: {reason}; server asks to wait {wait:.0f} s")
            log.warning("%s: %s; retrying in %.1f s", url, reason, wait)
            await self._sleep(wait)

    async def _attempt(self, url: str, headers: dict[str, str], max_bytes: int) -> Fetched:
        self.traffic.requests += 1
        async with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code in RETRY_STATUSES:
                raise _Retryable(f"HTTP {response.status_code}", _retry_after(response))
            if response.status_code == 304:
                return Fetched(str(response.url), 304, b"", *_validators(response))
            if response.status_code != 200:
                raise FetchError(
                    f"{url}: HTTP {response.status_code} {response.reason_phrase}".rstrip()
                )
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise TooLarge(f"{url}: {_mb(int(declared))} is over the {_mb(max_bytes)} cap")
            chunks, size = [], 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                self.traffic.bytes += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"{url}: body passed the {_mb(max_bytes)} cap; download stopped")
                chunks.append(chunk)
            return Fetched(str(response.url), 200, b"".join(chunks), *_validators(response))


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


def _validators(response: httpx.Response) -> tuple[str | None, str | None]:
    return response.headers.get("ETag") or None, response.headers.get("Last-Modified") or None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def make_client(user_agent: str, deadline: float) -> httpx.AsyncClient:
    """The one HTTP client: names the bot, follows redirects, never waits longer than the deadline."""
    return httpx.AsyncClient(
        headers={"User-Agent": user_agent},
        follow_redirects=True,
        max_redirects=5,
        timeout=httpx.Timeout(min(deadline, 30.0), connect=min(deadline, 10.0)),
    )
