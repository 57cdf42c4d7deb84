"""What the cogs share: errors shown to members, replies, permission checks, and the trust and strike options."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.domain.formatting import period_label
from bot.domain.records import StrikePeriod, Trust
from bot.domain.regions import REGIONS, RegionError, resolve_region
from bot.domain.reports import Snapshot
from bot.domain.strike_query import find_strike, suggest_strikes

if TYPE_CHECKING:
    from bot.discord_app.client import StrikewatchBot

log = logging.getLogger(__name__)

MAX_CHOICES = 25
MAX_NAME = 100
MAX_QUERY = 200  # the options' max_length: Discord enforces it, but a client may not
NO_FIGURES = "No figures yet: the first poll has not finished. Try again in a few minutes."


class UserFacingError(app_commands.AppCommandError):
    """A problem with what the member asked; its message is shown to them as it is."""


async def reply(
    interaction: discord.Interaction, content: str, *, ephemeral: bool = True, **kwargs
) -> None:
    """Answer whether or not the interaction was already answered or deferred."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=ephemeral, **kwargs)
        else:
            await interaction.response.send_message(content, ephemeral=ephemeral, **kwargs)
    except discord.HTTPException:
        log.warning("could not answer interaction %s", interaction.id, exc_info=True)


# What the bot needs in an alert channel, in the order each needs the one before; the invite asks
# for exactly these (slash commands need no channel permission: their answers are webhooks).
# Which of them a given channel needs (a thread, charts off) is cogs/destinations.py's `needed`.
NEEDED_PERMISSIONS = (
    ("view_channel", "View Channel", "see the channel a server picks for alerts"),
    ("send_messages", "Send Messages", "post alerts and strike reminders there"),
    ("embed_links", "Embed Links", "show each alert's figures with a link to its NHS source"),
    ("attach_files", "Attach Files", "attach its chart to each milestone alert (/alerts charts)"),
)


def needed_permissions() -> discord.Permissions:
    return discord.Permissions(**{attr: True for attr, _, _ in NEEDED_PERMISSIONS})


def is_server_admin(interaction: discord.Interaction) -> bool:
    """In a server, with Manage Server: may change Strikewatch's settings there."""
    return interaction.guild_id is not None and interaction.permissions.manage_guild


def require_manage_server(interaction: discord.Interaction) -> None:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    if not is_server_admin(interaction):
        raise UserFacingError(
            "Only members with the Manage Server permission can change Strikewatch's alerts."
        )


def manage_server():
    """A check for one command (e.g. /strikes announce inside a group everyone may use)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        require_manage_server(interaction)
        return True

    return app_commands.check(predicate)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(text: str, limit: int = 60) -> str:
    """What a member typed, safe to echo: no markdown, no mentions, not too long."""
    return discord.utils.escape_mentions(
        discord.utils.escape_markdown(clip(" ".join(text.split()), limit))
    )


def strike_name(period: StrikePeriod) -> str:
    groups = f" ({period.staff_groups})" if period.staff_groups else ""
    return clip(f"{period_label(period.start, period.end)}{groups}", MAX_NAME)


async def snapshot(interaction: discord.Interaction) -> Snapshot:
    bot: StrikewatchBot = interaction.client  # type: ignore[assignment]
    return await bot.snapshots.snapshot()


async def snapshot_with_figures(interaction: discord.Interaction) -> Snapshot:
    snap = await snapshot(interaction)
    if snap.empty:
        raise UserFacingError(NO_FIGURES)
    return snap


async def trust_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    snap = await snapshot(interaction)
    index = snap.trust_index
    if current.strip():
        trusts = [m.trust for m in index.search(current[:MAX_NAME], limit=MAX_CHOICES)]
    else:
        trusts = sorted(index.trusts, key=lambda t: t.name)[:MAX_CHOICES]
    return [
        app_commands.Choice(name=clip(f"{t.name} ({t.org_code})", MAX_NAME), value=t.org_code)
        for t in trusts
    ]


async def strike_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The same texts a member may type without picking (bot/domain/strike_query.py), newest first."""
    snap = await snapshot(interaction)
    periods = suggest_strikes(snap.released_periods(), current, limit=MAX_CHOICES)
    return [app_commands.Choice(name=strike_name(p), value=str(p.id)) for p in periods]


async def region_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """NHS England's seven regions, those whose name contains what was typed."""
    typed = current.strip().lower()
    return [app_commands.Choice(name=r, value=r) for r in REGIONS if typed in r.lower()]


def resolve_region_option(text: str) -> str:
    try:
        return resolve_region(text)
    except RegionError as exc:
        raise UserFacingError(str(exc)) from None


def resolve_trust(snap: Snapshot, query: str) -> Trust:
    query = query.strip()
    if not query:
        raise UserFacingError("Name a trust: start typing and pick one from the list.")
    if len(query) > MAX_QUERY:
        raise UserFacingError(
            f"That is too long for a trust name ({len(query):,} characters): try an org code such as RTX."
        )
    trust, matches = snap.trust_index.resolve(query)
    if trust is not None:
        return trust
    if matches:
        names = "; ".join(f"{shown(m.trust.name, 80)} ({m.trust.org_code})" for m in matches[:5])
        raise UserFacingError(f"No single trust matches “{shown(query)}”. Did you mean: {names}?")
    raise UserFacingError(
        f"No trust matches “{shown(query)}”. Try an org code such as RTX, or part of a name."
    )


def resolve_strike(snap: Snapshot, value: str) -> StrikePeriod:
    """A strike option: a period id from autocomplete, or what a member typed (dates, a day
    inside the strike, a month, "latest"); several or none gives the candidates or the nearest."""
    found = find_strike(snap.released_periods(), value)
    if found.period is not None:
        return found.period
    if found.candidates:
        names = "; ".join(strike_name(p) for p in found.candidates)
        raise UserFacingError(
            f"“{shown(value)}” fits more than one strike: {names}. Pick one from the list."
        )
    nearest = (
        f" Nearest: {'; '.join(strike_name(p) for p in found.nearest)}." if found.nearest else ""
    )
    raise UserFacingError(
        f"No strike with figures matches “{shown(value)}”.{nearest} Pick one from the list,"
        " or see `/strikes list`."
    )
