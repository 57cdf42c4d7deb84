"""Charts a journalist can paste into a story: PNG and alt text, one style (matplotlib, imported lazily).

Two shapes share the style. A subject's running total (a trust, England, later a region): a bar per
strike on a real time axis, the running total as a line, the milestones it passed marked. A league:
horizontal bars, highest at the top. Every chart has its title on top, its legend as a row under the
title (never over it), and a source line at the bottom, and is sized to stay readable when Discord
shrinks it to its ~550 px preview.

Rendering takes a few hundred milliseconds: call it off the event loop, e.g.
`chart = await asyncio.to_thread(trust_chart, report)`. Each chart is its own `Figure` on its own
Agg canvas, with every size passed explicitly: nothing touches pyplot or the global rcParams, so
renders in several threads do not interfere.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.domain.formatting import date_label, number, period_label
from bot.domain.milestones import NATIONAL_STEP, TRUST_STEP, crossed
from bot.domain.records import PeriodFigures
from bot.domain.reports import LeagueRow, NationalReport, Snapshot, TrustReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Discord shows an attachment or embed image about 550 px wide. At 6.4 in wide, the smallest text
# (9.5 pt) is then about 11 px tall there, and the full 1280 px image stays sharp when opened.
PREVIEW_WIDTH_PX = 550
WIDTH_IN, HEIGHT_IN, DPI = 6.4, 3.6, 200
TITLE_PT, TEXT_PT, SMALL_PT = 12.5, 10.0, 9.5
SOURCE_STRIP_IN = 0.22  # kept free at the bottom for the source line
MARGIN_IN, GAP_IN = 0.1, 0.08  # around the edge; between the title, the legend and the plot
MARK_CAP = 5  # milestones marked on one chart at most; more would bury the line
MAX_DESCRIPTION = 1024  # Discord's limit for an attachment's description

BAR, LINE, INK, MUTED = "#005EB8", "#DA291C", "#231F20", "#768692"  # NHS blue, red, black, grey


@dataclass(frozen=True, slots=True)
class Chart:
    """A rendered chart: the PNG, its alt text (the attachment's description) and a file name."""

    png: bytes
    description: str
    filename: str


@dataclass(frozen=True, slots=True)
class Mark:
    """A milestone on a running-total chart: the threshold, and the strike (index) that passed it."""

    threshold: int
    strike: int


def milestone_marks(
    running: Sequence[int], *, step: int, extra: Iterable[int] = (), cap: int = MARK_CAP
) -> list[Mark]:
    """The milestones worth marking on a running total (one value per strike): at most `cap`.

    Every extra threshold passed is kept (the largest `cap` when there are more): a server chose
    them, and an alert passes the threshold it announces here so its chart shows it. The step is
    widened to the smallest of step x 1, 2, 5, 10, 20, 50 ... that fits the rest under the cap, so
    a trust at 40,500 with the default 1,000 shows 10,000, 20,000, 30,000 and 40,000, not forty
    marks; every mark is still a threshold the step's alerts would have announced.
    """
    total = running[-1] if running else 0
    if cap <= 0 or total <= 0:
        return []
    kept = sorted({t for t in extra if 0 < t <= total})[-cap:]
    wide = 0
    if step > 0 and len(kept) < cap:
        wide = next(
            s for s in _widened(step) if len(set(range(s, total + 1, s)) | set(kept)) <= cap
        )
    marks, before = [], 0
    for strike, after in enumerate(running):
        marks += [Mark(t, strike) for t in crossed(before, after, step=wide, extra=kept)]
        before = max(before, after)
    return marks


def _widened(step: int) -> Iterator[int]:
    scale = 1
    while True:
        for k in (1, 2, 5):
            yield step * k * scale
        scale *= 10


# ---------------------------------------------------------------- running total (trust, England)


def trust_chart(
    report: TrustReport, *, step: int = TRUST_STEP, extra: Iterable[int] = (), cap: int = MARK_CAP
) -> Chart:
    """A trust's strikes and running total, its milestones marked (step and extra as its alerts)."""
    trust = report.trust
    return running_total_chart(
        f"{trust.name} ({trust.org_code}): appointments and operations rescheduled by strikes",
        f"{trust.name} ({trust.org_code})",
        report.periods,
        step=step,
        extra=extra,
        cap=cap,
        filename=f"strikewatch-{trust.org_code}.png",
    )


def national_chart(
    report: NationalReport,
    *,
    step: int = NATIONAL_STEP,
    extra: Iterable[int] = (),
    cap: int = MARK_CAP,
) -> Chart:
    """England's strikes and running total, its milestones marked."""
    return running_total_chart(
        "England: appointments and operations rescheduled by strikes",
        "England",
        report.periods,
        step=step,
        extra=extra,
        cap=cap,
        filename="strikewatch-england.png",
    )


def running_total_chart(
    title: str,
    subject: str,
    periods: Sequence[PeriodFigures],
    *,
    step: int,
    extra: Iterable[int] = (),
    cap: int = MARK_CAP,
    filename: str | None = None,
) -> Chart:
    """Any subject's strikes (oldest first) and running total: the one core trust, England and a
    region share. `title` heads the chart; `subject` names it in the alt text and the file name."""
    story = _Story.of(periods, step=step, extra=extra, cap=cap)
    figure = _running_total_figure(title, story)
    return Chart(
        _png(figure, title),
        story.description(subject),
        filename or f"strikewatch-{_slug(subject)}.png",
    )


def running_total_figure(
    title: str,
    periods: Sequence[PeriodFigures],
    *,
    step: int,
    extra: Iterable[int] = (),
    cap: int = MARK_CAP,
) -> Figure:
    """The running-total chart as an unsaved Figure, for tests and anyone checking its layout."""
    return _running_total_figure(title, _Story.of(periods, step=step, extra=extra, cap=cap))


@dataclass(frozen=True)
class _Story:
    """What a running-total chart shows, worked out once for the picture and its alt text."""

    periods: tuple[PeriodFigures, ...]
    running: tuple[int, ...]
    marks: tuple[Mark, ...]

    @classmethod
    def of(
        cls, periods: Sequence[PeriodFigures], *, step: int, extra: Iterable[int], cap: int
    ) -> _Story:
        running, acc = [], 0
        for p in periods:
            acc += p.figures.total or 0  # not reported adds nothing (bot/domain/figures.py)
            running.append(acc)
        return cls(
            tuple(periods),
            tuple(running),
            tuple(milestone_marks(running, step=step, extra=extra, cap=cap)),
        )

    @property
    def reported(self) -> list[PeriodFigures]:
        return [p for p in self.periods if p.figures.total is not None]

    @property
    def source(self) -> str:
        return _source_line(max((p.release.published for p in self.periods), default=None))

    def description(self, subject: str) -> str:
        what = f"Chart of appointments and operations rescheduled by strikes for {subject}"
        n = len(self.periods)
        if not self.reported:
            none = f"not reported for any of {_count(n, 'strike')}" if n else "no strikes yet"
            return _clip(f"{what}: {none}. {self.source}")
        first, latest = self.periods[0], self.periods[-1]
        span = _period(first) if n == 1 else f"{_period(first)} to {_period(latest)}"
        biggest = max(self.reported, key=lambda p: p.figures.total or 0)
        missing = n - len(self.reported)
        head = (
            f"{what}: a bar for {'each of ' * (n > 1)}{_count(n, 'strike')} on a time axis, "
            f"{span}, and the running total as a line, {self.running[-1]:,} after the latest strike. "
            f"Latest strike, {_period(latest)}: {number(latest.figures.total)}. "
            + (f"Largest, {_period(biggest)}: {biggest.figures.total:,}. " if n > 1 else "")
            + (f"{_count(missing, 'strike')} not reported. " if missing else "")
        )
        marks = (
            "Milestones passed: "
            + "; ".join(f"{m.threshold:,} in {_period(self.periods[m.strike])}" for m in self.marks)
            + ". "
            if self.marks
            else ""
        )
        return _clip(head + marks + self.source, fallback=head + self.source)


def _running_total_figure(title: str, story: _Story) -> Figure:
    from matplotlib import dates as mdates
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    figure, ax = _canvas(title, HEIGHT_IN, story.source)
    total_ax = ax.twinx()
    x = [mdates.date2num(_middle(p.period.start, p.period.end)) for p in story.periods]
    shown = [i for i, p in enumerate(story.periods) if p.figures.total is not None]
    missing = [i for i, p in enumerate(story.periods) if p.figures.total is None]

    if x:
        low, high = min(x), max(x)
        pad = max((high - low) * 0.05, 20.0)
        # At least three months in view, so the date axis ticks months rather than days.
        extra = max(0.0, 90.0 - (high - low + 2 * pad)) / 2
        ax.set_xlim(low - pad - extra, high + pad + extra)
    else:
        ax.set_xlim(0, 90)
    span = ax.get_xlim()[1] - ax.get_xlim()[0]
    widths = _bar_widths(story.periods, x, minimum=span * 0.012)
    values = [story.periods[i].figures.total or 0 for i in shown]
    ax.bar(
        [x[i] for i in shown],
        values,
        width=[widths[i] for i in shown],
        color=BAR,
        edgecolor=BAR,
        linewidth=0.6,  # a strike a day from the next still shows as a line
        zorder=2,
    )
    if missing:
        ax.plot(
            [x[i] for i in missing],
            [0] * len(missing),
            linestyle="",
            marker="x",
            markersize=6,
            markeredgewidth=1.5,
            color=MUTED,
            clip_on=False,
            zorder=4,
        )
    if x:
        # Steps: the total stands still between strikes and rises at each one, so a milestone's
        # mark sits on the rise of the strike that passed it.
        total_ax.plot(
            [x[0], *x],
            [0, *story.running],
            drawstyle="steps-post",
            color=LINE,
            linewidth=2.2,
            marker="o",
            markersize=3.5,
            markevery=list(range(1, len(x) + 1)),
            zorder=3,
        )
    top_bar = max(values, default=0)
    top_total = story.running[-1] if story.running else 0
    # Counts: a top of at least 5 keeps the ticks whole numbers when every strike reported 0.
    ax.set_ylim(0, max(top_bar * 1.12, 5))
    total_ax.set_ylim(0, max(top_total * 1.15, 5))
    _mark_milestones(total_ax, story, x)

    ax.xaxis.set_major_locator(_month_ticks(span))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    for axis, colour, label in ((ax, BAR, "each strike"), (total_ax, LINE, "running total")):
        axis.yaxis.set_major_formatter(_compact)
        axis.tick_params(axis="y", colors=colour, labelsize=TEXT_PT)
        if shown:
            axis.set_ylabel(label, color=colour, fontsize=TEXT_PT)
        else:
            axis.set_yticks([])
        axis.spines["top"].set_visible(False)
    ax.tick_params(axis="x", labelsize=TEXT_PT)
    if not x:
        ax.set_xticks([])

    handles = []
    if shown:
        handles += [
            Patch(color=BAR, label="each strike"),
            Line2D(
                [], [], color=LINE, linewidth=2.2, marker="o", markersize=3.5, label="running total"
            ),
        ]
    if story.marks:
        handles.append(_milestone_handle(label="milestone"))
    if missing:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker="x",
                markeredgewidth=1.5,
                color=MUTED,
                label="not reported",
            )
        )
    if not shown:
        _note(
            ax,
            "No figures reported yet"
            if not story.periods
            else "No figures reported for these strikes",
        )
    _arrange(figure, handles)
    return figure


