"""Benchmark: 5,000 servers over 4 shards in 2 processes on one PostgreSQL store, one release.

Every server has an alert channel, the default thresholds and tracks one trust (RTX), whose
running total sits just below a trust milestone (900 of 1,000); one release takes it to 1,100, so
the store writes exactly one trust_milestone alert per server. Two bot processes run as the README
says (`python -m bot run`, SHARD_COUNT=4, SHARD_IDS=0-1 and 2-3, DATABASE_URL of a PostgreSQL
started from the machine's binaries, tests/pgserver.py), against one fake Discord that enforces
Discord-like limits (50 requests/s global, 5 messages per 5 s per channel, 429 beyond them) and
sends each server's events only to the process that owns its shard. The release is stored from
this process once every shard is READY.

Phase A: the time from storing the release until the fake holds every server's message, beside the
bound Discord's 50 requests/s sets (servers / 50 s), as a ratio; lost and doubled alerts, the 429s
and nonce hits. Then each process's RSS and, idle, `/cancellations trust:RTX` latency at the fake
(INTERACTION_CREATE sent -> interaction callback received), 1,000 calls one at a time in each
process's own servers; then the same command on one process with SQLite (no shard settings)
holding the same data (`strikewatch copy-store` of phase A's database).
Phase B (fresh database and fake): the same fan-out, and when about a third of the messages are
posted the process holding the `courier` role (the `roles` table) is killed with SIGKILL. Prints
the whole fan-out time, the time it adds to phase A's, lost and doubled, and which process took
over and after how long.

Goals: fan-out within 1.15x the bound, 0 lost, 0 doubled; the kill adds at most 30 s and loses and
doubles nothing; /cancellations p99 on each process within 2x the one-process SQLite bot's.

    python bench/scale.py [--guilds 5000] [--skip-kill] [--timeout SECONDS] [--calls 1000]
                          [--logs DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import gc
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import open_seeded_store  # noqa: E402
from bot.domain.alerts import AlertSettings  # noqa: E402
from bot.domain.milestones import NATIONAL_STEP  # noqa: E402
from bot.domain.records import NewRelease, ReleaseStatus, TrustDay  # noqa: E402
from bot.domain.releases import record_release  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.fakediscord import FakeDiscord, guild_id_on_shard, make_guild, shard_of  # noqa: E402
from tests.pgserver import PostgresNotFound, PostgresServer  # noqa: E402
from tests.pgserver import query as sql  # noqa: E402
from tests.processes import BotProcess, clean_env, strikewatch  # noqa: E402

GLOBAL_LIMIT = 50  # requests/s, Discord's global limit per bot
CHANNEL_LIMIT = (5, 5.0)  # messages per channel per 5 s
MESSAGE_ROUTE = r"^/channels/\d+/messages$"
SHARD_COUNT = 4
PROCESSES = ("0-1", "2-3")  # SHARD_IDS of each bot process
TRUST, TRUST_NAME = "RTX", "Morecambe Bay"
DEFAULTS = AlertSettings(0)  # the domain's default thresholds
# RTX: 900 before the release, 1,100 after it (5 strike days each); every other trust 300 a
# release, so England stays under its first milestone and each server gets one alert only.
RTX_BEFORE, RTX_RELEASE, OTHERS = 900, 200, 300
STARTUP_SECONDS = 300
LATENCY_CALLS = 1000  # per process: a p99 of 200 calls is the second-worst, too noisy to compare
WARM_UP = 5
FAIL_OVER_GOAL = 30.0  # seconds a courier kill may add
RATIO_GOAL = 1.15
LATENCY_GOAL = 2.0
PAUSE = 0.2  # seconds between two accepted messages counted as a pause in the fan-out


class BenchError(Exception):
    """The bench could not run (a bot or the database did not start, a wait ran out)."""


# ---------------------------------------------------------------- the store


def guilds_for(n: int) -> list[dict]:
    """n servers spread evenly over the shards, each with one text channel."""
    return [
        make_guild(
            guild_id_on_shard(i % SHARD_COUNT, SHARD_COUNT, i // SHARD_COUNT),
            name=f"Scale server {i}",
            channels=["strikes"],
        )
        for i in range(n)
    ]


def trust_days(code: str, start: date, total: int) -> list[TrustDay]:
    """`total` cancellations (a multiple of 25) over five strike days, a fifth of them inpatient."""
    per_day = total // 5
    return [
        TrustDay(code, start + timedelta(days=d), per_day // 5, per_day - per_day // 5)
        for d in range(5)
    ]


async def release_figures(store, period, rtx: int) -> list[TrustDay]:
    """Every trust's figures for one strike: RTX `rtx`, the others OTHERS each."""
    figures = []
    for trust in await store.calendar.trusts():
        code = trust.org_code
        figures += trust_days(code, period.start, rtx if code == TRUST else OTHERS)
    return figures


