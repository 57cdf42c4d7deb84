"""/help: the commands this member can use, each with one example, in one private embed."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.render import COLOUR
from cogs.util import is_server_admin

if TYPE_CHECKING:
    from bot.discord_app.client import StrikewatchBot


class Audience(IntEnum):
    EVERYONE = 0
    ADMINS = 1  # Manage Server
    OWNERS = 2  # OWNER_IDS or the application's owner


# Every command, who may use it, and one example (a test checks this matches the command tree).
CATALOGUE: dict[str, tuple[Audience, str]] = {
    "cancellations": (Audience.EVERYONE, "/cancellations trust:Morecambe Bay chart:True"),
    "national": (Audience.EVERYONE, "/national"),
    "top": (Audience.EVERYONE, "/top region:North West limit:10"),
    "turnout": (Audience.EVERYONE, "/turnout strike:19-23 Sep 2023 region:North West"),
    "export": (Audience.EVERYONE, "/export"),
    "strikes list": (Audience.EVERYONE, "/strikes list when:upcoming"),
    "about": (Audience.EVERYONE, "/about"),
    "help": (Audience.EVERYONE, "/help"),
    "track add": (Audience.ADMINS, "/track add trust:Morecambe Bay channel:#morecambe-bay"),
    "track region": (Audience.ADMINS, "/track region region:North West channel:#north-west"),
    "track remove": (Audience.ADMINS, "/track remove trust:RTX"),
    "track list": (Audience.ADMINS, "/track list"),
    "alerts channel": (Audience.ADMINS, "/alerts channel channel:#strikes"),
    "alerts role": (Audience.ADMINS, "/alerts role role:@Strike news"),
    "alerts milestones": (Audience.ADMINS, "/alerts milestones trust_every:1000 extra:4000"),
    "alerts digest": (Audience.ADMINS, "/alerts digest state:on"),
    "alerts charts": (Audience.ADMINS, "/alerts charts state:off"),
    "alerts status": (Audience.ADMINS, "/alerts status"),
    "alerts test": (Audience.ADMINS, "/alerts test"),
    "strikes announce": (
        Audience.ADMINS,
        "/strikes announce start:2026-12-17 end:2026-12-22 staff_group:Resident doctors union:BMA",
    ),
    "strikes cancel": (Audience.ADMINS, "/strikes cancel strike:17-22 Dec 2026"),
    "source poll": (Audience.OWNERS, "/source poll"),
    "source status": (Audience.OWNERS, "/source status"),
}
HEADINGS = {
    Audience.EVERYONE: "Everyone",
    Audience.ADMINS: "Server admins (Manage Server)",
    Audience.OWNERS: "Bot owners",
}


def leaves(tree: app_commands.CommandTree) -> dict[str, app_commands.Command]:
    """Every runnable command in the tree by its full name ("alerts channel")."""
    found: dict[str, app_commands.Command] = {}
    pending: list = list(tree.get_commands())
    while pending:
        command = pending.pop()
        if isinstance(command, app_commands.Group):
            pending += command.commands
        else:
            found[command.qualified_name] = command
    return found


def fields(lines: list[str], limit: int = 1024) -> list[str]:
    """Whole lines packed into embed field values of at most `limit` characters."""
    out: list[str] = []
    for line in lines:
        if out and len(out[-1]) + 1 + len(line) <= limit:
            out[-1] += "\n" + line
        else:
            out.append(line[:limit])
    return out


class Help(commands.Cog):
    def __init__(self, bot: StrikewatchBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="The commands you can use here, with examples")
    async def help(self, interaction: discord.Interaction) -> None:
        allowed = Audience.EVERYONE
        if is_server_admin(interaction):
            allowed = Audience.ADMINS
        if await self.bot.is_owner(interaction.user):
            allowed = Audience.OWNERS
        commands_ = leaves(self.bot.tree)
        embed = discord.Embed(title="Strikewatch commands", colour=COLOUR)
        for audience in Audience:
            if audience > allowed:
                continue
            lines = [
                f"`{example}`: {commands_[name].description}"
                for name, (who, example) in CATALOGUE.items()
                if who == audience and name in commands_
            ]
            for i, value in enumerate(fields(lines)):
                name = HEADINGS[audience] + (" (continued)" if i else "")
                embed.add_field(name=name, value=value, inline=False)
        embed.set_footer(text="Figures: NHS England's industrial action releases (see /about)")
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: StrikewatchBot) -> None:
    await bot.add_cog(Help(bot))
