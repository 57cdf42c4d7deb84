"""Interactions through the fake with the REAL discord.py client: replies, options, DMs."""

from __future__ import annotations

from discord.ext import commands

from tests.fakediscord import FakeDiscord, make_user
from tests.fakediscord.testbot import CSV, GUILD_ID, PNG

# --------------------------------------------------------------------------- interactions


async def test_invoke_replies_with_type_4(fake: FakeDiscord, bot: commands.Bot) -> None:
    handle = await fake.ainvoke("ping", {"word": "hello", "private": True})
    reply = await handle.await_response(5)
    assert handle.callback_type == 4
    assert reply.kind == "callback"
    assert reply.content == f"pong hello from {fake.default_user['username']}"
    assert handle.ephemeral is True
    assert handle.allowed_mentions == {"parse": []}

    payload = handle.payload
    for key in (
        "id", "type", "token", "version", "application_id", "data", "guild_id", "channel_id",
        "channel", "member", "app_permissions", "attachment_size_limit", "locale",
        "guild_locale", "entitlements", "authorizing_integration_owners", "context",
    ):  # fmt: skip
        assert key in payload, key
    assert payload["data"]["guild_id"] == str(GUILD_ID)  # matched as a guild command
    assert payload["member"]["permissions"]
    # the callback was POSTed with ?with_response=1 and answered JSON
    callback = fake.requests_matching("POST", r"/callback$")[0]
    assert callback.query.get("with_response") == "1"
    assert callback.response_headers["Content-Type"] == "application/json"


async def test_defer_then_followup_with_files(fake: FakeDiscord, bot: commands.Bot) -> None:
    handle = await fake.ainvoke("chart")
    reply = await handle.await_response(5)
    assert handle.callback_type == 5
    assert reply.kind == "followup"
    assert reply.content == "Here is the chart"
    assert [f.filename for f in reply.files] == ["chart.png", "d.csv"]
    assert reply.files[0].is_png and reply.files[0].data == PNG
    assert reply.files[1].text() == CSV.decode()
    assert handle.ephemeral is False
    # the followup replaced the "thinking" message
    assert handle.original is not None and len(handle.original["attachments"]) == 2


async def test_autocomplete_choices(fake: FakeDiscord, bot: commands.Bot) -> None:
    handle = await fake.aautocomplete("trust", focused="name", value="lee")
    await handle.await_callback(5)
    assert handle.callback_type == 8
    assert handle.choices == [{"name": "Leeds Teaching Hospitals", "value": "Leeds Teaching Hospi"}]
    assert handle.payload["type"] == 4
    assert handle.payload["data"]["options"] == [
        {"type": 3, "name": "name", "value": "lee", "focused": True}
    ]


async def test_channel_and_role_options_and_channel_send(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    strikes = fake.channel_id("strikes")
    nurses = fake.role_id("Nurses")
    handle = await fake.ainvoke(
        "announce", {"channel": strikes, "role": nurses}, channel_id=fake.channel_id("general")
    )
    reply = await handle.await_response(5)
    assert reply.content == "sent to #strikes" and reply.ephemeral
    resolved = handle.payload["data"]["resolved"]
    assert str(strikes) in resolved["channels"] and str(nurses) in resolved["roles"]

    (message,) = await fake.await_message(strikes)
    assert message.content == f"<@&{nurses}> Strike update"
    assert message.embeds[0]["title"] == "Update"
    assert message.allowed_mentions is not None
    assert message.allowed_mentions["roles"] == [nurses]
    assert "roles" not in message.allowed_mentions["parse"]


async def test_subcommand_group_with_integer_and_boolean(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    mods = fake.role_id("Moderators")
    handle = await fake.ainvoke(
        "config alerts set", {"threshold": 7, "enabled": False}, roles=[mods]
    )
    reply = await handle.await_response(5)
    assert reply.content == "threshold=7 enabled=False admin=True"
    opts = handle.payload["data"]["options"]
    assert opts[0]["type"] == 2 and opts[0]["options"][0]["type"] == 1


async def test_dm_invocation(fake: FakeDiscord, bot: commands.Bot) -> None:
    user = make_user(4242, "patient")
    handle = await fake.ainvoke("whoami", user=user, dm=True)
    reply = await handle.await_response(5)
    assert reply.content == "4242 in dm"
    assert "member" not in handle.payload and handle.payload["user"]["id"] == "4242"
    assert handle.payload["channel"]["type"] == 1 and "guild_id" not in handle.payload
