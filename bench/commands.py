"""Benchmark: slash-command latency and memory, Strikewatch against a bare discord.py bot.

With 200 trusts x 40 strike periods stored, prints p50/p99 time from INTERACTION_CREATE to the
interaction callback (measured at the fake Discord) for `/cancellations` (no chart: the folded
answer, with England's share and the rank in the region) and for trust autocomplete, with 1 and
with 50 interactions in flight, beside a trivial command (a bot that answers "ok") through the same
fake in the same run; each bot process's RSS; and the render time of each chart kind.
Goals: /cancellations p99 within 2x the trivial command alone and under 500 ms at 50 in flight;
autocomplete p99 within 3x the trivial command; RSS within 2x the bare bot; a chart p95 < 500 ms.

    python bench/commands.py [--rounds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import open_seeded_store  # noqa: E402
from bot.domain.records import NewRelease, ReleaseStatus, TrustDay  # noqa: E402
from bot.domain.releases import record_release  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.fakediscord import FakeDiscord, make_guild  # noqa: E402
from tests.processes import BotProcess, clean_env  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from charts import print_render_times, render_times  # noqa: E402

TRUSTS = ["RTX", "Leeds", "Oxford", "Newcastle", "Morecambe Bay", "RR8", "royal free"]
QUERIES = ["mor", "royal", "leeds", "kings", "birm", "RTX", "oxford", "Newcastle", "guy", "sheff"]


async def fill_store(db: Path, n_trusts: int, n_periods: int) -> list[str]:
    """n_trusts x n_periods, five strike days each, straight through the store's interface."""
    store = await open_seeded_store(Settings(database_url=f"sqlite:///{db}"))
    codes = [t.org_code for t in await store.calendar.trusts()]
    codes += [f"RZ{i:02d}" for i in range(n_trusts - len(codes))]
    rng = random.Random(7)
    periods = await store.calendar.periods()
    extra = n_periods - len(periods)
    new_dates = [
        (date(2027, 1, 4) + timedelta(days=14 * i), date(2027, 1, 8) + timedelta(days=14 * i))
        for i in range(extra)
    ]
    targets = [(p.id, p.start, None) for p in periods[:n_periods]] + [
        (None, s, (s, e)) for s, e in new_dates
    ]
    for n, (period_id, start, new) in enumerate(targets):
        figures = [
            TrustDay(code, start + timedelta(days=d), rng.randint(0, 300), rng.randint(0, 1500))
            for code in codes
            for d in range(5)
        ]
        names = {
            c: (f"Bench Hospitals NHS Trust {c}", "London") for c in codes if c.startswith("RZ")
        }
        await record_release(
            store,
            NewRelease(
                url=f"https://example.invalid/r{n}.xlsx",
                published=start + timedelta(days=10),
                sha256=f"{n:064x}",
                status=ReleaseStatus.INGESTED,
                period_id=period_id,
            ),
            figures=figures,
            trust_names=names,
            new_period=new,
        )
    await store.close()
    return codes


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def latencies(fake: FakeDiscord, make, in_flight: int, rounds: int) -> list[float]:
    """Run `rounds` waves of `in_flight` concurrent interactions; the callback latency of each."""
    out: list[float] = []
    for _ in range(rounds):
        handles = await asyncio.gather(*(make(i) for i in range(in_flight)))
        for handle in handles:
            await handle.await_callback(10)
            out.append(handle.callback_latency)
    return out


def summary(values: list[float]) -> tuple[float, float]:
    return statistics.median(values) * 1000, percentile(values, 0.99) * 1000


async def measure_bot(fake: FakeDiscord, commands: dict, rounds: int) -> dict:
    results = {}
    for name, make in commands.items():
        await latencies(fake, make, 5, 2)  # warm up
        for in_flight in (1, 50):
            results[(name, in_flight)] = summary(
                await latencies(fake, make, in_flight, rounds * (25 if in_flight == 1 else 1))
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeDiscord([make_guild(name="Bench")]) as fake:
        tmp = Path(tmp)
        db = tmp / "bench.db"
        t = time.perf_counter()
        asyncio.run(fill_store(db, 200, 40))
        print(f"store: 200 trusts x 40 periods x 5 days filled in {time.perf_counter() - t:.1f} s")
        env = clean_env(DATABASE_URL=f"sqlite:///{db}", LOG_LEVEL="WARNING", **fake.env())

        async def run(argv: list[str] | None, commands: dict, label: str) -> tuple[dict, float]:
            identifies, syncs = fake.identify_count + 1, fake.global_sync_count + 1
            bot = BotProcess(env, tmp / f"{label}.log", argv=argv).start()
            try:
                await asyncio.to_thread(fake.wait_ready, 30, identifies)
                await asyncio.to_thread(fake.wait_for_sync, None, syncs, 30)
                results = await measure_bot(fake, commands, args.rounds)
                rss = psutil.Process(bot.process.pid).memory_info().rss / 2**20
            finally:
                bot.stop()
            return results, rss

        async def both():
            trivial, trivial_rss = await run(
                [sys.executable, str(ROOT / "bench" / "trivial_bot.py")],
                {"trivial /ping": lambda i: fake.ainvoke("ping")},
                "trivial",
            )
            ours, our_rss = await run(
                None,
                {
                    "/cancellations": lambda i: fake.ainvoke(
                        "cancellations",
                        {
                            "trust": QUERIES[i % len(QUERIES)]
                            if QUERIES[i % len(QUERIES)] in ("RTX", "leeds", "oxford", "Newcastle")
                            else "RTX"
                        },
                    ),
                    "trust autocomplete": lambda i: fake.aautocomplete(
                        "cancellations", "trust", QUERIES[i % len(QUERIES)]
                    ),
                },
                "strikewatch",
            )
            return trivial, trivial_rss, ours, our_rss

        trivial, trivial_rss, ours, our_rss = asyncio.run(both())
    print(f"{'command':<22} {'in flight':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for (name, in_flight), (p50, p99) in {**trivial, **ours}.items():
        print(f"{name:<22} {in_flight:>9} {p50:>8.1f} {p99:>8.1f}")
    base = trivial[("trivial /ping", 1)][1]
    c1, c50 = ours[("/cancellations", 1)][1], ours[("/cancellations", 50)][1]
    a1 = ours[("trust autocomplete", 1)][1]
    print(
        f"/cancellations p99 = {c1 / base:.1f}x the trivial command alone (goal <= 2x); at 50 in flight {c50:.0f} ms (goal < 500 ms)"
    )
    print(f"autocomplete p99 = {a1 / base:.1f}x the trivial command (goal <= 3x)")
    print(
        f"RSS: Strikewatch {our_rss:.0f} MB, bare discord.py bot {trivial_rss:.0f} MB = {our_rss / trivial_rss:.2f}x (goal <= 2x)"
    )
    print_render_times(render_times(rounds=10))


if __name__ == "__main__":
    main()
