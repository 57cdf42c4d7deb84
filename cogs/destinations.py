"""Where alerts may go in Discord: the channels an admin can pick, what the bot needs in each, and
the checks a picked channel passes before anything is stored.

A text channel, an announcement channel (whose alerts are also published to the servers following
it) or a thread. The option offers only those; what a modified client sends instead (a voice or
category channel, another server's channel, a deleted thread) is refused with one line.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord import app_commands

from bot.domain.alerts import ChannelKind, Destination
from cogs.util import UserFacingError

KINDS = {
    discord.ChannelType.text: ChannelKind.TEXT,
    discord.ChannelType.news: ChannelKind.ANNOUNCEMENT,
    discord.ChannelType.public_thread: ChannelKind.THREAD,
    discord.ChannelType.private_thread: ChannelKind.THREAD,
    discord.ChannelType.news_thread: ChannelKind.THREAD,
}
OTHER_KINDS = {
    discord.ChannelType.voice: "a voice channel",
    discord.ChannelType.stage_voice: "a stage channel",
    discord.ChannelType.category: "a category",
    discord.ChannelType.forum: "a forum",
    discord.ChannelType.media: "a media channel",
}
ANYWHERE = "alerts go to a text channel, an announcement channel or a thread"
CHECK_SECONDS = 1.0  # asking Discord about an archived thread, within an interaction's 3 s


def needed(kind: ChannelKind, charts: bool) -> list[tuple[str, str]]:
    """What the bot needs to post an alert there, in the order each needs the one before."""
    send = (
        ("send_messages_in_threads", "Send Messages in Threads")
        if kind == ChannelKind.THREAD
        else ("send_messages", "Send Messages")
    )
    found = [("view_channel", "View Channel"), send, ("embed_links", "Embed Links")]
    if charts:
        found.append(("attach_files", "Attach Files"))
    return found


def first_missing(perms: discord.Permissions, kind: ChannelKind, charts: bool) -> str | None:
    """The first permission the bot lacks for alerts there (the one to grant first), or None."""
    return next((label for attr, label in needed(kind, charts) if not getattr(perms, attr)), None)


def where(kind: ChannelKind, channel_id: int) -> str:
    return f"<#{channel_id}>" + (
        " (announcement channel)" if kind == ChannelKind.ANNOUNCEMENT else ""
    )


class AlertChannelTransformer(app_commands.Transformer):
    """Offers text and announcement channels and threads; hands on what Discord resolved, unchecked
    (`destination` checks it, so a bad value gets a clear line rather than a generic one)."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return list(KINDS)

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Any:
        return value


AlertChannel = app_commands.Transform[
    app_commands.AppCommandChannel | app_commands.AppCommandThread, AlertChannelTransformer
]


async def destination(
    interaction: discord.Interaction, picked: Any, *, charts: bool
) -> Destination:
    """The picked channel as a destination, once it passes every check; else UserFacingError with
    one line saying why (nothing is stored)."""
    guild = interaction.guild
    assert guild is not None  # the commands are guild only
    kind = KINDS.get(picked.type)
    if kind is None:
        what = OTHER_KINDS.get(picked.type, "not a channel alerts can go to")
        raise UserFacingError(f"That is {what}: {ANYWHERE}. Nothing changed.")
    channel = guild.get_channel_or_thread(picked.id)
    if channel is None:
        channel = await _fetched(interaction, picked.id)
    if getattr(channel, "guild", None) is None or channel.guild.id != guild.id:
        raise UserFacingError(
            "That channel is in another server: pick one in this server. Nothing changed."
        )
    if isinstance(channel, discord.Thread):
        if channel.parent is None:
            raise UserFacingError(
                "I can't see the channel that thread is in: give Strikewatch View Channel there."
                " Nothing changed."
            )
        if channel.archived and channel.locked:
            raise UserFacingError(
                f"<#{channel.id}> is archived and locked: unlock it, or pick another channel."
                " Nothing changed."
            )
    missing = first_missing(channel.permissions_for(guild.me), kind, charts)
    if missing:
        why = " (milestone alerts carry a chart; /alerts charts off to post without)" * (
            missing == "Attach Files"
        )
        raise UserFacingError(
            f"Strikewatch is missing {missing} in <#{channel.id}>{why}: grant it, then try again."
            " Nothing changed."
        )
    return Destination(channel.id, kind)


async def _fetched(interaction: discord.Interaction, channel_id: int) -> Any:
    """A channel or thread the bot's cache lacks (an archived thread; or a deleted one), asked of
    Discord."""
    try:
        return await interaction.client.fetch_channel(channel_id)
    except discord.NotFound:
        raise UserFacingError(
            "That channel or thread no longer exists: pick another. Nothing changed."
        ) from None
    except discord.Forbidden:
        raise UserFacingError(
            "I can't see that channel: give Strikewatch the View Channel permission there."
            " Nothing changed."
        ) from None
    except (discord.HTTPException, discord.InvalidData):
        raise UserFacingError(
            "Discord did not say what that channel is: try again in a minute. Nothing changed."
        ) from None


async def problem(
    interaction: discord.Interaction, target: Destination, *, charts: bool, ask: bool = True
) -> str | None:
    """What stops alerts in a destination now, in words an admin can act on; None when nothing.

    Read from this process's view of the server (it runs the server's shard); a thread the view
    lacks (archived) is asked of Discord, briefly, if `ask`."""
    guild = interaction.guild
    assert guild is not None
    channel: Any = guild.get_channel_or_thread(target.channel_id)
    if channel is None and target.kind == ChannelKind.THREAD:
        if not ask:
            return None  # archived, most likely: posting there reopens it
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                channel = await interaction.client.fetch_channel(target.channel_id)
        except discord.NotFound:
            return "deleted"
        except (discord.HTTPException, discord.InvalidData, TimeoutError):
            return "not visible to Strikewatch just now (hidden, or Discord is slow)"
    if channel is None:
        return "deleted"
    if isinstance(channel, discord.Thread) and channel.archived and channel.locked:
        return "archived and locked: unlock it, or pick another"
    try:
        missing = first_missing(channel.permissions_for(guild.me), target.kind, charts)
    except discord.ClientException:  # a thread whose channel is not visible
        missing = "View Channel"
    if missing == "Attach Files":
        return "missing Attach Files: alerts there go without their chart"
    if missing:
        return f"missing {missing}: alerts there fail until it is granted"
    return None