def _mark_milestones(total_ax: Axes, story: _Story, x: list[float]) -> None:
    """Each milestone: a faint rule at its height and a labelled diamond on the rise that passed it.

    The label sits up and to the left of the diamond, where the (never falling) total has not yet
    been; near the left edge it sits down and to the right instead, where the total is already past.
    Labels closer than a line of text are pushed apart.
    """
    from matplotlib import patheffects

    low, high = total_ax.get_xlim()
    top = total_ax.get_ylim()[1]
    gap = top * 0.085
    placed: list[tuple[bool, float]] = []
    for mark in story.marks:
        at = x[mark.strike]
        left = (at - low) / (high - low) > 0.22
        y = mark.threshold
        for side, other in placed:
            if side == left and abs(y - other) < gap:
                y = other + gap if left else other - gap
        placed.append((left, y))
        total_ax.axhline(
            mark.threshold, color=INK, linewidth=0.6, linestyle=(0, (2, 3)), alpha=0.45
        )
        total_ax.plot([at], [mark.threshold], **_milestone_style(), zorder=5, gid="milestone-mark")
        total_ax.annotate(
            f"{mark.threshold:,}",
            xy=(at, y),
            xytext=(-6, 2) if left else (6, -2),
            textcoords="offset points",
            ha="right" if left else "left",
            va="bottom" if left else "top",
            fontsize=TEXT_PT,
            color=INK,
            # A white halo keeps the label legible over a bar without hiding the bar's height.
            path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
            zorder=6,
            gid="milestone",
        )


