"""Turns reports into Discord embeds within Discord's limits (4,096-character descriptions, 6,000 in all)."""

from __future__ import annotations

import discord

from bot.domain.figures import Figures
from bot.domain.formatting import date_label, day_label, number, period_label
from bot.domain.records import PeriodFigures, PollRecord
from bot.domain.reports import LeagueRow, NationalReport, TrustReport
from cogs.util import clip

SOURCE = "NHS England: elective activity rescheduled due to industrial action"
DESCRIPTION_LIMIT = 4096
FOOTER = "Source: NHS England. Inpatient and outpatient rescheduled; “not reported” is not zero."
COLOUR = discord.Colour.from_rgb(0, 94, 184)  # NHS blue


def lines_within(head: list[str], lines: list[str], limit: int = DESCRIPTION_LIMIT) -> str:
    """Head, then as many lines as fit, then a note of how many were left out."""
    out = list(head)
    size = sum(len(h) + 1 for h in head)
    for i, line in enumerate(lines):
        tail = f"… and {len(lines) - i} more"
        if size + len(line) + 1 + len(tail) > limit:
            out.append(tail)
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def _figures_line(f: Figures) -> str:
    return f"**{number(f.total)}** ({number(f.inpatient)} inpatient, {number(f.outpatient)} outpatient)"


def source_line(p: PeriodFigures) -> str:
    revised = ", revised" if p.revised else ""
    return f"[NHS England release]({p.release.url}), published {date_label(p.release.published)}{revised}"


def trust_embed(report: TrustReport) -> discord.Embed:
    trust = report.trust
    embed = discord.Embed(title=clip(f"{trust.name} ({trust.org_code})", 256), colour=COLOUR)
    rank = f", rank {report.rank} of {report.ranked} trusts" if report.rank else ""
    head = [
        f"**{report.cumulative_total:,}** appointments and operations rescheduled in strikes since December 2022{rank}.",
        f"Region: {trust.region or 'unknown'}",
        "",
    ]
    lines = [
        f"**{period_label(p.period.start, p.period.end)}** · {clip(p.period.staff_groups or 'staff group unknown', 60)}: "
        + (_figures_line(p.figures) if p.figures.total is not None else "no return")
        + (" · revised" if p.revised else "")
        for p in reversed(report.periods)
    ]
    embed.description = lines_within(head, lines)
    if report.periods:
        embed.add_field(name="Latest source", value=source_line(report.periods[-1]), inline=False)
    embed.set_footer(text=FOOTER)
    return embed


def trust_strike_embed(report: TrustReport, p: PeriodFigures) -> discord.Embed:
    trust = report.trust
    label = period_label(p.period.start, p.period.end)
    embed = discord.Embed(
        title=clip(f"{trust.name} ({trust.org_code}): {label}", 256), colour=COLOUR
    )
    embed.add_field(name="Staff groups", value=clip(p.period.staff_groups or "unknown", 1024))
    embed.add_field(name="Inpatient", value=number(p.figures.inpatient))
    embed.add_field(name="Outpatient", value=number(p.figures.outpatient))
    embed.add_field(name="Total", value=number(p.figures.total))
    days = [(d, f) for d, f in p.days if d is not None]
    if days:
        lines = [f"{day_label(d)}: {_figures_line(f)}" for d, f in days]
        peak_day, peak = max(days, key=lambda item: item[1].total or -1)
        head = [f"Running total since December 2022: **{report.cumulative_total:,}**", ""]
        embed.description = lines_within(head, lines)
        if peak.total is not None:
            embed.add_field(name="Peak day", value=f"{day_label(peak_day)}: {number(peak.total)}")
    else:
        embed.description = f"Running total since December 2022: **{report.cumulative_total:,}**\nThis release gives totals for the strike, not per day."
    embed.add_field(name="Source", value=source_line(p), inline=False)
    embed.set_footer(text=FOOTER)
    return embed


def national_embed(
    report: NationalReport, next_milestone: int | None, only: PeriodFigures | None = None
) -> discord.Embed:
    embed = discord.Embed(
        title="England: appointments and operations rescheduled in strikes", colour=COLOUR
    )
    periods = [only] if only else list(reversed(report.periods))
    lines = [
        f"**{period_label(p.period.start, p.period.end)}** · {clip(p.period.staff_groups or 'staff group unknown', 60)}: "
        + _figures_line(p.figures)
        + (" · revised" if p.revised else "")
        for p in periods
    ]
    head = [f"**{report.cumulative_total:,}** in all strikes with a published release.", ""]
    embed.description = lines_within(head, lines)
    if next_milestone:
        embed.add_field(
            name="Next milestone",
            value=f"{next_milestone:,} ({next_milestone - report.cumulative_total:,} to go)",
        )
    if only:
        embed.add_field(name="Source", value=source_line(only), inline=False)
    embed.set_footer(text=FOOTER)
    return embed


def league_embed(rows: list[LeagueRow], title: str) -> discord.Embed:
    embed = discord.Embed(title=clip(title, 256), colour=COLOUR)
    lines = [
        f"{r.rank}. {r.trust.name} ({r.trust.org_code}): **{number(r.figures.total)}**"
        for r in rows
    ]
    embed.description = (
        lines_within([], lines) if lines else "No trust has figures for this choice."
    )
    embed.set_footer(text=FOOTER)
    return embed


def poll_result(poll: PollRecord) -> str:
    """One recorded poll in words, for /about and /source status."""
    if poll.ok:
        s = poll.summary or {}
        return f"ok: {s.get('new', 0)} new, {s.get('revised', 0)} revised, {s.get('skipped', 0)} skipped"
    if poll.ok is None:
        return "running, or interrupted"
    return f"failed: {clip(poll.error or '', 300)}"
