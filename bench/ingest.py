"""Benchmark: ingest 28 generated releases (140 trusts) from scratch vs. merely reading them.

Prints, in one run: python-calamine's bare read of the workbooks (the floor), `import` of the same
files into a fresh store, a full poll of the NHS replica from scratch, the requests and bytes of a
poll where nothing changed, and the peak RSS of the measuring process.
Goals on a 2-core machine: ingest within 2x the bare read on SQLite and 3x on PostgreSQL (with
--postgres: a real server started from the machine's binaries); an unchanged poll makes one request
and downloads no workbook; peak RSS under 150 MB.

Each release carries its workforce part (staff absent per trust and day: its own sheet, wide or
long, or beside the figures), as NHS England's do; --no-workforce leaves it out.

    python bench/ingest.py [--releases 28] [--trusts 140] [--postgres] [--no-workforce]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def generate(
    folder: Path, n_releases: int, n_trusts: int, workforce: bool = True
) -> list[tuple[str, str]]:
    """Write n_releases workbooks over the calendar's first strikes; returns (file, link text)."""
    from bot.nhs.reference import calendar_seed
    from tests.replica import workbooks as wb

    trusts = dict(wb.reference_trusts())
    for i in range(n_trusts - len(trusts)):
        trusts[f"RZ{i}"] = (f"Bench Extra Hospitals NHS Trust {i}", "London")
    trusts = dict(list(trusts.items())[:n_trusts])
    periods = calendar_seed()
    shapes = [wb.wide_workbook, wb.wide_workbook, wb.totals_workbook, wb.long_workbook]
    staff_layouts = ["wide", "beside", "long", "beside"]  # by shape: on its own sheet or beside
    out = []
    for i in range(n_releases):
        period = periods[i % len(periods)]
        start = period.start + timedelta(
            days=365 * (i // len(periods)) * 3
        )  # beyond 34: later years
        end = start + (period.end - period.start)
        days = [start + timedelta(days=d) for d in range((end - start).days + 1)][:5]
        release = wb.make_release(trusts, days, seed=i, missing=0.02)
        staff = {}
        if workforce:
            wb.add_workforce(release, seed=i)
            staff = {"workforce": staff_layouts[i % len(shapes)]}
        name = f"workforce-and-reschedule-sitrep-{(end + timedelta(days=5)):%Y%m%d}-{i:02d}.xlsx"
        (folder / name).write_bytes(
            shapes[i % len(shapes)](release, notes_rows=12, regions=True, **staff)
        )
        out.append((name, release.title))
    return out


def measure(folder: Path, links: list[tuple[str, str]], postgres: bool = False) -> dict:
    """Runs in a fresh process, so its peak RSS is the ingest's alone."""
    from python_calamine import CalamineWorkbook

    from bot.app import open_seeded_store
    from bot.nhs.fetch import Fetcher, make_client
    from bot.nhs.ingest import Ingestor
    from bot.nhs.poller import Poller
    from bot.settings import Settings
    from tests.replica.server import NHSReplica

    files = [folder / name for name, _ in links]
    datas = [f.read_bytes() for f in files]

    def bare_read() -> float:
        t = time.perf_counter()
        for data in datas:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            for sheet in book.sheet_names:
                book.get_sheet_by_name(sheet).to_python()
        return time.perf_counter() - t

    bare_read()  # warm caches and imports once, for both sides

    server = None
    if postgres:
        from tests.pgserver import PostgresServer

        server = PostgresServer().start()

    def database_url(db: Path) -> str:
        return server.create_database(db.stem) if server else f"sqlite:///{db}"

    staff_read: list[int] = []  # per ingest: how many releases had their workforce part read

    async def ingest_files(db: Path) -> float:
        settings = Settings(database_url=database_url(db))
        store = await open_seeded_store(settings)
        t = time.perf_counter()
        outcomes = await Ingestor(store, settings).import_files(files)
        elapsed = time.perf_counter() - t
        await store.close()
        assert sum(o.kind == "new" for o in outcomes) + sum(
            o.kind == "revised" for o in outcomes
        ) == len(files), [o.message for o in outcomes if o.kind == "skipped"]
        staff_read.append(sum(o.workforce.startswith("staff absent read") for o in outcomes))
        return elapsed

    async def polls(db: Path) -> dict:
        with NHSReplica() as nhs:
            for (name, text), data in zip(links, datas, strict=True):
                nhs.add_file(f"/wp-content/uploads/2022/11/{name}", data, link_text=text)
            settings = Settings(database_url=database_url(db), nhs_index_url=nhs.page_url)
            store = await open_seeded_store(settings)
            async with make_client(settings.http_user_agent, 30) as client:
                poller = Poller(store, settings, Fetcher(client, deadline=30, retries=0, backoff=0))
                t = time.perf_counter()
                first = await poller.poll()
                first_time = time.perf_counter() - t
                nhs.reset_log()
                second = await poller.poll()
            await store.close()
            workbook_bytes = sum(r.bytes_sent for r in nhs.requests if r.path != nhs.page_path)
            return {
                "first_poll_s": first_time,
                "first_poll_new": len(first.of("new")) + len(first.of("revised")),
                "unchanged_requests": nhs.count(),
                "unchanged_page_status": [
                    r.status for r in nhs.requests if r.path == nhs.page_path
                ],
                "unchanged_workbook_bytes": workbook_bytes,
                "unchanged_bytes_received": second.bytes,
                "unchanged_new": len(second.of("new")) + len(second.of("revised")),
            }

    with tempfile.TemporaryDirectory() as tmp:
        # This machine's speed drifts, so each ingest is paired with a bare read taken just before
        # it; the median of 15 pairs moves less from one run of the bench to the next than of 7.
        pairs = [
            (bare_read(), asyncio.run(ingest_files(Path(tmp) / f"import{i}.db"))) for i in range(15)
        ]
        ratios = sorted(ingest / read for read, ingest in pairs)
        poll = asyncio.run(polls(Path(tmp) / "poll.db"))
    if server:
        server.cleanup()
    return {
        "files": len(files),
        "bytes": sum(len(d) for d in datas),
        "bare_read_s": statistics.median(read for read, _ in pairs),
        "ingest_s": statistics.median(ingest for _, ingest in pairs),
        "ratio_median": statistics.median(ratios),
        "ratio_range": [ratios[0], ratios[-1]],
        "workforce_read": min(staff_read),
        **poll,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=28)
    parser.add_argument("--trusts", type=int, default=140)
    parser.add_argument("--postgres", action="store_true", help="store into PostgreSQL")
    parser.add_argument(
        "--no-workforce", action="store_true", help="releases without their workforce part"
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        spec = json.loads(Path(args.measure).read_text())
        print(json.dumps(measure(Path(spec["folder"]), spec["links"], spec["postgres"])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        links = generate(folder, args.releases, args.trusts, workforce=not args.no_workforce)
        spec = folder / "spec.json"
        spec.write_text(
            json.dumps({"folder": str(folder), "links": links, "postgres": args.postgres})
        )
        env = {**os.environ, "LOG_LEVEL": "WARNING"}
        child = subprocess.run(
            [sys.executable, __file__, "--measure", str(spec)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp,
        )
        if child.returncode != 0:
            sys.exit(child.stderr)
        r = json.loads(child.stdout.strip().splitlines()[-1])
    ratio, (low, high) = r["ratio_median"], r["ratio_range"]
    goal = 3 if args.postgres else 2
    print(
        f"store: {'PostgreSQL' if args.postgres else 'SQLite'};"
        f" workforce part {'left out' if args.no_workforce else 'read'}"
    )
    print(
        f"releases: {r['files']} workbooks, {args.trusts} trusts each, {r['bytes'] / 1e6:.1f} MB;"
        f" workforce part read in {r['workforce_read']}"
    )
    print(
        f"bare read (python-calamine, all sheets):  {r['bare_read_s'] * 1000:8.0f} ms   (the floor)"
    )
    print(
        f"ingest from scratch (import, parse+store): {r['ingest_s'] * 1000:8.0f} ms   = {ratio:.2f}x the bare read (paired range {low:.2f}-{high:.2f}; goal <= {goal}x)"
    )
    print(
        f"first poll from scratch (HTTP+ingest):     {r['first_poll_s'] * 1000:8.0f} ms   ({r['first_poll_new']} releases stored)"
    )
    print(
        f"unchanged poll: {r['unchanged_requests']} request(s), page status {r['unchanged_page_status']},"
        f" {r['unchanged_workbook_bytes']} workbook bytes, {r['unchanged_new']} new (goal: 1 request, 0 bytes)"
    )
    print(f"peak RSS of the measuring process: {r['peak_rss_mb']:.0f} MB (goal < 150 MB)")


if __name__ == "__main__":
    main()