def _milestone_style() -> dict:
    return {
        "linestyle": "",
        "marker": "D",
        "markersize": 5.5,
        "markerfacecolor": "white",
        "markeredgecolor": INK,
        "markeredgewidth": 1.4,
    }


def _milestone_handle(label: str):
    from matplotlib.lines import Line2D

    return Line2D([], [], **_milestone_style(), label=label)


def _month_ticks(span_days: float):
    """Ticks on the first of a month, every 1, 2, 3, 6 or 12 months (on quarters and years), or
    every few years: at most about five, so each "Sep 2023" stands clear of the next and none
    repeats."""
    from matplotlib import dates as mdates

    months = span_days / 30.44
    for every in (1, 2, 3, 6, 12):
        if months / every <= 5.5:
            return mdates.MonthLocator(bymonth=range(1, 13, every), bymonthday=1)
    return mdates.YearLocator(base=max(2, math.ceil(months / 12 / 5)))


def _bar_widths(periods: Sequence[PeriodFigures], x: list[float], minimum: float) -> list[float]:
    """A bar spans its strike's days, at least `minimum` so it shows, but never over a neighbour."""
    widths = []
    for i, p in enumerate(periods):
        days = (p.period.end - p.period.start).days + 1
        near = [abs(x[i] - x[j]) for j in (i - 1, i + 1) if 0 <= j < len(x)]
        room = min(near, default=float("inf")) * 0.85
        widths.append(max(min(max(days, minimum), room), min(days, 1.0)))
    return widths


