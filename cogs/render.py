"""Turns reports into Discord embeds within Discord's limits (4,096-character descriptions, 6,000 in all)."""

from __future__ import annotations

from datetime import date

import discord

from bot.domain.figures import Figures
from bot.domain.formatting import date_label, day_label, escape, number, period_label
from bot.domain.records import PeriodFigures, PollRecord, StrikePeriod, Turnout
from bot.domain.reports import LeagueRow, NationalReport, TrustReport, TurnoutLeague
from bot.domain.summaries import Folded, StrikeLine, fold
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


def _strike_line(line: StrikeLine, *, peak_absent: bool = False) -> str:
    p = line.figures
    label = f"**{period_label(p.period.start, p.period.end)}** · {clip(p.period.staff_groups or 'staff group unknown', 60)}: "
    if p.figures.total is None:
        return label + "no return"
    parts = [label + _figures_line(p.figures)]
    if line.share is not None:
        parts.append(f"{line.share:.1%} of England")
    if line.change is not None and line.previous is not None:
        before = line.previous.period
        parts.append(f"{line.change:+,} on {period_label(before.start, before.end)}")
    if peak_absent and p.staff_absent and p.staff_absent.peak_day:
        parts.append(
            f"{p.staff_absent.peak:,} staff absent at the peak ({date_label(p.staff_absent.peak_day)})"
        )
    if p.revised:
        parts.append("revised")
    return " · ".join(parts)


def _fold_line(folded: Folded) -> list[str]:
    parts = []
    if folded.older:
        parts.append(
            f"{folded.older} earlier {_strikes(folded.older)} with {folded.older_total:,} rescheduled"
        )
    if folded.none_rescheduled:
        parts.append(
            f"{folded.none_rescheduled} {_strikes(folded.none_rescheduled)} with none rescheduled"
        )
    return [f"*and {'; and '.join(parts)}*"] if parts else []


def _strikes(n: int) -> str:
    return "strike" if n == 1 else "strikes"


def trust_embed(
    report: TrustReport, folded: Folded, in_region: tuple[int, int] | None
) -> discord.Embed:
    trust = report.trust
    embed = discord.Embed(title=clip(f"{trust.name} ({trust.org_code})", 256), colour=COLOUR)
    rank = f"; rank {report.rank} of {report.ranked} trusts" if report.rank else ""
    if in_region:
        rank += f", {in_region[0]} of {in_region[1]} in {trust.region}"
    head = [
        f"**{report.cumulative_total:,}** appointments and operations rescheduled in strikes since December 2022{rank}.",
        "",
    ]
    lines = [_strike_line(line) for line in folded.lines] + _fold_line(folded)
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
    absent = dict(p.staff_absent.days) if p.staff_absent else {}
    if days:
        lines = [f"{day_label(d)}: {_figures_line(f)}{_absent_on(absent, d)}" for d, f in days]
        peak_day, peak = max(days, key=lambda item: item[1].total or -1)
        head = [f"Running total since December 2022: **{report.cumulative_total:,}**", ""]
        embed.description = lines_within(head, lines)
        if peak.total is not None:
            embed.add_field(name="Peak day", value=f"{day_label(peak_day)}: {number(peak.total)}")
    else:
        embed.description = f"Running total since December 2022: **{report.cumulative_total:,}**\nThis release gives totals for the strike, not per day."
    embed.add_field(name="Staff absent at the peak", value=_peak(p.staff_absent))
    embed.add_field(name="Source", value=source_line(p), inline=False)
    embed.set_footer(text=FOOTER)
    return embed


def _absent_on(absent: dict[date, int | None], day: date) -> str:
    """A day's staff absent beside its rescheduled figures, when the release counts staff."""
    if day not in absent:
        return ""
    n = absent[day]
    return " · staff absent not reported" if n is None else f" · **{n:,}** staff absent"


def _peak(turnout: Turnout | None) -> str:
    if turnout is None or turnout.peak_day is None:
        return "no workforce return for this strike"
    return f"{turnout.peak:,} on {day_label(turnout.peak_day)}"


def national_embed(
    report: NationalReport, next_milestone: int | None, only: PeriodFigures | None = None
) -> discord.Embed:
    embed = discord.Embed(
        title="England: appointments and operations rescheduled in strikes", colour=COLOUR
    )
    folded = fold([only] if only else report.periods)
    lines = [_strike_line(line, peak_absent=True) for line in folded.lines] + _fold_line(folded)
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


def league_embed(rows: list[LeagueRow], title: str, none_rescheduled: int = 0) -> discord.Embed:
    embed = discord.Embed(title=clip(title, 256), colour=COLOUR)
    lines = [
        f"{r.rank}. {escape(r.trust.name)} ({r.trust.org_code}): **{number(r.figures.total)}**"
        for r in rows
    ]
    if none_rescheduled:
        trusts = "trust" if none_rescheduled == 1 else "trusts"
        lines.append(f"*and {none_rescheduled} {trusts} with none rescheduled*")
    embed.description = (
        lines_within([], lines) if rows else "No trust rescheduled anything for this choice."
    )
    embed.set_footer(text=FOOTER)
    return embed


def turnout_embed(
    league: TurnoutLeague,
    period: StrikePeriod,
    england: Turnout | None,
    staff_group: str,
    limit: int,
    region: str | None,
) -> discord.Embed:
    where = f", {region}" if region else ""
    embed = discord.Embed(
        title=clip(
            f"Staff absent at the peak: {period_label(period.start, period.end)}{where}", 256
        ),
        colour=COLOUR,
    )
    head = [f"Staff counted: {escape(clip(staff_group or 'as the release names them', 200))}.", ""]
    lines = [
        f"{r.rank}. {escape(r.trust.name)} ({r.trust.org_code}): **{r.turnout.peak:,}** on"
        f" {day_label(r.turnout.peak_day)}"
        for r in league.rows[:limit]
        if r.turnout.peak_day is not None
    ]
    if league.not_reported:
        trusts = "trust" if league.not_reported == 1 else "trusts"
        lines.append(
            f"*{league.not_reported} {trusts} made no return: left out (not reported is not zero)*"
        )
    if not league.rows:
        lines.insert(0, "No trust reported staff absent for this choice.")
    embed.description = lines_within(head, lines)
    if england is not None and england.peak_day is not None and not region:
        embed.add_field(
            name="England at the peak", value=f"{england.peak:,} on {day_label(england.peak_day)}"
        )
    embed.set_footer(
        text="Source: NHS England, workforce SitRep (staff absent because of industrial action)."
    )
    return embed


def poll_result(poll: PollRecord) -> str:
    """One recorded poll in words, for /about and /source status."""
    if poll.ok:
        s = poll.summary or {}
        return f"ok: {s.get('new', 0)} new, {s.get('revised', 0)} revised, {s.get('skipped', 0)} skipped"
    if poll.ok is None:
        return "running, or interrupted"
    return f"failed: {clip(poll.error or '', 300)}"
