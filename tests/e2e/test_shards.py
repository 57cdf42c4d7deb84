"""Several processes, one PostgreSQL store: shards split between processes, one courier for the
whole deployment, and a courier killed with SIGKILL in the middle of a fan-out.

Each bot process is started the way the README says (`strikewatch run`), with SHARD_COUNT=2 and
its own SHARD_IDS; the fake Discord sends each server's events only to the process that owns its
shard. Releases arrive through `strikewatch poll` in a third process, as from cron.
"""

from __future__ import annotations

import re
import socket
import time
from collections import Counter
from pathlib import Path

import asyncpg
import pytest

from tests.fakediscord import MANAGE_GUILD, FakeDiscord, guild_id_on_shard, make_guild
from tests.pgserver import query as sql
from tests.processes import BotProcess, clean_env, strikewatch, wait_until
from tests.replica.server import NHSReplica
from tests.replica.site import OCTOBER_2023, SEPTEMBER_2023, serve, trust_sample

SERVERS_PER_SHARD = 20
FAIL_OVER = 60  # the lease runs 15 s and is retried every 5 s: well inside this


class Deployment:
    """One fake Discord, one NHS replica, one PostgreSQL database, bot processes by shard."""

    def __init__(self, tmp: Path, nhs: NHSReplica, fake: FakeDiscord, url: str) -> None:
        self.tmp, self.nhs, self.fake, self.url = tmp, nhs, fake, url
        self.env = clean_env(
            DATABASE_URL=url,
            NHS_INDEX_URL=nhs.page_url,
            POLL_INTERVAL_MINUTES="1440",
            SHARD_COUNT="2",
            **fake.env(),
        )
        self.trusts = trust_sample(30)
        self.bots: dict[int, BotProcess] = {}

    def land(self, strike, seed: int) -> None:
        serve(self.nhs, strike, shape="wide", trusts=self.trusts, seed=seed)
        result = strikewatch(self.env, "poll")
        assert result.returncode == 0, result.stderr

    def start(self, shard: int) -> BotProcess:
        env = {**self.env, "SHARD_IDS": str(shard)}
        bot = BotProcess(env, self.tmp / f"shard{shard}-{len(self.bots)}.log").start()
        self.bots[shard] = bot
        return bot

    def outbox(self) -> list[asyncpg.Record]:
        return sql(self.url, "SELECT guild_id, body, status FROM alerts ORDER BY id")

    def holder_pid(self, role: str) -> int | None:
        found = sql(self.url, "SELECT pid FROM roles WHERE role = $1", role)
        return found[0]["pid"] if found else None


@pytest.fixture
def deployment(tmp_path, pg_url):
    guilds = [
        make_guild(guild_id_on_shard(shard, 2, n), name=f"Branch {shard}-{n}", channels=["strikes"])
        for n in range(SERVERS_PER_SHARD)
        for shard in (0, 1)
    ]
    with NHSReplica() as nhs, FakeDiscord(guilds) as fake:
        d = Deployment(tmp_path, nhs, fake, pg_url)
        d.land(SEPTEMBER_2023, seed=1)
        yield d
        for bot in d.bots.values():
            if bot.process and bot.process.poll() is None:
                assert bot.stop() == 0, bot.log
            assert d.env["DISCORD_TOKEN"] not in bot.log
            assert "strikewatch-test" not in bot.log  # the database password


