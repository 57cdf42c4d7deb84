"""Moving a deployment from SQLite to PostgreSQL with `strikewatch copy-store`: afterwards the bot
on PostgreSQL gives the same answers and sends nothing that was already sent."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from tests.fakediscord import MANAGE_GUILD, FakeDiscord, make_guild
from tests.processes import BotProcess, clean_env, strikewatch, wait_until
from tests.replica.server import NHSReplica
from tests.replica.site import OCTOBER_2023, SEPTEMBER_2023, serve, trust_sample


def statuses(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as conn:
        return [s for (s,) in conn.execute("SELECT status FROM alerts")]


def test_copy_to_postgres_then_the_bot_answers_the_same_and_resends_nothing(tmp_path, pg_url, bots):
    sqlite_url = f"sqlite:///{tmp_path / 'one-machine.db'}"
    trusts = trust_sample(30)
    with (
        NHSReplica() as nhs,
        FakeDiscord([make_guild(name="Branch", channels=["strikes"])]) as fake,
    ):
        env = clean_env(
            DATABASE_URL=sqlite_url,
            NHS_INDEX_URL=nhs.page_url,
            POLL_INTERVAL_MINUTES="1440",
            **fake.env(),
        )
        channel = fake.channel_id("strikes")

        def land(strike, seed):
            serve(nhs, strike, shape="wide", trusts=trusts, seed=seed)
            assert strikewatch(env, "poll").returncode == 0

        def admin(command, options):
            return fake.run_command(command, options, permissions=MANAGE_GUILD, timeout=10)

        def ask():
            reply = fake.run_command("cancellations", {"trust": "Morecambe Bay"}, timeout=10)
            assert reply.embeds, reply
            return reply.embeds

        # One machine on SQLite: a server tracking Morecambe Bay gets its alerts for October.
        land(SEPTEMBER_2023, seed=1)
        bot = BotProcess(env, tmp_path / "sqlite-bot.log").start()
        bots.append(bot)
        fake.wait_ready(timeout=20)
        admin("alerts channel", {"channel": channel})
        admin("track add", {"trust": "Morecambe Bay"})
        land(OCTOBER_2023, seed=2)
        fake.wait_for(
            lambda f: len(f.channel_messages(channel)) >= 1, timeout=30
        )  # Morecambe Bay passes 5,000
        wait_until(
            lambda: (found := statuses(tmp_path / "one-machine.db")) and "pending" not in found,
            "the SQLite outbox to settle",
            30,
        )
        on_sqlite = ask()
        assert bot.stop() == 0, bot.log
        sent = [m.content for m in fake.channel_messages(channel)]

        copied = strikewatch(env, "copy-store", sqlite_url, pg_url)
        assert copied.returncode == 0, copied.stderr
        assert "alerts" in copied.stdout and "strikewatch-test" not in copied.stdout + copied.stderr
        again = strikewatch(env, "copy-store", sqlite_url, pg_url)
        assert again.returncode == 1
        assert (
            again.stderr.startswith("strikewatch: the target store") and "--replace" in again.stderr
        )

        # The same bot on PostgreSQL: the same answer, and no alert sent twice.
        bot = BotProcess({**env, "DATABASE_URL": pg_url}, tmp_path / "postgres-bot.log").start()
        bots.append(bot)
        fake.wait_ready(timeout=20, identifies=2)
        bot.wait_for_log("role courier: taken by this process")
        nonce_hits = fake.nonce_hits
        assert ask() == on_sqlite
        time.sleep(3)  # three delivery passes of the courier
        assert [m.content for m in fake.channel_messages(channel)] == sent
        assert fake.nonce_hits == nonce_hits  # not even tried again (a resend would hit the nonce)
        assert bot.stop() == 0, bot.log
        assert "Traceback" not in bot.log
