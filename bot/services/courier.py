"""The courier: sends due alerts from the outbox, retries what may succeed later, records what cannot.

It knows nothing of Discord: the bot hands it a `send` coroutine that raises DeliveryFailure.
An alert is marked sent only after the sender returns, i.e. after Discord accepted it; the sender
passes the alert's id as an idempotency key, so a resend after a crash returns the first message.

An alert goes where its route says now (`AlertSettings.destination`): a subject's own channel, or
the server's. When Discord says a subject's channel was deleted, the courier records it and the
alert goes to the server's channel instead, at once. An alert posted in an announcement channel is
queued (with its "sent") to be published; a second pass publishes what is due, apart from sends,
because Discord allows only 10 publishes an hour per channel and the rest must wait.
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

from bot.domain.alerts import Alert, AlertSettings, Crosspost
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
    publish: bool = False  # posted in an announcement channel: publish it to its followers


Sender = Callable[[Alert, AlertSettings], Awaitable[Delivered]]
# Publishes (crossposts) one message; raises DeliveryFailure. Publishing it again is not an error.
Publisher = Callable[[Crosspost], Awaitable[None]]
CHANNEL_DELETED = "channel_deleted"  # the cause of a DeliveryFailure for a channel Discord deleted


@dataclass
class DeliveryReport:
    sent: int = 0
    reasons: list[str] = field(default_factory=list)
    retried_by_cause: Counter[str] = field(default_factory=Counter)
    failed_by_cause: Counter[str] = field(default_factory=Counter)
    rerouted: int = 0  # alerts whose subject's channel was deleted: sent to the server's instead
    published: int = 0
    publish_retried: int = 0
    publish_failed: int = 0

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
        publish: Publisher | None = None,
        publish_backoff: float = 60.0,
        max_publish_backoff: float = 3600.0,
    ) -> None:
        self.store = store
        self.send = send
        self.publish = publish
        self._publish_backoff, self._max_publish_backoff = publish_backoff, max_publish_backoff
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
            if self.publish is not None and self._may_send():
                await self._publish_due(report)
        if report.sent or report.failed or report.retried:
            log.info(
                "alerts: %d sent, %d to retry, %d failed",
                report.sent,
                report.retried,
                report.failed,
            )
        if report.published or report.publish_failed or report.publish_retried:
            log.info(
                "announcements: %d published, %d to retry, %d failed",
                report.published,
                report.publish_retried,
                report.publish_failed,
            )

    async def _deliver(self, alert: Alert, settings: AlertSettings, report: DeliveryReport) -> None:
        async with self._semaphore:
            if alert.guild_id and settings.destination(alert.route) is None:
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
                if await self._reroute(alert, settings, failure):
                    report.rerouted += 1
                    return
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
            await self.store.outbox.sent(
                alert.id, delivered.channel_id, delivered.message_id, publish=delivered.publish
            )
            report.sent += 1

    async def _reroute(
        self, alert: Alert, settings: AlertSettings, failure: DeliveryFailure
    ) -> bool:
        """A subject's own channel was deleted: record it, and send the alert again now (to the
        server's channel, where its route leads from now on). True when rerouted."""
        own = settings.channels.get(alert.route) if alert.route else None
        if (
            failure.cause != CHANNEL_DELETED
            or own is None
            or own.gone
            or own.channel_id != failure.channel_id
            or settings.channel_id is None
        ):
            return False
        await self.store.servers.channel_gone(alert.guild_id, alert.route, own.channel_id)
        await self.store.outbox.retry(alert.id, failure.reason, datetime.now(UTC))
        log.warning(
            "alert %d to server %d: the channel of %s was deleted; sending to the server's alert"
            " channel instead",
            alert.id,
            alert.guild_id,
            alert.route,
            extra=_fields(alert),
        )
        return True

    async def _publish_due(self, report: DeliveryReport) -> None:
        """Publish what waits in announcement channels; a limit reached waits, others go on."""
        assert self.publish is not None
        due = await self.store.crossposts.due(limit=100)

        async def one(item: Crosspost) -> None:
            async with self._semaphore:
                await self._limiter.wait()
                if not self._may_send():
                    return
                try:
                    await self.publish(item)  # type: ignore[misc]
                except DeliveryFailure as failure:
                    if failure.retry:
                        wait = min(
                            self._max_publish_backoff, self._publish_backoff * 2**item.attempts
                        )
                        await self.store.crossposts.retry(
                            item.alert_id,
                            failure.reason,
                            datetime.now(UTC) + timedelta(seconds=wait),
                        )
                        report.publish_retried += 1
                    else:
                        await self.store.crossposts.failed(item.alert_id, failure.reason)
                        report.publish_failed += 1
                        log.warning(
                            "alert %d could not be published: %s", item.alert_id, failure.reason
                        )
                    return
                await self.store.crossposts.published(item.alert_id)
                report.published += 1

        results = await asyncio.gather(*(one(item) for item in due), return_exceptions=True)
        for item, result in zip(due, results, strict=True):
            if isinstance(result, BaseException):
                log.error("alert %d: publishing it failed: %r", item.alert_id, result)
