"""Starting and stopping the bot as its own process: tokens, command sync, an empty store."""

from __future__ import annotations

import pytest

from tests.fakediscord import FakeDiscord, make_guild
from tests.processes import BotProcess, clean_env, strikewatch


@pytest.fixture
def fake():
    with FakeDiscord([make_guild(name="Newsroom")]) as server:
        yield server


def test_missing_token_is_one_clear_line(tmp_path):
    result = strikewatch(
        clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"), "run", cwd=tmp_path
    )
    assert result.returncode != 0
    assert (
        result.stderr.strip()
        == "strikewatch: DISCORD_TOKEN is not set: put the bot's token in .env (see .env.example)"
    )


def test_rejected_token_is_one_clear_line(tmp_path, fake):
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", **fake.env(DISCORD_TOKEN="not-the-token")
    )
    result = strikewatch(env, "run", cwd=tmp_path, timeout=60)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("strikewatch:")]
    assert errors == ["strikewatch: Discord rejected DISCORD_TOKEN: check the token in .env"]
    assert "Traceback" not in result.stderr and "not-the-token" not in result.stderr


def test_an_empty_store_says_no_figures_yet_and_sync_happens_only_when_the_tree_changed(
    tmp_path, fake
):
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
        NHS_INDEX_URL="http://127.0.0.1:9/",
        **fake.env(),
    )
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        fake.wait_ready(timeout=20)
        fake.wait_for_sync(count=1, timeout=20)
        reply = fake.run_command("cancellations", {"trust": "RTX"}, timeout=10)
        assert reply.ephemeral and reply.content.startswith(
            "No figures yet: the first poll has not finished"
        )
        assert "No figures yet" in fake.run_command("top", timeout=10).content
        assert "none yet" in str(fake.run_command("about", timeout=10).embeds)
    finally:
        assert bot.stop() == 0, bot.log
    assert fake.global_sync_count == 1

    again = BotProcess(env, tmp_path / "bot2.log").start()
    try:
        fake.wait_ready(timeout=20, identifies=2)
        again.wait_for_log("command tree unchanged since the last global sync")
        assert fake.run_command("about", timeout=10).embeds
    finally:
        assert again.stop() == 0, again.log
    assert fake.global_sync_count == 1


def test_dev_guild_sync(tmp_path, fake):
    guild = fake.default_guild_id
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", **fake.env(DEV_GUILD_ID=guild))
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        fake.wait_for_sync(guild_id=guild, count=1, timeout=20)
        names = {c["name"] for c in fake.synced_guild[guild]}
        assert "cancellations" in names
        assert fake.global_sync_count == 0
    finally:
        assert bot.stop() == 0, bot.log


def test_unreachable_discord_is_one_clear_line_and_a_failure(tmp_path):
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
        DISCORD_TOKEN="some-token",
        DISCORD_API_BASE="http://127.0.0.1:9/api/v10",
        DISCORD_GATEWAY_URL="ws://127.0.0.1:9/",
    )
    result = strikewatch(env, "run", cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("strikewatch:")]
    assert len(errors) == 1 and errors[0].startswith(
        "strikewatch: cannot reach Discord at http://127.0.0.1:9/api/v10"
    )
    assert "Traceback" not in result.stderr and "some-token" not in result.stderr
