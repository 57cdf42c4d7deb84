"""PostgreSQL dies (SIGKILL) under a running bot and comes back: commands keep answering from the
last snapshot and say so, the courier pauses and resumes, the alert in flight is sent exactly once,
and the log says what happened once per change, not once per attempt."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.test_health import free_port, get
from tests.fakediscord import MANAGE_GUILD, FakeDiscord, make_guild
from tests.pgserver import PostgresServer, query
from tests.processes import BotProcess, clean_env, strikewatch, wait_until
from tests.replica.server import NHSReplica
from tests.replica.site import OCTOBER_2023, SEPTEMBER_2023, serve, trust_sample


def outbox(url: str) -> list[str]:
    return [r["status"] for r in query(url, "SELECT status FROM alerts")]


@pytest.fixture
def database():
    with PostgresServer() as server:  # its own server: this test kills it
        yield server


def test_a_database_outage_is_survived_and_nothing_is_lost(tmp_path, database, bots):
    url = database.create_database("outage")
    trusts = trust_sample(30)
    with (
        NHSReplica() as nhs,
        FakeDiscord([make_guild(name="Branch", channels=["strikes"])]) as fake,
    ):
        port = free_port()
        env = clean_env(
            DATABASE_URL=url,
            NHS_INDEX_URL=nhs.page_url,
            POLL_INTERVAL_MINUTES="1440",
            METRICS_PORT=str(port),
            **fake.env(),
        )
        channel = fake.channel_id("strikes")
        serve(nhs, SEPTEMBER_2023, shape="wide", trusts=trusts, seed=1)
        assert strikewatch(env, "poll").returncode == 0
        bot = BotProcess(env, tmp_path / "bot.log").start()
        bots.append(bot)
        fake.wait_ready(timeout=20)
        fake.run_command(
            "alerts channel", {"channel": channel}, permissions=MANAGE_GUILD, timeout=10
        )
        fake.run_command("track add", {"trust": "RTX"}, permissions=MANAGE_GUILD, timeout=10)

        def ask():
            return fake.run_command("cancellations", {"trust": "Morecambe Bay"}, timeout=10)

        # October lands; Discord takes the alert at once but answers 4 s later; the database dies
        # in between, so the courier cannot record the send.
        fake.delay_answers("POST", r"/channels/\d+/messages", 4.0)
        serve(nhs, OCTOBER_2023, shape="wide", trusts=trusts, seed=2)
        assert strikewatch(env, "poll").returncode == 0
        fresh = ask()
        assert fresh.embeds and not fresh.content
        fake.wait_for(lambda f: len(f.channel_messages(channel)) == 1, timeout=30)
        database.kill()
        fake.delay_answers("POST", "", 0)

        for _ in range(3):  # answers from the last snapshot, saying since when
            during = ask()
            assert during.embeds == fresh.embeds, during
            assert "has not answered since" in (during.content or ""), during
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        assert status == 503 and json.loads(body)["problems"] == ["store: not answering"], body
        time.sleep(6)  # a role renewal or two fails while the database is down
        assert bot.process.poll() is None, bot.log

        database.restart()
        statuses = wait_until(
            lambda: (s := outbox(url)) and all(x == "sent" for x in s) and s,
            "the courier to record the alert after the outage",
            timeout=60,
            interval=0.2,
        )
        assert len(statuses) == 1
        assert len(fake.channel_messages(channel)) == 1  # resent with its nonce: not posted twice
        wait_until(lambda: not ask().content, "answers without the stale note", timeout=20)
        bot.wait_for_log("store reachable again")  # the next renewal of the roles
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        assert bot.stop() == 0, bot.log

    log = bot.log
    assert log.count("store not answering") == 1, log
    assert log.count("store answering again") == 1, log
    assert log.count("store unreachable") == 1, log
    assert log.count("store reachable again") == 1, log
    assert log.count("alert delivery paused") == 1 and log.count("alert delivery resumed") == 1, log
    assert "Traceback" not in log
    assert "strikewatch-test" not in log
