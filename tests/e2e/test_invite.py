"""`strikewatch invite`: the URL that adds the bot, with the fake application's id and exactly the
permissions the features need."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.fakediscord import FakeDiscord, make_guild
from tests.processes import clean_env, strikewatch

VIEW_SEND_EMBED_ATTACH = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15)


def test_invite_names_the_application_and_only_the_permissions_needed(tmp_path):
    with FakeDiscord([make_guild(name="Branch")]) as fake:
        env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", **fake.env())
        result = strikewatch(env, "invite", cwd=tmp_path)
        chosen = strikewatch(env, "invite", "--guild", "123456789012345678", cwd=tmp_path)
        app_id = fake.application_id
    assert result.returncode == 0, result.stderr
    url, *explained = result.stdout.splitlines()
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "discord.com", "/oauth2/authorize")
    assert query["client_id"] == [str(app_id)]
    assert query["scope"] == ["bot applications.commands"]
    assert query["permissions"] == [str(VIEW_SEND_EMBED_ATTACH)]  # no Administrator, nothing unused
    assert "guild_id" not in query
    text = "\n".join(explained)
    for name in ("View Channel", "Send Messages", "Embed Links", "Attach Files"):
        assert f"  {name}: to " in text
    assert "Administrator" in text  # says it is never asked for

    chosen_query = parse_qs(urlsplit(chosen.stdout.splitlines()[0]).query)
    assert chosen_query["guild_id"] == ["123456789012345678"]
    assert chosen_query["disable_guild_select"] == ["true"]


def test_invite_with_a_rejected_token_is_one_line(tmp_path):
    with FakeDiscord([make_guild(name="Branch")]) as fake:
        env = clean_env(
            DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", **fake.env(DISCORD_TOKEN="not-the-token")
        )
        result = strikewatch(env, "invite", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "strikewatch: Discord rejected DISCORD_TOKEN: check the token in .env\n"
    assert "not-the-token" not in result.stdout + result.stderr
