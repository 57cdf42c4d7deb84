"""The chart a milestone alert carries: its subject's strikes and running total, as the alert's server
counts milestones, drawn at send time from the store's current figures.

Why at send time rather than data stored with each alert: an England milestone goes to every server
at once, and one drawing (cached by the data stamp and the milestone settings) serves all that count
alike, where stored data would be copied into every outbox row of the fan-out. The alert's own
threshold is always marked. Alerts are sent within seconds of the release that caused them; a
revision stored in between shows in the chart (the newest figures), never older ones. Drawing takes
a few hundred milliseconds, so it runs in a thread, and a drawing that fails sends the alert without
its chart rather than not at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from functools import partial

from bot.domain.alerts import MILESTONE_KINDS, Alert, AlertKind, AlertSettings
from bot.domain.region_figures import region_periods
from bot.domain.regions import subject_region
from bot.domain.reports import Snapshot
from bot.services.charts import Chart, national_chart, running_total_chart, trust_chart

log = logging.getLogger(__name__)

Drawing = tuple[Hashable, Callable[[], Chart]]


def drawing(snapshot: Snapshot, alert: Alert, settings: AlertSettings) -> Drawing | None:
    """What to draw for an alert (a cache key and the drawing), or None when it has no chart."""
    if not settings.charts or alert.kind not in MILESTONE_KINDS or snapshot.empty:
        return None
    threshold = (int(alert.key),) if alert.key.isdigit() else ()
    if alert.kind == AlertKind.NATIONAL_MILESTONE:
        step, extra = settings.national_every, threshold
        draw = partial(national_chart, snapshot.national_report(), step=step, extra=extra)
    elif (region := subject_region(alert.subject)) is not None:
        step, extra = settings.region_every, threshold
        draw = partial(
            running_total_chart,
            f"{region}: appointments and operations rescheduled by strikes",
            region,
            region_periods(snapshot, region),
            step=step,
            extra=extra,
        )
    else:
        trust = snapshot.trusts.get(alert.subject)
        if trust is None:
            return None
        step, extra = settings.trust_every, (*settings.extra, *threshold)
        draw = partial(trust_chart, snapshot.trust_report(trust), step=step, extra=extra)
    key = (snapshot.stamp, alert.kind, alert.subject, step, tuple(sorted(set(extra))))
    return key, draw


class AlertCharts:
    """Charts for alerts, drawn once per subject, figures and milestone settings, and shared."""

    def __init__(self, snapshot: Callable[[], Awaitable[Snapshot]], *, keep: int = 32) -> None:
        self._snapshot = snapshot
        self._keep = keep
        self._drawn: OrderedDict[Hashable, asyncio.Task[Chart]] = OrderedDict()
        self.drawings = 0  # how many were drawn (the rest came from the cache)

    async def chart(self, alert: Alert, settings: AlertSettings) -> Chart | None:
        """The alert's chart; None when it has none, or when drawing it failed (logged)."""
        try:
            found = drawing(await self._snapshot(), alert, settings)
        except Exception:  # the store, or a bug: the alert goes without its chart
            log.warning(
                "alert %d: no chart (the figures could not be read)", alert.id, exc_info=True
            )
            return None
        if found is None:
            return None
        key, draw = found
        task = self._drawn.get(key)
        if task is None:
            task = asyncio.ensure_future(asyncio.to_thread(draw))
            self.drawings += 1
            self._drawn[key] = task
            while len(self._drawn) > self._keep:
                self._drawn.popitem(last=False)
        else:
            self._drawn.move_to_end(key)
        try:
            # Shielded: one alert given up on (a stopping bot) does not cancel another's chart.
            return await asyncio.shield(task)
        except Exception:
            self._drawn.pop(key, None)
            log.warning("alert %d: its chart could not be drawn", alert.id, exc_info=True)
            return None
