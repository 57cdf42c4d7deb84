"""Benchmark: one release crossing a national milestone in 1,000 servers, delivered through Discord limits.

The fake Discord enforces Discord-like limits (50 requests/s global, 5 messages per 5 s per channel,
answering 429 beyond them). 1,000 servers each have an alert channel and default thresholds; one
release takes England's running total past 100,000, so the store writes one national_milestone
alert per server into the outbox. The bot runs as its own process (`python -m bot run`), and the
release is stored from this process while the bot is connected (or, with --before-start, before
the bot starts). Prints the time until the fake holds every server's message beside the
rate-limit bound (messages / 50 per s = 20 s for 1,000), as a ratio, with lost and doubled alerts,
the 429s the fake answered and the nonce hits (resends answered with the earlier message).
Goals: ratio under 1.2; no alert lost; none doubled.

The bot checks its outbox every 5 s, so "stored -> first message" can be 0-5 s; storing right after
the bot is ready makes it about the same in every run (~3 s here).

    python bench/alerts.py [--guilds 1000] [--before-start] [--timeout 120]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import open_seeded_store  # noqa: E402
from bot.domain.records import NewRelease, ReleaseStatus, TrustDay  # noqa: E402
from bot.domain.releases import record_release  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.fakediscord import FakeDiscord, make_guild  # noqa: E402
from tests.processes import BotProcess, clean_env  # noqa: E402

GLOBAL_LIMIT = 50  # requests/s, Discord's global limit per bot
CHANNEL_LIMIT = (5, 5.0)  # messages per channel per 5 s
MESSAGE_ROUTE = r"^/channels/\d+/messages$"


async def configure(db: Path, channels: dict[int, int]) -> None:
    """Every server with its alert channel and default thresholds; a poll recorded so the bot
    does not poll the NHS site during the run."""
    store = await open_seeded_store(Settings(database_url=f"sqlite:///{db}"))
    try:
        for guild_id, channel_id in channels.items():
            await store.servers.update(guild_id, channel_id=channel_id)
        poll = await store.polls.start()
        await store.polls.finish(poll, ok=True, summary={"bench": True}, error=None)
    finally:
        await store.close()


async def store_release(db: Path) -> tuple[float, int]:
    """One release whose England total (137 trusts x 820) crosses 100,000; returns the monotonic
    time just after its transaction committed and England's total."""
    store = await open_seeded_store(Settings(database_url=f"sqlite:///{db}"))
    try:
        codes = [t.org_code for t in await store.calendar.trusts()]
        period = (await store.calendar.periods())[0]
        figures = [TrustDay(code, period.start, 200, 620) for code in codes]
        await record_release(
            store,
            NewRelease(
                url="https://example.invalid/bench-alerts.xlsx",
                published=period.end + timedelta(days=10),
                sha256="b" * 64,
                status=ReleaseStatus.INGESTED,
                period_id=period.id,
            ),
            figures=figures,
        )
        stored = time.monotonic()
    finally:
        await store.close()
    return stored, len(codes) * 820