async def record(store, period, n: int, figures: list[TrustDay]) -> None:
    """Release number `n` (its own URL and bytes) of `period`, stored as ingest would."""
    await record_release(
        store,
        NewRelease(
            url=f"https://example.invalid/scale-{n}.xlsx",
            published=period.end + timedelta(days=10),
            sha256=str(n) * 64,
            status=ReleaseStatus.INGESTED,
            period_id=period.id,
        ),
        figures=figures,
    )


async def configure(url: str, channels: dict[int, int]) -> tuple[int, float]:
    """Every server with its alert channel, default thresholds and one tracked trust, in bulk;
    a poll recorded so the bots do not poll the NHS site; RTX's first release (900, below the
    milestone). Returns the number of trusts and the seconds it took."""
    started = time.perf_counter()
    store = await open_seeded_store(Settings(database_url=url))
    try:
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        await store.engine.executemany(
            "INSERT INTO guild_settings (guild_id, alert_channel_id, trust_every, national_every,"
            " updated_at) VALUES (?, ?, ?, ?, ?)",
            [
                (g, c, DEFAULTS.trust_every, DEFAULTS.national_every, now)
                for g, c in channels.items()
            ],
        )
        await store.engine.executemany(
            "INSERT INTO tracked_trusts (guild_id, org_code, added_at) VALUES (?, ?, ?)",
            [(g, TRUST, now) for g in channels],
        )
        poll = await store.polls.start()
        await store.polls.finish(poll, ok=True, summary={"bench": True}, error=None)
        period = (await store.calendar.periods())[0]
        figures = await release_figures(store, period, RTX_BEFORE)
        trusts = len({f.org_code for f in figures})
        await record(store, period, 1, figures)
    finally:
        await store.close()
    return trusts, time.perf_counter() - started


async def store_release(url: str) -> tuple[float, float, int]:
    """The release that takes RTX from 900 to 1,100; returns the monotonic time just after its
    transaction committed, the seconds the transaction took, and England's total after it."""
    store = await open_seeded_store(Settings(database_url=url))
    try:
        period = (await store.calendar.periods())[1]
        figures = await release_figures(store, period, RTX_RELEASE)
        started = time.monotonic()
        await record(store, period, 2, figures)
        stored = time.monotonic()
        trusts = len({f.org_code for f in figures})
        england = sum(f.inpatient + f.outpatient for f in figures)
        england += RTX_BEFORE + OTHERS * (trusts - 1)  # the first release
    finally:
        await store.close()
    return stored, stored - started, england


def outbox(url: str) -> dict[str, int]:
    return {
        r["status"]: r["n"]
        for r in sql(url, "SELECT status, count(*) AS n FROM alerts GROUP BY status")
    }


def courier_pid(url: str) -> int | None:
    found = sql(url, "SELECT pid FROM roles WHERE role = 'courier'")
    return found[0]["pid"] if found else None


# ---------------------------------------------------------------- measuring


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def p50_p99(values: list[float]) -> tuple[float, float]:
    """In milliseconds; NaN when there is nothing to measure."""
    if not values:
        return float("nan"), float("nan")
    return statistics.median(values) * 1000, percentile(values, 0.99) * 1000


