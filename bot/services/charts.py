"""A trust's chart: bars per strike and its running total, as PNG bytes (matplotlib, imported lazily)."""

from __future__ import annotations

import io

from bot.domain.formatting import period_label
from bot.domain.reports import TrustReport


def trust_chart(report: TrustReport) -> bytes:
    """Render off the event loop (it takes ~100 ms): `await asyncio.to_thread(trust_chart, report)`."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    labels = [period_label(p.period.start, p.period.end) for p in report.periods]
    totals = [p.figures.total or 0 for p in report.periods]
    running, acc = [], 0
    for t in totals:
        acc += t
        running.append(acc)
    figure = Figure(figsize=(10, 5), dpi=100)
    bars = figure.add_subplot()
    bars.bar(range(len(totals)), totals, color="#005EB8", label="rescheduled in the strike")
    bars.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
    bars.set_ylabel("per strike")
    line = bars.twinx()
    line.plot(
        range(len(running)),
        running,
        color="#DA291C",
        marker="o",
        markersize=3,
        label="running total",
    )
    line.set_ylabel("running total")
    line.set_ylim(bottom=0)
    bars.set_title(
        f"{report.trust.name} ({report.trust.org_code}): appointments and operations rescheduled"
    )
    figure.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
