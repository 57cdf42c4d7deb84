"""The courier: sends due alerts from the outbox, retries what may succeed later, records what cannot.

It knows nothing of Discord: the bot hands it a `send` coroutine that raises DeliveryFailure.
An alert is marked sent only after the sender returns, i.e. after Discord accepted it; the sender
passes the alert's id as an idempotency key, so a resend after a crash returns the first message.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.domain.alerts import Alert, AlertSettings
from bot.domain.ports import Store
from bot.errors import StoreError, StrikewatchError

log = logging.getLogger(__name__)


class DeliveryFailure(StrikewatchError):
    """Why an alert was not delivered; `retry` says whether trying again later may succeed.

    `reason` is for the server's admins; `cause` is the same in a word, for metrics."""

    def __init__(
        self, reason: str, *, retry: bool, channel_id: int | None = None, cause: str = "discord"
    ) -> None:
        super().__init__(reason)
        self.reason, self.retry, self.channel_id, self.cause = reason, retry, channel_id, cause


@dataclass(frozen=True, slots=True)
class Delivered:
    channel_id: int
    message_id: int


Sender = Callable[[Alert, AlertSettings], Awaitable[Delivered]]


@dataclass
class DeliveryReport:
    sent: int = 0
    reasons: list[str] = field(default_factory=list)
    retried_by_cause: Counter[str] = field(default_factory=Counter)
    failed_by_cause: Counter[str] = field(default_factory=Counter)

    @property
    def retried(self) -> int:
        return self.retried_by_cause.total()

    @property
    def failed(self) -> int:
        return self.failed_by_cause.total()


class RateLimiter:
    """At most `rate` starts per second across all sends: Discord allows 50 requests/s per bot."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            await asyncio.sleep(delay)


def _fields(alert: Alert) -> dict[str, int]:
    """The event's fields, for structured (JSON) logs."""
    return {"alert_id": alert.id, "guild_id": alert.guild_id}


class Courier:
    def __init__(
        self,
        store: Store,
        send: Sender,
        *,
        concurrency: int = 16,
        rate: float = 47.0,  # under Discord's 50/s, leaving room for command replies
        backoff: float = 5.0,
        max_backoff: float = 900.0,
        may_send: Callable[[], bool] = lambda: True,
    ) -> None:
        self.store = store
        self.send = send
        self._semaphore = asyncio.Semaphore(concurrency)
        self._limiter = RateLimiter(rate)
        self._backoff, self._max_backoff = backoff, max_backoff
        self._running = asyncio.Lock()
        # False once this process is no longer the deployment's courier: stop before the next send.
        self._may_send = may_send
        self._paused = False  # the store did not answer the last pass

    async def deliver_due(self) -> DeliveryReport:
        """One pass over what is due now; a pass already running makes this a no-op.

        While the store does not answer, passes do nothing (the alerts wait in the outbox) and the
        log says so once, and once more when it answers again."""
        report = DeliveryReport()
        if self._running.locked():
            return report
        try:
            await self._pass(report)
        except StoreError as exc:  # its message says which database and why
            if not self._paused:
                log.warning("alert delivery paused: %s", exc)
                self._paused = True
            return report
        if self._paused:
            log.info("alert delivery resumed")
            self._paused = False
        return report

    async def _pass(self, report: DeliveryReport) -> None:
        async with self._running:
            while self._may_send():
                due = await self.store.outbox.due(limit=500)
                if not due:
                    break
                settings = await self.store.servers.settings_of([a.guild_id for a in due])
                # One failed bookkeeping write must not end the pass while other sends are in flight;
                # its alert stays pending and its resend carries the same nonce.
                results = await asyncio.gather(
                    *(self._deliver(a, settings[a.guild_id], report) for a in due),
                    return_exceptions=True,
                )
                for alert, result in zip(due, results, strict=True):
                    if isinstance(result, BaseException):
                        log.error(
                            "alert %d: could not record its delivery: %r",
                            alert.id,
                            result,
                            extra=_fields(alert),
                        )
                if len(due) < 500:
                    break
        if report.sent or report.failed or report.retried:
            log.info(
                "alerts: %d sent, %d to retry, %d failed",
                report.sent,
                report.retried,
                report.failed,
            )

    async def _deliver(self, alert: Alert, settings: AlertSettings, report: DeliveryReport) -> None:
        async with self._semaphore:
            if alert.guild_id and settings.channel_id is None:
                await self.store.outbox.failed(
                    alert.id, "no alert channel set: use /alerts channel", None
                )
                report.failed_by_cause["no_channel"] += 1
                return
            await self._limiter.wait()
            if not self._may_send():
                return  # left pending: the courier that took over sends it (same nonce)
            try:
                delivered = await self.send(alert, settings)
            except DeliveryFailure as failure:
                report.reasons.append(failure.reason)
                if failure.retry:
                    wait = min(self._max_backoff, self._backoff * 2**alert.attempts) * (
                        0.5 + random.random()
                    )  # noqa: S311
                    await self.store.outbox.retry(
                        alert.id, failure.reason, datetime.now(UTC) + timedelta(seconds=wait)
                    )
                    report.retried_by_cause[failure.cause] += 1
                    log.warning(
                        "alert %d to server %d: %s; retrying in %.0f s",
                        alert.id,
                        alert.guild_id,
                        failure.reason,
                        wait,
                        extra=_fields(alert),
                    )
                else:
                    await self.store.outbox.failed(
                        alert.id, failure.reason, failure.channel_id or settings.channel_id
                    )
                    report.failed_by_cause[failure.cause] += 1
                    log.warning(
                        "alert %d to server %d failed: %s",
                        alert.id,
                        alert.guild_id,
                        failure.reason,
                        extra=_fields(alert),
                    )
                return
            except Exception:  # a bug in the sender must not stop other servers' alerts
                log.exception(
                    "alert %d: unexpected error while sending", alert.id, extra=_fields(alert)
                )
                await self.store.outbox.retry(
                    alert.id,
                    "internal error (logged)",
                    datetime.now(UTC) + timedelta(seconds=self._max_backoff),
                )
                report.retried_by_cause["internal"] += 1
                return
            await self.store.outbox.sent(alert.id, delivered.channel_id, delivered.message_id)
            report.sent += 1