def _middle(start: date, end: date) -> datetime:
    return datetime.combine(start, time()) + (end - start + timedelta(days=1)) / 2


# ---------------------------------------------------------------- league (/top)


def top_chart(rows: Sequence[LeagueRow], title: str, *, published: date | None = None) -> Chart:
    """A league as horizontal bars, highest at the top, each with its value at its end.

    `title` as the command words it ("Top 10 trusts: all strikes since December 2022");
    `published` is the newest release the league draws on (`latest_published`), for the source line.
    """
    figure = top_figure(rows, title, published=published)
    return Chart(
        _png(figure, title), _top_description(rows, title, published), "strikewatch-top.png"
    )


def top_figure(rows: Sequence[LeagueRow], title: str, *, published: date | None = None) -> Figure:
    """The league chart as an unsaved Figure, for tests and anyone checking its layout."""
    labels = [_trust_label(r) for r in rows]
    row_in = 0.42 if any("\n" in label for label in labels) else 0.32
    figure, ax = _canvas(title, max(2.6, 1.3 + row_in * len(rows)), _source_line(published))
    values = [r.figures.total or 0 for r in rows]
    if rows:
        bars = ax.barh(range(len(rows)), values, height=0.72, color=BAR, zorder=2)
        ax.bar_label(
            bars, labels=[f"{v:,}" for v in values], padding=4, fontsize=TEXT_PT, color=INK
        )
        ax.set_yticks(range(len(rows)), labels, fontsize=TEXT_PT)
        ax.set_ylim(len(rows) - 0.5, -0.5)  # rank 1 at the top
        ax.set_xlim(0, max(values) * 1.2 or 1)
    else:
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        _note(ax, "No trust has figures for this choice")
    ax.xaxis.set_visible(False)  # the values are written at the bars' ends
    ax.tick_params(axis="y", length=0, pad=6)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    _arrange(figure, [])
    return figure


def latest_published(snapshot: Snapshot, period_id: int | None = None) -> date | None:
    """The newest release a league draws on (all strikes, or one): its chart's source line date."""
    dates = [r.published for p, r, _ in snapshot.current if period_id is None or p.id == period_id]
    return max(dates, default=None)


def _trust_label(row: LeagueRow) -> str:
    """A trust's name without "NHS Foundation Trust" (its code still says which) and its code."""
    short = re.sub(r"[\s,]+(NHS\s+)?(Foundation\s+)?Trust$", "", row.trust.name.strip(), flags=re.I)
    name = short or row.trust.name
    return textwrap.fill(f"{name} ({row.trust.org_code})", 34)


def _top_description(rows: Sequence[LeagueRow], title: str, published: date | None) -> str:
    source = _source_line(published)
    if not rows:
        return _clip(f"Bar chart, {title}: no trust has figures for this choice. {source}")
    head = f"Horizontal bar chart, {title}, highest first: "
    items = [
        f"{r.rank}. {r.trust.name} ({r.trust.org_code}) {number(r.figures.total)}" for r in rows
    ]
    while len(items) > 1 and len(head + "; ".join(items) + ". " + source) > MAX_DESCRIPTION:
        items = items[:-1]
    return _clip(head + "; ".join(items) + ". " + source)


