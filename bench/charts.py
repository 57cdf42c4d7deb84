"""Benchmark: chart rendering time per kind, and what matplotlib's first import costs.

From an in-memory snapshot of realistic size (120 trusts x 22 strikes, on the shipped strike
calendar's dates), renders each chart kind `--rounds` times after one warm-up render: a trust's
running total (`/cancellations chart:true`), England's (`/national chart:true`) and the top 10 of the
league (`/top chart:true`). Prints median and p95 ms per kind and the PNG's size. Separately, in
fresh interpreters: matplotlib's import (what the first chart of a process pays on top) and a
whole first chart (import, fonts, render).
Goal: every kind's p95 under 500 ms, so a chart answered off the event loop stays well inside
Discord's 15 minutes for a deferred answer and feels prompt.

    python bench/charts.py [--rounds 20] [--trusts 120] [--strikes 22] [--top 10]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.domain.figures import Figures  # noqa: E402
from bot.domain.records import Release, ReleaseStatus, StrikePeriod, Trust  # noqa: E402
from bot.domain.reports import Snapshot, build_snapshot  # noqa: E402
from bot.nhs.reference import calendar_seed, trust_seed  # noqa: E402
from bot.services import charts  # noqa: E402

IMPORT = "import matplotlib.figure, matplotlib.backends.backend_agg"


def snapshot(n_trusts: int, n_strikes: int) -> Snapshot:
    """The shipped calendar's strikes (then one every five weeks), one release each, every trust
    reporting in each but about one strike in twenty."""
    entries = calendar_seed()
    dates = [(e.start, e.end) for e in entries[:n_strikes]]
    while len(dates) < n_strikes:
        start = dates[-1][0] + timedelta(days=35)
        dates.append((start, start + timedelta(days=4)))
    periods = [StrikePeriod(n, s, e, "bench") for n, (s, e) in enumerate(dates, start=1)]
    releases = [
        Release(
            p.id,
            f"https://example.invalid/r{p.id}.xlsx",
            "",
            "",
            p.end + timedelta(days=14),
            f"{p.id:064x}",
            ReleaseStatus.INGESTED,
            None,
            p.id,
        )
        for p in periods
    ]
    trusts = trust_seed()[:n_trusts]
    trusts += [
        Trust(f"RZ{i:02d}", f"Bench Hospitals NHS Trust {i}", "London")
        for i in range(n_trusts - len(trusts))
    ]
    rng = random.Random(7)
    totals = {
        r.id: {
            t.org_code: Figures(rng.randint(0, 400), rng.randint(0, 2_000))
            for t in trusts
            if rng.random() > 0.05
        }
        for r in releases
    }
    return build_snapshot(("bench",), periods, releases, totals, trusts)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fresh(code: str, repeats: int = 3) -> float:
    """Median seconds `code` takes in a fresh interpreter (timed inside it, not the start-up)."""
    timed = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", timed], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.split()[-1]
        )
        for _ in range(repeats)
    ]
    return statistics.median(runs)


def render_times(
    rounds: int = 20, n_trusts: int = 120, n_strikes: int = 22, top: int = 10
) -> dict[str, tuple[float, float, float]]:
    """Each chart kind: median and p95 render time in ms, and the PNG's size in KB."""
    snap = snapshot(n_trusts, n_strikes)
    busiest = snap.league()[0].trust
    latest = charts.latest_published(snap)
    kinds = {
        "trust (/cancellations)": lambda: charts.trust_chart(snap.trust_report(busiest)),
        "England (/national)": lambda: charts.national_chart(snap.national_report()),
        f"top {top} (/top)": lambda: charts.top_chart(
            snap.league()[:top],
            f"Top {top} trusts: all strikes since December 2022",
            published=latest,
        ),
    }
    out = {}
    for name, render in kinds.items():
        chart = render()  # warm-up
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            render()
            times.append(time.perf_counter() - t)
        p50, p95 = statistics.median(times) * 1000, percentile(times, 0.95) * 1000
        out[name] = (p50, p95, len(chart.png) / 1024)
    return out


def print_render_times(times: dict[str, tuple[float, float, float]]) -> None:
    print(f"{'chart kind':<24} {'median ms':>10} {'p95 ms':>8} {'PNG KB':>8}")
    for name, (p50, p95, kb) in times.items():
        print(f"{name:<24} {p50:>10.0f} {p95:>8.0f} {kb:>8.0f}")
    worst = max(p95 for _, p95, _ in times.values())
    print(f"slowest kind p95 {worst:.0f} ms (goal < 500 ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--trusts", type=int, default=120)
    parser.add_argument("--strikes", type=int, default=22)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    print(
        f"data: {args.trusts} trusts x {args.strikes} strikes, "
        f"{args.rounds} renders per kind after one warm-up"
    )
    print_render_times(render_times(args.rounds, args.trusts, args.strikes, args.top))
    imported = fresh(IMPORT)
    first = fresh(
        "from bot.services.charts import trust_chart; from bot.domain.records import Trust; "
        "from bot.domain.reports import TrustReport; trust_chart(TrustReport(Trust('X', 'X', None), [], None, 0))"
    )
    print(f"matplotlib first import (fresh interpreter): {imported * 1000:.0f} ms")
    print(f"first chart in a fresh interpreter (import, fonts, render): {first * 1000:.0f} ms")


if __name__ == "__main__":
    main()