def memory_mb(pid: int) -> tuple[float, float | None]:
    """RSS now and its peak (VmHWM, Linux), in MB."""
    rss = psutil.Process(pid).memory_info().rss / 2**20
    peak = None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, peak


def posted(fake: FakeDiscord, channel_ids: list[int]) -> int:
    """Servers whose channel holds at least one message (read without the fake's lock: cheap)."""
    messages = fake.messages
    return sum(1 for c in channel_ids if messages.get(c))


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """The fake runs in this interpreter: a full collection over its 5,000 guilds stalled it for
    ~150 ms mid fan-out, and the requests it then took in a burst counted 51 in one second (two
    429s the bot did not cause). While measuring, long-lived objects are left out of collections."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


async def command_latency(fake: FakeDiscord, guild_ids: list[int]) -> tuple[list[float], int]:
    """`/cancellations trust:RTX` one at a time in these servers; callback latencies, and how
    many answers did not show the trust or did not come within 10 s."""
    bad = 0
    latencies = []
    for i, gid in enumerate([*guild_ids[:WARM_UP], *guild_ids]):
        handle = await fake.ainvoke("cancellations", {"trust": TRUST}, guild_id=gid)
        try:
            reply = await handle.await_response(10)
        except TimeoutError:
            bad += i >= WARM_UP
            continue
        if i < WARM_UP:
            continue  # the first answer after a release rebuilds the snapshot
        latencies.append(handle.callback_latency)
        if not (reply.embeds and TRUST_NAME in (reply.embeds[0].get("title") or "")):
            bad += 1
    return latencies, bad


def spread(ids: list[int], count: int) -> list[int]:
    """`count` ids taken evenly from `ids` (repeating when there are fewer)."""
    return [
        ids[(i * len(ids)) // count if count <= len(ids) else i % len(ids)] for i in range(count)
    ]


def log_problems(text: str) -> Counter:
    return Counter(
        re.sub(r"next run at: [^)]*", "...", line)[:120]
        for line in (re.sub(r"^\d{4}-\d\d-\d\d \S+ ", "", x) for x in text.splitlines())
        if line.startswith(("WARNING", "ERROR", "CRITICAL"))
        or re.match(r"[\w.]+(Error|Exception)\b", line)
    )


# ---------------------------------------------------------------- one deployment


@dataclass
class Fanout:
    label: str
    n: int
    stored_at: float = 0.0
    tx_seconds: float = 0.0
    england: int = 0
    pending: int = 0
    startup: float = 0.0
    first: float | None = None  # seconds from the store to the first message
    last: float | None = None  # ... to the last server's first message
    lost: int = 0
    doubled: int = 0
    messages: int = 0
    stray: int = 0
    posts: Counter = field(default_factory=Counter)
    limited: Counter = field(default_factory=Counter)
    nonce_hits: int = 0
    resends: int = 0
    achieved: float = 0.0
    max_gap: tuple[float, float] = (0.0, 0.0)
    pauses: list[tuple[float, float]] = field(default_factory=list)  # (gap, at) over PAUSE s
    box: dict[str, int] = field(default_factory=dict)
    retried_rows: int = 0
    bots: dict[str, dict] = field(default_factory=dict)  # SHARD_IDS -> pid, rss, peak, exit, log
    kill: dict | None = None
    latency: dict[str, tuple[list[float], int]] = field(default_factory=dict)
    sqlite: dict | None = None


class Deployment:
    """A fresh database and fake Discord, and the two bot processes on them."""

    def __init__(self, pg: PostgresServer, guilds: list[dict], tmp: Path, label: str) -> None:
        self.pg, self.tmp, self.label = pg, tmp, label
        self.guilds = copy.deepcopy(guilds)
        self.channels = {int(g["id"]): int(g["channels"][0]["id"]) for g in self.guilds}
        self.channel_ids = list(self.channels.values())
        self.n = len(self.guilds)
        self.url = pg.create_database(f"scale_{label}")
        self.fake: FakeDiscord | None = None
        self.bots: dict[str, BotProcess] = {}
        self.env: dict[str, str] = {}

    def guilds_of(self, spec: str) -> list[int]:
        low, _, high = spec.partition("-")
        shards = range(int(low), int(high or low) + 1)
        return [g for g in self.channels if shard_of(g, SHARD_COUNT) in shards]

    def start(self) -> float:
        self.fake = FakeDiscord(
            self.guilds,
            rate_limits=True,
            global_rate_limit=GLOBAL_LIMIT,
            channel_message_limit=CHANNEL_LIMIT,
            connect_timeout=30.0,
        ).start()
        self.env = clean_env(
            DATABASE_URL=self.url,
            NHS_INDEX_URL="http://127.0.0.1:9/",
            POLL_INTERVAL_MINUTES="1440",
            SHARD_COUNT=str(SHARD_COUNT),
            LOG_LEVEL="INFO",  # "ready as ...: N servers", courier passes, role changes
            **self.fake.env(),
        )
        started = time.monotonic()
        for spec in PROCESSES:
            env = {**self.env, "SHARD_IDS": spec}
            log = self.tmp / f"{self.label}-shards-{spec}.log"
            self.bots[spec] = BotProcess(env, log).start()
        deadline = started + STARTUP_SECONDS
        while True:
            self.check_alive()
            try:
                self.fake.wait_shards_ready(SHARD_COUNT, timeout=1.0)
                break
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise BenchError(
                        f"{self.label}: shards not READY after {STARTUP_SECONDS} s:"
                        f" {self.fake.connected_shards} connected"
                    ) from None
        for spec, bot in self.bots.items():
            servers = len(self.guilds_of(spec))
            try:
                bot.wait_for_log(
                    f": {servers} servers, shards", timeout=max(5, deadline - time.monotonic())
                )
            except AssertionError as exc:
                raise BenchError(f"{self.label}: shards {spec}: {str(exc)[-2000:]}") from None
        if not wait_until(lambda: courier_pid(self.url) is not None, 30, 0.2):
            raise BenchError(f"{self.label}: no process took the courier role")
        return time.monotonic() - started

    def check_alive(self) -> None:
        for spec, bot in self.bots.items():
            if bot.process.poll() is not None:
                raise BenchError(
                    f"{self.label}: the bot for shards {spec} exited ({bot.process.returncode}):\n"
                    + bot.log[-3000:]
                )

    def spec_of(self, pid: int) -> str | None:
        return next((s for s, b in self.bots.items() if b.process.pid == pid), None)

    def stop(self) -> dict[str, int | None]:
        codes: dict[str, int | None] = {}
        for spec, bot in self.bots.items():
            if bot.process is not None:
                codes[spec] = bot.stop()  # only signals a running process; closes its log
        return codes

    def close(self) -> None:
        try:
            self.stop()
        finally:
            if self.fake is not None:
                self.fake.stop()
                self.fake = None


def fan_out(d: Deployment, timeout: float, kill: bool) -> Fanout:
    """Store the release, wait for every server's message (killing the courier on the way when
    `kill`), let the outbox settle, and collect what the fake saw."""
    fake = d.fake
    assert fake is not None
    r = Fanout(d.label, d.n)
    with quiet_gc():
        return _fan_out(d, fake, r, timeout, kill)


def _fan_out(d: Deployment, fake: FakeDiscord, r: Fanout, timeout: float, kill: bool) -> Fanout:
    r.stored_at, r.tx_seconds, r.england = asyncio.run(store_release(d.url))
    r.pending = outbox(d.url).get("pending", 0)
    deadline = r.stored_at + timeout
    if kill:
        third = max(1, d.n // 3)
        if not wait_until(lambda: posted(fake, d.channel_ids) >= third, timeout, 0.01):
            raise BenchError(f"{d.label}: a third of the fan-out not posted within {timeout:.0f} s")
        pid = courier_pid(d.url)
        victim = d.spec_of(pid) if pid else None
        if victim is None:
            raise BenchError(f"{d.label}: the courier (pid {pid}) is not one of the bots")
        d.bots[victim].kill()  # SIGKILL, as a machine would die
        killed_at = time.monotonic()
        at_kill = posted(fake, d.channel_ids)
        holder = None

        def taken() -> bool:
            nonlocal holder
            holder = courier_pid(d.url)
            return holder is not None and holder != pid

        role_seen = wait_until(taken, 90, 0.1)
        role_after = time.monotonic() - killed_at if role_seen else None
        r.kill = {
            "victim": victim,
            "pid": pid,
            "at": killed_at,
            "posted": at_kill,
            "holder": holder if role_seen else None,
            "holder_spec": d.spec_of(holder) if role_seen and holder else None,
            "role_after": role_after,
        }
    wait_until(
        lambda: posted(fake, d.channel_ids) >= d.n, max(0.0, deadline - time.monotonic()), 0.05
    )
    # A resend after a 429, a timeout or the kill could double a message later: let it settle.
    wait_until(lambda: outbox(d.url).get("pending", 0) == 0, 15, 0.5)
    time.sleep(2.0)
    r.box = outbox(d.url)
    r.retried_rows = sql(d.url, "SELECT count(*) AS n FROM alerts WHERE attempts > 1")[0]["n"]

    per_channel = {c: fake.channel_messages(c) for c in d.channel_ids}
    firsts = sorted(m.time for msgs in per_channel.values() for m in msgs[:1])
    r.messages = sum(len(v) for v in per_channel.values())
    r.stray = len(fake.all_messages) - r.messages
    r.lost = sum(1 for msgs in per_channel.values() if not msgs)
    r.doubled = sum(1 for msgs in per_channel.values() if len(msgs) > 1)
    if firsts:
        r.first, r.last = firsts[0] - r.stored_at, firsts[-1] - r.stored_at
    posts = fake.requests_matching("POST", MESSAGE_ROUTE)
    r.posts = Counter(p.status for p in posts)
    r.limited = Counter("global" if x["global"] else "route" for x in fake.rate_limited)
    r.nonce_hits = fake.nonce_hits
    seen: set[str] = set()
    for p in sorted(posts, key=lambda p: p.time):
        if p.path in seen:
            r.resends += 1
        elif p.status == 200:
            seen.add(p.path)
    accepted = sorted(p.time for p in posts if p.status == 200)
    if len(accepted) > 1:
        r.achieved = len(accepted) / max(1e-9, accepted[-1] - accepted[0])
        r.pauses = [
            (b - a, b - r.stored_at)
            for a, b in zip(accepted, accepted[1:], strict=False)
            if b - a > PAUSE
        ]
        r.max_gap = max(
            (b - a, b - r.stored_at) for a, b in zip(accepted, accepted[1:], strict=False)
        )
    if r.kill is not None:
        killed_at = r.kill["at"]
        # What the killed process had in flight is accepted within 1 s of the kill; the rest is
        # the new courier's.
        after = [t for t in accepted if t > killed_at + 1.0]
        r.kill["in_flight"] = sum(1 for t in accepted if killed_at <= t <= killed_at + 1.0)
        r.kill["resumed"] = after[0] - killed_at if after else None
    return r


def finish(d: Deployment, r: Fanout) -> None:
    """Stop the bots and keep their exit codes and log problems."""
    codes = d.stop()
    for spec, bot in d.bots.items():
        info = r.bots.setdefault(spec, {"pid": bot.process.pid})
        info["exit"] = codes.get(spec)
        info["problems"] = log_problems(bot.log)
        info["log"] = bot.log_path.name


# ---------------------------------------------------------------- phases


def phase_a(
    pg: PostgresServer, guilds: list[dict], tmp: Path, timeout: float, calls: int
) -> Fanout:
    d = Deployment(pg, guilds, tmp, "a")
    try:
        trusts, seconds = asyncio.run(configure(d.url, d.channels))
        say(f"phase A: {d.n} servers configured in PostgreSQL in {seconds:.1f} s ({trusts} trusts)")
        startup = d.start()
        say(f"phase A: both processes ready after {startup:.1f} s; storing the release")
        r = fan_out(d, timeout, kill=False)
        r.startup = startup
        say(f"phase A: fan-out done ({r.last or 0:.1f} s); RSS, then /cancellations latency")
        d.check_alive()
        for spec, bot in d.bots.items():
            rss, peak = memory_mb(bot.process.pid)
            r.bots[spec] = {"pid": bot.process.pid, "rss": rss, "peak": peak}
        courier = courier_pid(d.url)
        for info in r.bots.values():
            info["courier"] = info["pid"] == courier
        for spec in PROCESSES:
            with quiet_gc():
                r.latency[spec] = asyncio.run(
                    command_latency(d.fake, spread(d.guilds_of(spec), calls))
                )
        for spec, bot in d.bots.items():
            r.bots[spec]["rss_after_commands"] = memory_mb(bot.process.pid)[0]
        finish(d, r)
        # One process on SQLite holding the same data, against the same fake (its command table
        # is already synced there; the store's sync hash came along with the copy).
        say("phase A: copying the store to SQLite for the one-process baseline")
        r.sqlite = sqlite_baseline(d, tmp, calls)
    finally:
        d.close()
    return r


def sqlite_baseline(d: Deployment, tmp: Path, calls: int) -> dict:
    db = tmp / "baseline.db"
    started = time.perf_counter()
    copied = strikewatch(clean_env(), "copy-store", d.url, f"sqlite:///{db}", timeout=300)
    if copied.returncode != 0:
        raise BenchError(f"copy-store failed ({copied.returncode}): {copied.stderr[-2000:]}")
    copy_seconds = time.perf_counter() - started
    env = {k: v for k, v in d.env.items() if k not in ("SHARD_COUNT", "SHARD_IDS", "DATABASE_URL")}
    env["DATABASE_URL"] = f"sqlite:///{db}"
    bot = BotProcess(env, tmp / "a-sqlite.log").start()
    try:
        try:
            bot.wait_for_log(f": {d.n} servers, shards", timeout=STARTUP_SECONDS)
        except AssertionError as exc:
            raise BenchError(f"SQLite bot: {str(exc)[-2000:]}") from None
        sample = [g for spec in PROCESSES for g in spread(d.guilds_of(spec), calls // 2)]
        with quiet_gc():
            latencies, bad = asyncio.run(command_latency(d.fake, sample))
        rss, peak = memory_mb(bot.process.pid)
    finally:
        code = bot.stop()
    return {
        "copy_seconds": copy_seconds,
        "latency": latencies,
        "bad": bad,
        "rss": rss,
        "peak": peak,
        "exit": code,
        "problems": log_problems(bot.log),
    }


def phase_b(pg: PostgresServer, guilds: list[dict], tmp: Path, timeout: float) -> Fanout:
    d = Deployment(pg, guilds, tmp, "b")
    try:
        asyncio.run(configure(d.url, d.channels))
        startup = d.start()
        say(f"phase B: both processes ready after {startup:.1f} s; storing the release")
        r = fan_out(d, timeout, kill=True)
        r.startup = startup
        for spec, bot in d.bots.items():
            r.bots[spec] = {"pid": bot.process.pid}
        finish(d, r)
    finally:
        d.close()
    return r


# ---------------------------------------------------------------- report


def say(text: str) -> None:
    print(f"... {text}", file=sys.stderr, flush=True)


def print_fanout(r: Fanout, bound: float) -> float:
    print(
        f"release stored in {r.tx_seconds:.2f} s (one transaction: {r.pending} outbox rows);"
        f" England now {r.england:,} (under {NATIONAL_STEP:,}: no national alert)"
    )
    print(f"startup: both processes READY on all {SHARD_COUNT} shards after {r.startup:.1f} s")
    ratio = float("inf")
    if r.last is not None and r.first is not None:
        ratio = r.last / bound
        lost = f" (incomplete: {r.lost} servers never got theirs)" if r.lost else ""
        print(
            f"  stored -> last message: {r.last:.1f} s; bound {bound:.1f} s;"
            f" ratio {ratio:.3f}{lost}"
        )
        print(f"  stored -> first message: {r.first:.1f} s")
        gap, at = r.max_gap
        print(
            f"  achieved {r.achieved:.1f} messages/s; longest pause between accepted messages"
            f" {gap * 1000:.0f} ms (at +{at:.1f} s)"
        )
        where = ", ".join(f"+{at:.0f}" for _, at in r.pauses[:12])
        more = ", ..." if len(r.pauses) > 12 else ""
        print(
            f"  {len(r.pauses)} pauses over {PAUSE * 1000:.0f} ms, {sum(g for g, _ in r.pauses):.1f} s"
            f" in all{f' (ending at {where}{more} s)' if r.pauses else ''}"
        )
    else:
        print("  no message arrived")
    print(
        f"  messages: {r.messages} for {r.n} servers; lost {r.lost}, doubled {r.doubled},"
        f" elsewhere {r.stray}"
    )
    print(
        f"  POST /channels/*/messages: {sum(r.posts.values())} ({dict(sorted(r.posts.items()))});"
        f" 429s: {sum(r.limited.values())} ({dict(r.limited)}); nonce hits: {r.nonce_hits};"
        f" resends to an already-posted channel: {r.resends}"
    )
    print(f"  outbox after: {r.box}; rows sent after more than one attempt: {r.retried_rows}")
    return ratio


def print_bots(r: Fanout) -> None:
    for spec, info in r.bots.items():
        problems: Counter = info.get("problems", Counter())
        print(
            f"  shards {spec} (pid {info['pid']}): exit {info.get('exit')};"
            f" {sum(problems.values())} warnings/errors in {info.get('log')}"
        )
        for text, count in problems.most_common(4):
            print(f"      {count:>4} x {text}")


def report(a: Fanout, b: Fanout | None, n: int) -> None:
    bound = n / GLOBAL_LIMIT
    print(
        f"\n{n} servers over {SHARD_COUNT} shards in {len(PROCESSES)} processes"
        f" (SHARD_IDS {', '.join(PROCESSES)}) on PostgreSQL; one trust_milestone alert each"
        f" ({TRUST} {RTX_BEFORE:,} -> {RTX_BEFORE + RTX_RELEASE:,}); bound {n} / {GLOBAL_LIMIT}/s"
        f" = {bound:.1f} s"
    )
    print("\nPhase A: fan-out, no kill")
    ratio_a = print_fanout(a, bound)
    print_bots(a)

    print(
        "\n/cancellations trust:RTX (idle, one at a time; INTERACTION_CREATE -> callback at the fake)"
    )
    assert a.sqlite is not None
    base_p50, base_p99 = p50_p99(a.sqlite["latency"])
    print(f"  {'bot':<34} {'calls':>5} {'p50 ms':>7} {'p99 ms':>7} {'p99 / SQLite':>12} {'bad':>4}")
    worst = 0.0
    for spec, (values, bad) in a.latency.items():
        p50, p99 = p50_p99(values)
        worst = max(worst, p99 / base_p99)
        courier = ", courier" if a.bots[spec].get("courier") else ""
        label = f"PostgreSQL, shards {spec}{courier}"
        print(
            f"  {label:<34} {len(values):>5} {p50:>7.1f} {p99:>7.1f}"
            f" {p99 / base_p99:>11.2f}x {bad:>4}"
        )
    print(
        f"  {'SQLite, one process, all servers':<34} {len(a.sqlite['latency']):>5}"
        f" {base_p50:>7.1f} {base_p99:>7.1f} {1:>11.2f}x {a.sqlite['bad']:>4}"
    )
    print(
        f"  (SQLite store: `strikewatch copy-store` of phase A's database in"
        f" {a.sqlite['copy_seconds']:.1f} s; bot exit {a.sqlite['exit']},"
        f" {sum(a.sqlite['problems'].values())} warnings/errors in its log)"
    )
    for text, count in a.sqlite["problems"].most_common(3):
        print(f"      {count:>4} x {text}")

    print("\nRSS per process (MB; peak = VmHWM)")
    for spec, info in a.bots.items():
        role = " (courier)" if info.get("courier") else ""
        peak = f"{info['peak']:.0f}" if info.get("peak") else "?"
        print(
            f"  PostgreSQL, shards {spec}{role}: {info['rss']:.0f} after the fan-out (peak {peak}),"
            f" {info['rss_after_commands']:.0f} after the commands"
        )
    peak = f"{a.sqlite['peak']:.0f}" if a.sqlite.get("peak") else "?"
    print(
        f"  SQLite, one process, {n} servers: {a.sqlite['rss']:.0f} after the commands (peak {peak})"
    )

    met_kill = None
    if b is not None:
        print("\nPhase B: fan-out with the courier killed (SIGKILL) after about a third")
        ratio_b = print_fanout(b, bound)
        k = b.kill or {}
        extra = (b.last - a.last) if b.last is not None and a.last is not None else None
        if extra is not None:
            print(
                f"  fan-out {b.last:.1f} s vs {a.last:.1f} s without the kill: +{extra:.1f} s"
                f" (ratio {ratio_b:.3f})"
            )
        print(
            f"  killed shards {k.get('victim')} (pid {k.get('pid')}) with {k.get('posted')} of {n}"
            f" servers posted; {k.get('in_flight', 0)} more accepted within 1 s of it (in flight)"
        )
        if k.get("holder"):
            resumed = k.get("resumed")
            resumed_text = f"{resumed:.1f} s" if resumed is not None else "never"
            print(
                f"  taken over by shards {k.get('holder_spec')} (pid {k['holder']}): roles table shows"
                f" it {k['role_after']:.1f} s after the kill; next message posted {resumed_text}"
                " after the kill"
            )
        else:
            print("  no other process took the courier role within 90 s")
        print_bots(b)
        met_kill = extra is not None and extra <= FAIL_OVER_GOAL and b.lost == 0 and b.doubled == 0

    print("\nGoals")
    met = ratio_a <= RATIO_GOAL and a.lost == 0 and a.doubled == 0
    print(
        f"  fan-out <= {RATIO_GOAL}x the bound, 0 lost, 0 doubled:"
        f" {'met' if met else 'NOT met'} ({ratio_a:.3f}x)"
    )
    if met_kill is not None:
        print(
            f"  courier kill adds <= {FAIL_OVER_GOAL:.0f} s, 0 lost, 0 doubled:"
            f" {'met' if met_kill else 'NOT met'}"
        )
    print(
        f"  /cancellations p99 on each process <= {LATENCY_GOAL:.0f}x one-process SQLite:"
        f" {'met' if worst <= LATENCY_GOAL else 'NOT met'} (worst {worst:.2f}x)"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guilds", type=int, default=5000)
    parser.add_argument("--skip-kill", action="store_true", help="only phase A (no courier kill)")
    parser.add_argument(
        "--timeout", type=float, help="seconds to wait for a fan-out (default: 2x the bound + 60)"
    )
    parser.add_argument(
        "--calls",
        type=int,
        default=LATENCY_CALLS,
        help=f"/cancellations calls per process for the latency (default {LATENCY_CALLS})",
    )
    parser.add_argument("--logs", type=Path, help="copy the bots' logs into this directory")
    args = parser.parse_args()
    if args.guilds < 2 * SHARD_COUNT:
        parser.error(f"--guilds: at least {2 * SHARD_COUNT}")
    n = args.guilds
    timeout = args.timeout or 2 * n / GLOBAL_LIMIT + 60
    # A SIGTERM must still stop the bots and PostgreSQL (the finally blocks below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    guilds = guilds_for(n)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        try:
            try:
                pg = PostgresServer()
            except PostgresNotFound as exc:
                raise BenchError(str(exc)) from None
            with pg:
                say(f"PostgreSQL {pg.bin_dir.parent.name} on port {pg.port}")
                a = phase_a(pg, guilds, tmp, timeout, max(2, args.calls))
                b = None if args.skip_kill else phase_b(pg, guilds, tmp, timeout)
        finally:
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for log in tmp.glob("*.log"):
                    shutil.copy(log, args.logs / log.name)
        report(a, b, n)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        sys.exit(f"bench/scale.py could not run: {exc}")
