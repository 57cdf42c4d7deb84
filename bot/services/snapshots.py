"""The in-memory snapshot of current figures, rebuilt only when the store's data changed."""

from __future__ import annotations

from datetime import date

from bot.domain.ports import Store
from bot.domain.records import Trust
from bot.domain.releases import current_versions, trust_figures
from bot.domain.reports import NationalReport, Snapshot, StrikeRow, TrustReport, build_snapshot


class SnapshotCache:
    """Reads the store only when its data changed; shared by the command line and the Discord cogs."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._snapshot: Snapshot | None = None

    async def snapshot(self) -> Snapshot:
        stamp = await self.store.releases.data_stamp()
        if self._snapshot is None or self._snapshot.stamp != stamp:
            self._snapshot = await self._build(stamp)
        return self._snapshot

    async def _build(self, stamp: tuple) -> Snapshot:
        releases = await self.store.releases.ingested()
        totals = {}
        # One release at a time: its day rows are summed and dropped, so memory stays flat.
        for current in current_versions(releases).values():
            rows = await self.store.releases.figures([current.release.id])
            totals.update(trust_figures(rows))
        return build_snapshot(
            stamp,
            await self.store.calendar.periods(),
            releases,
            totals,
            await self.store.calendar.trusts(),
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
