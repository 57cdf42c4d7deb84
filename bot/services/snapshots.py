"""The in-memory snapshot of current figures, rebuilt only when the store's data changed.

Each answer asks the store one cheap question (has anything changed?), so a release stored by any
process shows in every process's answers within FRESH_SECONDS (answers closer together than that
share one question). When the store does not answer within
STAMP_SECONDS, answers come from the last snapshot and say since when it may be out of date.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, date, datetime

from bot.domain.ports import Store
from bot.domain.records import Trust
from bot.domain.releases import current_versions, trust_figures
from bot.domain.reports import NationalReport, Snapshot, StrikeRow, TrustReport, build_snapshot
from bot.domain.turnout import PeriodTurnout, period_turnout
from bot.errors import StoreError

log = logging.getLogger(__name__)

STAMP_SECONDS = 1.5  # an interaction must be answered within 3 s
# Answers this close together share one check of the store: a burst of commands asks once, and a
# release stored by another process still shows within a quarter of a second (one stored by this
# process shows at once).
FRESH_SECONDS = 0.25


class SnapshotCache:
    """Reads the store only when its data changed; shared by the command line and the Discord cogs."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._snapshot: Snapshot | None = None
        self._unreachable_since: float | None = None  # wall-clock time of the first failure
        self.rebuilds = 0
        self._checked = float("-inf")  # monotonic time of the last check that the store answered
        self._writes = -1  # the store's count of this process's writes at that check

    async def snapshot(self) -> Snapshot:
        fresh = time.monotonic() - self._checked < FRESH_SECONDS
        unchanged = self.store.writes == self._writes
        if fresh and unchanged and self._snapshot is not None and self._unreachable_since is None:
            return self._snapshot
        writes = self.store.writes
        try:
            async with asyncio.timeout(STAMP_SECONDS):
                stamp = await self.store.releases.data_stamp()
            if self._snapshot is None or self._snapshot.stamp != stamp:
                self._snapshot = await self._build(stamp)
                self.rebuilds += 1
            self._checked, self._writes = time.monotonic(), writes
        except (StoreError, TimeoutError) as exc:
            if self._snapshot is None:
                raise
            if self._unreachable_since is None:
                self._unreachable_since = time.time()
                log.warning(
                    "store not answering (%s): answering from the last snapshot", exc or "timeout"
                )
            return self._snapshot
        if self._unreachable_since is not None:
            log.info("store answering again: answers are current")
            self._unreachable_since = None
        return self._snapshot

    @property
    def stale_note(self) -> str | None:
        """Said with an answer only when the data may be out of date."""
        if self._unreachable_since is None:
            return None
        since = datetime.fromtimestamp(self._unreachable_since, UTC)
        return (
            f"The database has not answered since {since:%H:%M} UTC: these figures are as of"
            " then and may be out of date."
        )

    async def _build(self, stamp: tuple) -> Snapshot:
        releases = await self.store.releases.ingested()
        totals = {}
        # One release at a time: its day rows are summed and dropped, so memory stays flat.
        for current in current_versions(releases).values():
            rows = await self.store.releases.figures([current.release.id])
            totals.update(trust_figures(rows))
        turnout: dict[int, PeriodTurnout] = {}
        parts = await self.store.workforce.parts(
            [c.release.id for c in current_versions(releases).values()]
        )
        for release_id, part in parts.items():
            if part.read:
                staff = await self.store.workforce.staff_absent([release_id])
                turnout[release_id] = period_turnout(part, staff)
        return build_snapshot(
            stamp,
            await self.store.calendar.periods(),
            releases,
            totals,
            await self.store.calendar.trusts(),
            turnout,
        )

    async def trust(self, trust: Trust, *, days: bool = False) -> TrustReport:
        report = (await self.snapshot()).trust_report(trust)
        if not days:
            return report
        releases = [p.release.id for p in report.periods]
        return report.with_days(await self.store.releases.figures(releases, [trust.org_code]))

    async def national(self) -> NationalReport:
        return (await self.snapshot()).national_report()

    async def strikes(self, today: date) -> list[StrikeRow]:
        return (await self.snapshot()).strikes(today)