def test_two_shards_two_processes_every_server_alerted_once_across_a_courier_kill(deployment):
    d, fake = deployment, deployment.fake
    channels = {gid: fake.channel_id("strikes", gid) for gid in fake.guild_ids}
    on_shard = {s: [g for g in fake.guild_ids if (g >> 22) % 2 == s] for s in (0, 1)}
    d.start(0)
    d.start(1)
    fake.wait_shards_ready(2, timeout=30)

    # One admin on each shard sets the channel through Discord: the owning process answers.
    first = {s: on_shard[s][0] for s in (0, 1)}
    for gid in first.values():
        reply = fake.run_command(
            "alerts channel",
            {"channel": channels[gid]},
            guild_id=gid,
            permissions=MANAGE_GUILD,
            timeout=10,
        )
        assert "Alerts will be posted in" in reply.content, reply
    sql(d.url, "UPDATE guild_settings SET national_every = 1000")
    others = [(g, c) for g, c in channels.items() if g not in first.values()]
    sql(
        d.url,
        "INSERT INTO guild_settings (guild_id, alert_channel_id, national_every, updated_at)"
        " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[])",
        [g for g, _ in others],
        [c for _, c in others],
        [1000] * len(others),
        ["set by the test"] * len(others),
    )
    for gid in first.values():  # the same answer from either process
        reply = fake.run_command("cancellations", {"trust": "RTX"}, guild_id=gid, timeout=10)
        assert reply.embeds and "Morecambe Bay" in reply.embeds[0]["title"], reply

    # Discord stores each message at once but answers a second later: the courier dies mid fan-out.
    fake.delay_answers("POST", r"/channels/\d+/messages", 1.0)
    d.land(OCTOBER_2023, seed=2)
    assert len(d.outbox()) == len(channels)  # one England milestone per server, on both shards
    posted = lambda: sum(len(fake.channel_messages(c)) for c in channels.values())  # noqa: E731
    wait_until(lambda: posted() >= 5, "the fan-out to start", timeout=30)
    courier = d.holder_pid("courier")
    (victim,) = [s for s, b in d.bots.items() if b.process.pid == courier]
    d.bots[victim].kill()  # SIGKILL, as a machine would die
    killed_at, before = time.monotonic(), posted()
    assert before < len(channels), "the fan-out finished before the kill: nothing was tested"
    fake.delay_answers("POST", "", 0)

    survivor = d.bots[1 - victim]
    rows = wait_until(
        lambda: (r := d.outbox()) and all(x["status"] == "sent" for x in r) and r,
        "the other process to finish the fan-out",
        timeout=FAIL_OVER,
        interval=0.1,
    )
    took = time.monotonic() - killed_at
    print(
        f"fail-over: the fan-out finished {took:.1f} s after the kill; {before} of {len(channels)} posted before it"
    )
    assert d.holder_pid("courier") == survivor.process.pid
    assert took < 30 + 15, f"fail-over and the rest of the fan-out took {took:.0f} s"

    # 0 lost, 0 doubled: every server's channel holds exactly its one alert.
    assert Counter(r["guild_id"] for r in rows) == Counter(channels.keys())
    for row in rows:
        posted_here = [
            re.sub(r"^<@&\d+> ", "", m.content)
            for m in fake.channel_messages(channels[row["guild_id"]])
        ]
        assert posted_here == [row["body"]], (row["guild_id"], posted_here)

    status = strikewatch(d.env, "status")
    assert status.returncode == 0, status.stderr
    assert re.search(rf"role courier: \S+ pid {survivor.process.pid} since", status.stdout), (
        status.stdout
    )
    assert f"role shard:{1 - victim}/2: " in status.stdout
    assert "courier: role courier: now held" not in survivor.log
    assert "role courier: taken by this process" in survivor.log


def test_a_shard_already_run_by_a_live_process_is_refused(deployment):
    d = deployment
    d.start(0)
    d.fake.wait_shards_ready(2, shard_ids=[0], timeout=30)
    second = strikewatch({**d.env, "SHARD_IDS": "0-1"}, "run", timeout=60)
    assert second.returncode == 1
    errors = [line for line in second.stderr.splitlines() if line.startswith("strikewatch:")]
    assert len(errors) == 1, second.stderr
    assert errors[0].startswith("strikewatch: SHARD_IDS: shard 0/2 is already run by"), errors
    assert f"pid {d.bots[0].process.pid}" in errors[0]
    assert "Traceback" not in second.stderr


def test_several_processes_on_sqlite_are_refused_naming_the_setting(tmp_path):
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
        DISCORD_TOKEN="t",
        SHARD_COUNT="2",
        SHARD_IDS="1",
        DISCORD_API_BASE="http://127.0.0.1:9/api/v10",
        DISCORD_GATEWAY_URL="ws://127.0.0.1:9/",
    )
    with FakeDiscord([make_guild(name="One")]) as fake:
        env.update(fake.env())
        result = strikewatch(env, "run", cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("strikewatch:")]
    assert len(errors) == 1 and "DATABASE_URL=postgresql://" in errors[0], result.stderr
    assert errors[0].startswith("strikewatch: SHARD_IDS=1 leaves shards"), errors


def test_a_second_process_on_one_sqlite_store_is_refused(tmp_path, bots):
    with FakeDiscord([make_guild(name="One")]) as fake:
        env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", **fake.env())
        first = BotProcess(env, tmp_path / "first.log").start()
        bots.append(first)
        try:
            fake.wait_ready(timeout=20)
            second = strikewatch(env, "run", cwd=tmp_path, timeout=60)
        finally:
            assert first.stop() == 0, first.log
    assert second.returncode == 1
    errors = [line for line in second.stderr.splitlines() if line.startswith("strikewatch:")]
    assert errors == [
        f"strikewatch: DATABASE_URL: {first_label(first)} already runs this bot on this SQLite"
        " store; stop it, or run several processes on PostgreSQL"
    ], second.stderr


def first_label(bot: BotProcess) -> str:
    return f"{socket.gethostname()} pid {bot.process.pid}"
