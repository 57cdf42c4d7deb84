"""The bot's clock (APScheduler 3, Europe/London): a poll every POLL_INTERVAL_MINUTES, delivery every second.

What is due lives in the store: the next poll follows the last recorded one, and reminders are
outbox rows with a "not before" time, so a restart resumes from data, not from memory.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

DELIVERY_SECONDS = (
    1  # the outbox query is indexed; alerts written by another process wait at most this
)


class Schedule:
    def __init__(
        self,
        *,
        poll: Callable[[], Awaitable[object]],
        deliver: Callable[[], Awaitable[object]],
        poll_minutes: int,
        last_poll: datetime | None,
    ) -> None:
        self._scheduler = AsyncIOScheduler(
            timezone="Europe/London",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        )
        now = datetime.now(UTC)
        interval = timedelta(minutes=poll_minutes)
        # Soon after start when a poll is due; otherwise one interval after the last recorded poll.
        first = (
            now + timedelta(seconds=10)
            if last_poll is None or now - last_poll >= interval
            else last_poll + interval
        )
        jitter = min(120, int(poll_minutes * 60 * 0.05))
        self._scheduler.add_job(
            poll,
            IntervalTrigger(minutes=poll_minutes, jitter=jitter),
            id="poll",
            name="poll",
            next_run_time=first,
        )
        self._scheduler.add_job(
            deliver,
            IntervalTrigger(seconds=DELIVERY_SECONDS),
            id="deliver",
            name="deliver",
            next_run_time=now,
        )

    def start(self) -> Schedule:
        self._scheduler.start()
        return self

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def deliver_now(self) -> None:
        if self._scheduler.running:
            self._scheduler.modify_job("deliver", next_run_time=datetime.now(UTC))

    @property
    def next_poll(self) -> datetime | None:
        job = self._scheduler.get_job("poll")
        return job.next_run_time if job else None
