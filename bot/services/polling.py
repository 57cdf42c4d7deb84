"""One recorded poll with a total deadline: what the CLI, the schedule and /source poll run."""

from __future__ import annotations

import asyncio
import logging

from bot.domain.ports import Store
from bot.nhs.fetch import Fetcher
from bot.nhs.ingest import Progress, no_progress
from bot.nhs.poller import Poller, PollError, PollReport
from bot.settings import Settings

log = logging.getLogger(__name__)


async def run_poll(
    store: Store, settings: Settings, fetcher: Fetcher, progress: Progress = no_progress
) -> PollReport:
    """Poll once and record how it ended; a poll that fails for any reason is recorded as failed.

    Whatever went wrong, callers get one error type: PollError, with the reason.
    """
    poll_id = await store.polls.start()
    try:
        async with asyncio.timeout(settings.poll_deadline_seconds):
            report = await Poller(store, settings, fetcher).poll(progress)
    except TimeoutError:
        error = f"the poll did not finish within {settings.poll_deadline_seconds:g} s"
        await _record_failure(store, poll_id, error)
        raise PollError(error) from None
    except PollError as exc:
        await _record_failure(store, poll_id, str(exc))
        raise
    except asyncio.CancelledError:
        # The process is stopping: say so, so the record does not read "running" forever.
        await asyncio.shield(_record_failure(store, poll_id, "interrupted: the process stopped"))
        raise
    except Exception as exc:
        log.exception("poll %d failed unexpectedly", poll_id, extra={"poll_id": poll_id})
        error = f"unexpected {type(exc).__name__}: {exc}"
        await _record_failure(store, poll_id, error)
        raise PollError(error) from exc
    await store.polls.finish(poll_id, ok=True, summary=report.summary(), error=None)
    return report


async def _record_failure(store: Store, poll_id: int, error: str) -> None:
    try:
        await store.polls.finish(poll_id, ok=False, summary={}, error=error)
    except Exception:  # the store itself may be what failed; the poll's error says why
        log.warning(
            "could not record poll %d as failed: %s", poll_id, error, extra={"poll_id": poll_id}
        )
