"""`strikewatch doctor` as an operator runs it: one line per check, exit 1 when one failed."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.domain.alerts import Destination
from storage import open_store
from tests.e2e.test_health import free_port
from tests.fakediscord import FakeDiscord, make_guild, make_role
from tests.processes import clean_env, strikewatch
from tests.replica.server import NHSReplica
from tests.replica.site import SEPTEMBER_2023, serve, trust_sample


async def choose_channel(url: str, guild_id: int, channel_id: int, role_id: int) -> None:
    """What an admin's /alerts channel and /alerts role store."""
    store = await open_store(url)
    try:
        await store.servers.update(guild_id, channel_id=channel_id, role_id=role_id)
    finally:
        await store.close()


@pytest.fixture
def deployment(tmp_path):
    guild = make_guild(
        name="Union branch",
        channels=["strikes", "morecambe-bay"],
        roles=[make_role(name="Strike news", mentionable=True), "Quiet"],
    )
    with NHSReplica() as nhs, FakeDiscord([guild]) as fake:
        serve(nhs, SEPTEMBER_2023, shape="wide", trusts=trust_sample(10), seed=1)
        env = clean_env(
            DATABASE_URL=f"sqlite:///{tmp_path / 'doctor.db'}",
            NHS_INDEX_URL=nhs.page_url,
            **fake.env(),
        )
        assert strikewatch(env, "poll").returncode == 0  # creates the store, as a deployment has
        channel = fake.channel_id("strikes")
        asyncio.run(
            choose_channel(
                env["DATABASE_URL"], fake.default_guild_id, channel, fake.role_id("Strike news")
            )
        )
        yield env, fake, channel


def doctor(env, *args):
    result = strikewatch(env, "doctor", *args, timeout=60)
    return result.returncode, result.stdout.splitlines(), result.stderr


def test_a_healthy_deployment_is_all_ok(deployment):
    env, fake, _ = deployment
    code, lines, stderr = doctor(env)
    assert code == 0, (lines, stderr)
    assert [line.split()[0] for line in lines] == ["ok"] * len(lines), lines
    subjects = [line.split(":")[0].split(None, 1)[1] for line in lines]
    assert subjects[:5] == ["settings", "database", "outbox", "NHS page", "token"], lines
    assert subjects[5].startswith("server Union branch"), lines
    assert "the alert channel #strikes (text): can see and post; pings @Strike news" in lines[5]
    assert env["DISCORD_TOKEN"] not in "\n".join(lines) + stderr


def test_a_channel_where_the_bot_lost_send_messages_fails(deployment):
    env, fake, channel = deployment
    fake.deny_send(channel)
    code, lines, _ = doctor(env)
    assert code == 1
    (server,) = [line for line in lines if "server Union branch" in line]
    assert server.startswith("FAIL  server Union branch")
    assert "missing Send Messages in #strikes (the alert channel)" in server, server
    assert sum(line.startswith("FAIL") for line in lines) == 1, lines
    checks = json.loads(strikewatch(env, "doctor", "--json", timeout=60).stdout)
    failing = [c for c in checks if c["status"] == "FAIL"]
    assert [c["subject"] for c in failing] == [f"server Union branch ({fake.default_guild_id})"]
    fake.allow_send(channel)
    assert doctor(env)[0] == 0  # and it says so once the permission is back


def test_a_role_the_bot_cannot_ping_is_a_warning(deployment):
    env, fake, channel = deployment
    asyncio.run(
        choose_channel(env["DATABASE_URL"], fake.default_guild_id, channel, fake.role_id("Quiet"))
    )
    code, lines, _ = doctor(env)
    assert code == 0  # alerts still arrive, without the ping
    (server,) = [line for line in lines if "server Union branch" in line]
    assert server.startswith("warn  ") and "cannot ping @Quiet" in server, server


def test_a_subject_channel_is_checked_too(deployment):
    env, fake, _ = deployment
    own = fake.channel_id("morecambe-bay")

    async def track_into_its_own_channel() -> None:
        store = await open_store(env["DATABASE_URL"])
        try:
            await store.servers.track(fake.default_guild_id, "RTX", Destination(own))
        finally:
            await store.close()

    asyncio.run(track_into_its_own_channel())
    fake.deny_send(own)
    code, lines, _ = doctor(env)
    assert code == 1
    (failing,) = [line for line in lines if line.startswith("FAIL")]
    assert "missing Send Messages in #morecambe-bay (the channel for RTX)" in failing, lines


def test_an_expired_token_fails_and_says_what_to_do(deployment):
    env, fake, _ = deployment
    fake.set_token("a-newer-token")  # the bot's token was reset in the developer portal
    code, lines, stderr = doctor(env)
    assert code == 1
    (token,) = [line for line in lines if line.split()[1] == "token:"]
    assert token.startswith("FAIL  token: Discord rejected DISCORD_TOKEN"), token
    assert "Traceback" not in stderr and env["DISCORD_TOKEN"] not in stderr + "\n".join(lines)


def test_an_unreachable_database_is_one_line_and_the_other_checks_still_run(deployment):
    env, fake, _ = deployment
    env = {**env, "DATABASE_URL": f"postgresql://strikewatch:secret@127.0.0.1:{free_port()}/x"}
    code, lines, stderr = doctor(env)
    assert code == 1
    (database,) = [line for line in lines if line.split()[1] == "database:"]
    assert database.startswith("FAIL  database: cannot connect to PostgreSQL"), database
    assert "connection refused" in database
    assert "secret" not in database
    assert any(line.startswith("ok    token: accepted") for line in lines), lines
    assert "Traceback" not in stderr


def test_a_bad_setting_is_a_failed_check_not_a_crash(deployment):
    env, _, _ = deployment
    code, lines, _ = doctor({**env, "POLL_INTERVAL_MINUTES": "often"})
    assert code == 1
    assert lines == [
        "FAIL  settings: bad setting POLL_INTERVAL_MINUTES: Input should be a valid integer,"
        " unable to parse string as an integer: fix it in .env or the environment"
    ]