def outbox(db: Path) -> dict[str, int]:
    with sqlite3.connect(db, timeout=10) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM alerts GROUP BY status").fetchall())


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most events in any `window`-second stretch."""
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guilds", type=int, default=1000)
    parser.add_argument(
        "--before-start",
        action="store_true",
        help="store the release before the bot starts (time counted from the first message)",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for delivery")
    parser.add_argument("--log", type=Path, help="copy the bot's log here")
    args = parser.parse_args()
    n = args.guilds
    guilds = [make_guild(name=f"Bench server {i}", channels=["strikes"]) for i in range(n)]
    channels = {int(g["id"]): int(g["channels"][0]["id"]) for g in guilds}
    bound = n / GLOBAL_LIMIT

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "bench.db"
        asyncio.run(configure(db, channels))
        stored_at = None
        if args.before_start:
            stored_at, england = asyncio.run(store_release(db))
            pending = outbox(db).get("pending", 0)
        with FakeDiscord(
            guilds,
            rate_limits=True,
            global_rate_limit=GLOBAL_LIMIT,
            channel_message_limit=CHANNEL_LIMIT,
        ) as fake:
            env = clean_env(
                DATABASE_URL=f"sqlite:///{db}",
                NHS_INDEX_URL="http://127.0.0.1:9/",
                POLL_INTERVAL_MINUTES="1440",
                LOG_LEVEL="INFO",  # for the "ready as ...: N servers" line
                **fake.env(),
            )
            started = time.monotonic()
            bot = BotProcess(env, tmp / "bot.log").start()
            exit_code = None
            try:
                for _ in range(120):  # READY and every GUILD_CREATE sent, or the bot died
                    try:
                        fake.wait_ready(1.0, 1)
                        break
                    except TimeoutError:
                        if bot.process.poll() is not None:
                            sys.exit(f"bot exited ({bot.process.returncode}):\n{bot.log[-3000:]}")
                else:
                    sys.exit(f"no READY after 120 s; bot log:\n{bot.log[-3000:]}")
                gateway_done = time.monotonic() - started
                bot.wait_for_log(f": {n} servers, shards", timeout=120)
                bot_ready = time.monotonic() - started
                if not args.before_start:
                    stored_at, england = asyncio.run(store_release(db))
                    pending = outbox(db).get("pending", 0)

                try:
                    fake.wait_for(
                        lambda f: all(f.messages.get(c) for c in channels.values()), args.timeout
                    )
                    complete = True
                except TimeoutError:
                    complete = False
                # A resend after a 429 or a timeout could double a message later: let the outbox settle.
                wait_until(lambda: outbox(db).get("pending", 0) == 0, 15 if complete else 1)
                time.sleep(2.0)
                box = outbox(db)
            finally:
                exit_code = bot.stop()
                log_text = bot.log
                if args.log:
                    args.log.write_text(log_text)
            per_channel = {c: fake.channel_messages(c) for c in channels.values()}
            stray = len(fake.all_messages) - sum(len(v) for v in per_channel.values())
            posts = fake.requests_matching("POST", MESSAGE_ROUTE)
            limited = list(fake.rate_limited)
            nonce_hits, requests = fake.nonce_hits, len(fake.requests)

    assert stored_at is not None
    # Times are printed from the store, or from the first message when the release was stored
    # before the bot started.
    origin = "first message" if args.before_start else "store"
    first_msgs = sorted(m.time for msgs in per_channel.values() for m in msgs[:1])
    all_msgs = sorted(m.time for msgs in per_channel.values() for m in msgs)
    lost = sum(1 for msgs in per_channel.values() if not msgs)
    doubled = sum(1 for msgs in per_channel.values() if len(msgs) > 1)
    national = sum(
        1
        for msgs in per_channel.values()
        if msgs and (msgs[0].content or "").startswith("**England passes 100,000**")
    )
    statuses = Counter(r.status for r in posts)
    accepted = sorted(r.time for r in posts if r.status == 200)
    scopes = Counter("global" if x["global"] else "route" for x in limited)

    print(
        f"servers: {n} (one alert channel each); release: England {england:,} -> crosses 100,000;"
        f" outbox rows written: {pending}"
    )
    print(
        f"startup: fake sent READY + {n} GUILD_CREATE after {gateway_done:.1f} s;"
        f" bot ready ('ready as ...: {n} servers') after {bot_ready:.1f} s"
    )
    t0 = first_msgs[0] if args.before_start and first_msgs else stored_at
    if first_msgs:
        last = first_msgs[-1]  # every server has its message (when none is lost)
        spans = []
        if not args.before_start:
            spans.append(("stored -> last message", last - stored_at))
        spans.append(("first -> last message", last - first_msgs[0]))
        incomplete = f" (incomplete: {lost} servers never got theirs)" if lost else ""
        print(f"{'delivery':<26} {'seconds':>8} {'bound s':>8} {'ratio':>6}{incomplete}")
        for label, secs in spans:
            print(f"{label:<26} {secs:>8.1f} {bound:>8.1f} {secs / bound:>6.2f}")
        if not args.before_start:
            print(f"stored -> first message: {first_msgs[0] - stored_at:.1f} s")
        print(
            f"achieved rate: {len(accepted) / max(1e-9, accepted[-1] - accepted[0]):.1f} messages/s;"
            f" most accepted in any 1 s: {max_in_window(accepted)} (limit {GLOBAL_LIMIT})"
        )
        gap, at = max(
            ((b - a, b) for a, b in zip(accepted, accepted[1:], strict=False)), default=(0, t0)
        )
        print(f"longest pause between accepted messages: {gap * 1000:.0f} ms, at +{at - t0:.1f} s")
    else:
        print("delivery: no message arrived")
    print(
        f"messages: {len(all_msgs)} for {n} servers, {national} national milestone first messages;"
        f" lost {lost}, doubled {doubled}, elsewhere {stray}"
    )
    print(
        f"POST /channels/*/messages: {len(posts)} ({dict(sorted(statuses.items()))});"
        f" 429s answered: {len(limited)} ({dict(scopes)}); nonce hits: {nonce_hits};"
        f" REST requests in all: {requests}"
    )
    # A POST to a channel whose message was already accepted is a resend: only the nonce kept it
    # single (a retry after a 429 is not counted: the first attempt created nothing).
    posted: set[str] = set()
    resends = []
    for r in sorted(posts, key=lambda r: r.time):
        if r.path in posted:
            resends.append(r.time)
        elif r.status == 200:
            posted.add(r.path)
    if resends:
        print(
            f"resends: {len(resends)} POSTs to a channel already posted to, from +{resends[0] - t0:.1f} s"
            f" to +{resends[-1] - t0:.1f} s after the {origin} (doubles without the nonce)"
        )
    print(f"outbox after the run: {box}; bot exit code on SIGTERM: {exit_code}")
    problems = Counter(
        re.sub(r"next run at: [^)]*", "...", line)[:110]
        for line in (re.sub(r"^\d{4}-\d\d-\d\d \S+ ", "", x) for x in log_text.splitlines())
        if line.startswith(("WARNING", "ERROR")) or re.match(r"[\w.]+(Error|Exception)\b", line)
    )
    print(f"bot log: {sum(problems.values())} warnings/errors")
    for text, count in problems.most_common(5):
        print(f"  {count:>4} x {text}")
    ratio = (first_msgs[-1] - t0) / bound if first_msgs else float("inf")
    met = ratio < 1.2 and lost == 0 and doubled == 0
    print(
        f"goal (ratio < 1.2 from {origin}, none lost, none doubled): {'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
