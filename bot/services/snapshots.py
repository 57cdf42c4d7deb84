"""The in-memory snapshot of current figures, rebuilt only when the store's data changed."""

from __future__ import annotations

from datetime import date

from bot.domain.records import Figures, PeriodFigures, Trust
from bot.domain.reports import NationalReport, Snapshot, TrustReport, add


class SnapshotCache:
    """Reads the store only when its data changed; shared by the command line and the Discord cogs."""

    def __init__(self, store) -> None:
        self.store = store
        self._snapshot: Snapshot | None = None

    async def snapshot(self) -> Snapshot:
        stamp = await self.store.data_stamp()
        if self._snapshot is None or self._snapshot.stamp != stamp:
            self._snapshot = await self._build(stamp)
        return self._snapshot

    async def _build(self, stamp: tuple) -> Snapshot:
        periods = await self.store.periods()
        by_id = {p.id: p for p in periods}
        current = sorted(
            (
                (by_id[r.period_id], r, v)
                for r, v in await self.store.current_releases()
                if r.period_id in by_id
            ),
            key=lambda item: item[0].start,
        )
        totals = await self.store.release_totals([r.id for _, r, _ in current])
        by_trust: dict[str, dict[int, Figures]] = {}
        national: dict[int, Figures] = {}
        for period, release, _ in current:
            per_trust = totals.get(release.id, {})
            national[period.id] = add(per_trust.values())
            for code, figures in per_trust.items():
                by_trust.setdefault(code, {})[period.id] = figures
        trusts = {t.org_code: t for t in await self.store.trusts()}
        return Snapshot(stamp, trusts, current, by_trust, national, periods)

    async def trust(self, trust: Trust, *, days: bool = False) -> TrustReport:
        report = (await self.snapshot()).trust_report(trust)
        if not days:
            return report
        rows = await self.store.trust_figures(
            trust.org_code, [p.release.id for p in report.periods]
        )
        periods = [
            PeriodFigures(
                p.period, p.release, p.figures, p.versions, tuple(rows.get(p.release.id, ()))
            )
            for p in report.periods
        ]
        return TrustReport(report.trust, periods, report.rank, report.ranked)

    async def national(self) -> NationalReport:
        return (await self.snapshot()).national_report()

    async def strikes(self, today: date) -> list[dict]:
        return (await self.snapshot()).strikes(today)