# ---------------------------------------------------------------- the shared style


def _canvas(title: str, height_in: float, source: str) -> tuple[Figure, Axes]:
    """A figure with its title at the top left, one axes, and the source line at the bottom left."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    left = MARGIN_IN / WIDTH_IN
    figure.text(
        left,
        1 - MARGIN_IN / height_in,
        title,  # wrapped to the width when it is measured (_arrange)
        ha="left",
        va="top",
        fontsize=TITLE_PT,
        fontweight="bold",
        color=INK,
        gid="title",
    )
    figure.text(
        left,
        MARGIN_IN / height_in,
        source,
        ha="left",
        va="bottom",
        fontsize=SMALL_PT,
        color=MUTED,
        gid="source",
    )
    ax = figure.add_subplot()
    ax.spines["top"].set_visible(False)
    return figure, ax


def _arrange(figure: Figure, handles: list) -> None:
    """Measure the header (the title, then the legend as a row under it) and lay the plot out below.

    The constrained layout only gets the band between the header and the source line, so neither the
    title, the legend, the plot nor the source line can run into another, however long the title.
    A legend too wide for one row takes two.
    """
    renderer = figure.canvas.get_renderer()
    height_px = figure.bbox.height
    gap_px = GAP_IN * figure.dpi
    width_px = figure.bbox.width - 2 * MARGIN_IN * figure.dpi
    title = next(t for t in figure.texts if t.get_gid() == "title")
    words = title.get_text()
    for lines in range(1, 6):
        title.set_text(_balanced(words, lines))
        if title.get_window_extent(renderer).width <= width_px:
            break
    bottom_px = title.get_window_extent(renderer).y0
    if handles:
        choices = list(dict.fromkeys((len(handles), (len(handles) + 1) // 2)))
        for ncols in choices:
            legend = figure.legend(
                handles=handles,
                loc="upper left",
                bbox_to_anchor=(MARGIN_IN / WIDTH_IN, (bottom_px - gap_px) / height_px),
                bbox_transform=figure.transFigure,
                ncols=ncols,
                fontsize=TEXT_PT,
                frameon=False,
                borderpad=0,
                borderaxespad=0,
                handlelength=1.4,
                handletextpad=0.5,
                columnspacing=1.1,
            )
            box = legend.get_window_extent(renderer)
            if box.x1 <= MARGIN_IN * figure.dpi + width_px or ncols == choices[-1]:
                break
            legend.remove()
        bottom_px = box.y0
    strip = (SOURCE_STRIP_IN + MARGIN_IN) / figure.get_figheight()
    top = (bottom_px - gap_px) / height_px
    figure.get_layout_engine().set(rect=(0, strip, 1, top - strip), h_pad=0.04, w_pad=0.06)


def _png(figure: Figure, title: str) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Title": title, "Software": "Strikewatch"})
    return out.getvalue()


def _note(ax: Axes, text: str) -> None:
    """Said in the middle of an empty plot, so an empty chart explains itself."""
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=TEXT_PT,
        color=MUTED,
        gid="note",
    )


def _balanced(text: str, lines: int) -> str:
    """Wrapped to (at most) that many lines, as even in length as the words allow."""
    width = math.ceil(len(text) / lines)
    while len(textwrap.wrap(text, width)) > lines:
        width += 1
    return textwrap.fill(text, width)


def _compact(value: float, _position: object = None) -> str:
    """Axis numbers short enough for the preview: 800, 12k, 1.5m."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:g}m"
    if abs(value) >= 1_000:
        return f"{value / 1_000:g}k"
    return f"{value:,.0f}"


def _source_line(published: date | None) -> str:
    latest = f"; latest published {date_label(published)}" if published else ""
    return f"Source: NHS England, industrial action releases{latest} · Strikewatch"


def _period(p: PeriodFigures) -> str:
    return period_label(p.period.start, p.period.end)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


def _clip(text: str, fallback: str | None = None) -> str:
    """Within Discord's limit: the fallback (the essentials) when the full text is too long."""
    if len(text) <= MAX_DESCRIPTION:
        return text
    if fallback is not None and len(fallback) <= MAX_DESCRIPTION:
        return fallback
    return text[: MAX_DESCRIPTION - 1] + "…"
