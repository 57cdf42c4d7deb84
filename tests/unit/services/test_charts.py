"""Charts: every kind renders to a sound PNG whose title, legend, plot and source line never collide."""

from __future__ import annotations

import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image, ImageStat

from bot.domain.figures import NOT_REPORTED, Figures
from bot.domain.formatting import date_label, period_label
from bot.domain.records import PeriodFigures, Release, ReleaseStatus, StrikePeriod, Trust
from bot.domain.reports import LeagueRow, NationalReport, TrustReport
from bot.nhs.reference import calendar_seed, trust_seed
from bot.services import charts
from bot.services.charts import Mark, milestone_marks

ROOT = Path(__file__).resolve().parents[3]
CALENDAR = calendar_seed()
TRUSTS = trust_seed()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def strikes(figures: list[Figures]) -> list[PeriodFigures]:
    """One period per figure, on the real strike calendar's dates, each with its own release."""
    out = []
    for n, (entry, f) in enumerate(zip(CALENDAR, figures, strict=False), start=1):
        period = StrikePeriod(n, entry.start, entry.end, entry.staff_groups)
        release = Release(
            n,
            f"https://example.invalid/release-{n}.xlsx",
            "Industrial action data",
            "2024-01-01T00:00:00+00:00",
            entry.end + timedelta(days=14),
            f"{n:064x}",
            ReleaseStatus.INGESTED,
            None,
            n,
        )
        out.append(PeriodFigures(period, release, f))
    return out


def trust_figures() -> list[Figures]:
    """22 strikes of a big trust (about 41,000 in all), two of them not reported."""
    out = []
    for n in range(22):
        if n in (3, 9):
            out.append(NOT_REPORTED)
        else:
            out.append(Figures(150 + (n * 37) % 400, 900 + (n * 311) % 2100))
    return out


def trust(name: str = "University Hospitals of Morecambe Bay NHS Foundation Trust", code="RTX"):
    return Trust(code, name, "North West")


def league(n: int) -> list[LeagueRow]:
    return [
        LeagueRow(rank, t, Figures(2_000 + 150 * (n - rank), 30_000 - 1_100 * rank))
        for rank, t in enumerate(TRUSTS[:n], start=1)
    ]


NATIONAL = [e.national if e.national.total is not None else NOT_REPORTED for e in CALENDAR[:22]]

# Every kind, as (figure builder, chart builder): the same inputs for the layout and the PNG.
KINDS = {
    "trust": lambda: trust_chart_pair(strikes(trust_figures())),
    "trust, one strike": lambda: trust_chart_pair(strikes([Figures(700, 2_400)])),
    "trust, every strike 0": lambda: trust_chart_pair(strikes([Figures(0, 0)] * 6)),
    "trust, none reported": lambda: trust_chart_pair(strikes([NOT_REPORTED] * 5)),
    "trust, no strikes": lambda: trust_chart_pair([]),
    "trust, very long name": lambda: trust_chart_pair(
        strikes(trust_figures()),
        trust(
            "The Very Long Named Royal Infirmary and Associated Teaching Hospitals NHS FT", "RZZ"
        ),
    ),
    "national": lambda: national_chart_pair(strikes(NATIONAL)),
    "top 10": lambda: top_chart_pair(league(10), "Top 10 trusts: all strikes since December 2022"),
    "top 25": lambda: top_chart_pair(league(25), "Top 25 trusts: 19-23 Sep 2023, North East"),
    "top, nobody": lambda: top_chart_pair([], "Top 0 trusts: 19-23 Sep 2023"),
}
EMPTY = {"trust, none reported", "trust, no strikes", "top, nobody"}
NO_BARS = EMPTY | {"trust, every strike 0"}
HAS_LEGEND = {k for k in KINDS if not k.startswith("top")} - {"trust, no strikes"}


def trust_chart_pair(periods, subject=None):
    subject = subject or trust()
    report = TrustReport(subject, periods, 1, 120)
    title = (
        f"{subject.name} ({subject.org_code}): appointments and operations rescheduled by strikes"
    )
    figure = charts.running_total_figure(title, periods, step=1_000)
    return figure, lambda: charts.trust_chart(report)


def national_chart_pair(periods):
    figure = charts.running_total_figure(
        "England: appointments and operations rescheduled by strikes", periods, step=100_000
    )
    return figure, lambda: charts.national_chart(NationalReport(periods))


def top_chart_pair(rows, title):
    published = CALENDAR[21].end
    figure = charts.top_figure(rows, title, published=published)
    return figure, lambda: charts.top_chart(rows, title, published=published)


@pytest.fixture(params=list(KINDS), scope="module")
def kind(request):
    figure, chart = KINDS[request.param]()
    figure.canvas.draw()
    return request.param, figure, chart()


# ---------------------------------------------------------------- helpers on a drawn figure


def by_gid(figure, gid: str) -> list[Text]:
    return [t for t in figure.findobj(Text) if t.get_gid() == gid and t.get_text()]


def overlap(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def boxes(figure) -> dict[str, Bbox]:
    """The extents of the chart's parts, in pixels: title, legend, plot (axes and tick labels), source."""
    renderer = figure.canvas.get_renderer()
    out = {
        "title": by_gid(figure, "title")[0].get_window_extent(renderer),
        "source": by_gid(figure, "source")[0].get_window_extent(renderer),
        "plot": Bbox.union([ax.get_tightbbox(renderer) for ax in figure.axes]),
    }
    if figure.legends:
        out["legend"] = figure.legends[0].get_window_extent(renderer)
    return out


def shown_tick_labels(ax) -> list[Text]:
    low, high = sorted(ax.get_xlim())
    return [
        t
        for t in ax.get_xticklabels()
        if t.get_visible() and t.get_text() and low <= t.get_position()[0] <= high
    ]


# ---------------------------------------------------------------- the PNG


def test_png_is_a_sound_image_of_the_right_size(kind):
    name, _, chart = kind
    assert chart.png.startswith(PNG_SIGNATURE)
    assert 10_000 < len(chart.png) < 1_000_000  # well under Discord's attachment limit
    image = Image.open(io.BytesIO(chart.png))
    width, height = image.size
    assert width == 1280  # 6.4 in at 200 dpi: sharp when opened, readable when shrunk to 550
    if name.startswith("top"):
        assert 500 <= height <= 2_500
    else:
        assert height == 720
    assert chart.filename.endswith(".png") and chart.filename.startswith("strikewatch-")


def test_png_is_not_blank(kind):
    name, _, chart = kind
    image = Image.open(io.BytesIO(chart.png)).convert("RGB")
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 8
    assert len(image.getcolors(maxcolors=1 << 20)) > 50
    if name not in NO_BARS:
        blue = sum(
            count
            for count, (r, g, b) in image.getcolors(maxcolors=1 << 20)
            if abs(r - 0x00) < 20 and abs(g - 0x5E) < 20 and abs(b - 0xB8) < 20
        )
        assert blue > 0.005 * image.width * image.height  # the bars are there


# ---------------------------------------------------------------- the layout


def test_title_and_legend_never_overlap(kind):
    name, figure, _ = kind
    parts = boxes(figure)
    assert ("legend" in parts) == (name in HAS_LEGEND)
    if "legend" in parts:
        assert not overlap(parts["title"], parts["legend"])
        assert parts["legend"].y1 <= parts["title"].y0  # under the title, as a row


def test_title_legend_plot_and_source_each_keep_their_place(kind):
    _, figure, _ = kind
    parts = boxes(figure)
    names = list(parts)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not overlap(parts[a], parts[b]), f"{a} overlaps {b}"
    assert parts["source"].y1 <= parts["plot"].y0  # the source line is at the bottom
    assert parts["title"].y0 >= parts["plot"].y1  # and the title on top


def test_every_text_is_inside_the_figure(kind):
    _, figure, _ = kind
    renderer = figure.canvas.get_renderer()
    frame = figure.bbox
    parts = [*boxes(figure).values()]
    parts += [t.get_window_extent(renderer) for t in by_gid(figure, "milestone")]
    parts += [t.get_window_extent(renderer) for t in by_gid(figure, "note")]
    for box in parts:
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, box
        assert frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1, box


def test_text_is_readable_at_discords_preview_width(kind):
    _, figure, _ = kind
    scale = charts.PREVIEW_WIDTH_PX / (figure.get_figwidth() * 72)  # preview px per point
    sizes = {
        t.get_fontsize() for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()
    }
    assert sizes and min(sizes) * scale >= 11, sorted(sizes)


def test_date_labels_are_months_and_stand_clear_of_each_other(kind):
    name, figure, _ = kind
    if name.startswith("top") or name == "trust, no strikes":
        return
    renderer = figure.canvas.get_renderer()
    labels = shown_tick_labels(figure.axes[0])
    texts = [t.get_text() for t in labels]
    assert 2 <= len(texts) <= 7 and len(set(texts)) == len(texts), texts
    assert all(len(t.split()) == 2 and t.split()[1].isdigit() for t in texts), texts  # "Sep 2023"
    extents = [t.get_window_extent(renderer) for t in labels]
    for a, b in zip(extents, extents[1:], strict=False):
        assert not overlap(a, b)


def test_milestone_labels_stand_clear_of_each_other_and_of_the_header(kind):
    _, figure, _ = kind
    renderer = figure.canvas.get_renderer()
    labels = [t.get_window_extent(renderer) for t in by_gid(figure, "milestone")]
    header = [b for k, b in boxes(figure).items() if k in ("title", "legend", "source")]
    for i, a in enumerate(labels):
        assert not any(overlap(a, b) for b in labels[i + 1 :] + header)


def test_a_trust_chart_marks_a_few_round_milestones():
    figure, _ = trust_chart_pair(strikes(trust_figures()))
    labels = [t.get_text() for t in by_gid(figure, "milestone")]
    assert labels == ["10,000", "20,000", "30,000", "40,000"]
    assert len(figure.findobj(lambda a: a.get_gid() == "milestone-mark")) == 4


def test_a_long_title_wraps_to_as_few_lines_as_fit():
    figure, _ = trust_chart_pair(strikes(trust_figures()))
    (title,) = by_gid(figure, "title")
    assert title.get_text().count("\n") == 1
    figure, _ = national_chart_pair(strikes(NATIONAL))
    (title,) = by_gid(figure, "title")
    assert "\n" not in title.get_text()


def test_the_source_line_names_nhs_england_and_the_latest_release():
    periods = strikes(trust_figures())
    figure, _ = trust_chart_pair(periods)
    (source,) = by_gid(figure, "source")
    latest = max(p.release.published for p in periods)
    assert source.get_text().startswith("Source: NHS England")
    assert date_label(latest) in source.get_text()


def test_the_league_is_ranked_top_down_with_values_at_the_bars_ends():
    rows = league(12)
    figure = charts.top_figure(rows, "Top 12 trusts: all strikes", published=None)
    figure.canvas.draw()
    ax = figure.axes[0]
    renderer = figure.canvas.get_renderer()
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names[0].startswith("Bedfordshire Hospitals") and "(RC9)" in names[0]
    assert all("NHS Foundation Trust" not in n for n in names)  # shortened to fit
    assert "The Queen Elizabeth Hospital, King's Lynn (RCX)" in [
        n.replace("\n", " ") for n in names
    ]
    ys = [t.get_window_extent(renderer).y0 for t in ax.get_yticklabels()]
    assert ys == sorted(ys, reverse=True)  # rank 1 at the top
    values = [t.get_text() for t in ax.texts if t.get_text()]
    assert values == [f"{r.figures.total:,}" for r in rows]
    (source,) = by_gid(figure, "source")
    assert source.get_text() == "Source: NHS England, industrial action releases · Strikewatch"


# ---------------------------------------------------------------- the alt text


def test_descriptions_fit_discords_limit_and_name_the_subject(kind):
    name, _, chart = kind
    assert 40 < len(chart.description) <= 1024
    assert "Source: NHS England" in chart.description
    if name.startswith("trust"):
        assert "(R" in chart.description
    if name == "national":
        assert "England" in chart.description


def test_a_trust_description_gives_the_key_figures():
    periods = strikes(trust_figures())
    chart = charts.trust_chart(TrustReport(trust(), periods, 1, 120))
    total = sum(p.figures.total or 0 for p in periods)
    latest = periods[-1]
    text = chart.description
    assert "University Hospitals of Morecambe Bay NHS Foundation Trust (RTX)" in text
    assert f"{total:,} after the latest strike" in text
    assert period_label(latest.period.start, latest.period.end) in text
    assert f"{latest.figures.total:,}" in text
    assert "22 strikes" in text and "2 strikes not reported" in text
    assert "Milestones passed: 10,000 in" in text and "40,000 in" in text
    assert chart.filename == "strikewatch-RTX.png"


def test_a_league_description_lists_the_trusts_in_order():
    rows = league(25)
    chart = charts.top_chart(rows, "Top 25 trusts: all strikes", published=CALENDAR[0].end)
    assert chart.description.index("1. Bedfordshire") < chart.description.index("2. ")
    assert len(chart.description) <= 1024
    assert chart.description.endswith("Strikewatch")


def test_empty_charts_say_so():
    assert "no strikes yet" in charts.trust_chart(TrustReport(trust(), [], None, 0)).description
    nothing = charts.trust_chart(TrustReport(trust(), strikes([NOT_REPORTED] * 3), None, 0))
    assert "not reported for any of 3 strikes" in nothing.description
    figure, _ = trust_chart_pair(strikes([NOT_REPORTED] * 3))
    assert [t.get_text() for t in by_gid(figure, "note")] == [
        "No figures reported for these strikes"
    ]


# ---------------------------------------------------------------- which milestones are marked


@pytest.mark.parametrize(
    ("running", "step", "extra", "cap", "marks"),
    [
        # Few enough: every step.
        ([900, 2_100, 3_000], 1_000, (), 5, [Mark(1_000, 1), Mark(2_000, 1), Mark(3_000, 2)]),
        # 40 steps of 1,000: widened to 10,000.
        (
            [5_000, 25_000, 40_500],
            1_000,
            (),
            5,
            [Mark(10_000, 1), Mark(20_000, 1), Mark(30_000, 2), Mark(40_000, 2)],
        ),
        # England: 100,000 widened to 500,000.
        (
            [400_000, 1_500_000],
            100_000,
            (),
            5,
            [Mark(500_000, 1), Mark(1_000_000, 1), Mark(1_500_000, 1)],
        ),
        # A server's extra threshold is always marked; the steps make room for it.
        ([3_000, 9_000], 1_000, (4_321,), 3, [Mark(4_321, 1), Mark(5_000, 1)]),
        # More extras than the cap: the largest.
        ([10_000], 0, (1_000, 2_000, 3_000, 4_000), 2, [Mark(3_000, 0), Mark(4_000, 0)]),
        # Nothing to mark.
        ([0, 0], 1_000, (), 5, []),
        ([], 1_000, (), 5, []),
        ([5_000], 0, (), 5, []),
        ([5_000], 1_000, (), 0, []),
    ],
)
def test_milestone_marks(running, step, extra, cap, marks):
    assert milestone_marks(running, step=step, extra=extra, cap=cap) == marks


def test_an_alerts_threshold_is_marked_on_its_chart():
    periods = strikes(trust_figures())
    chart = charts.trust_chart(TrustReport(trust(), periods, 1, 120), extra=(37_000,))
    assert "37,000 in" in chart.description


# ---------------------------------------------------------------- off the event loop


def test_renders_in_threads_at_once_match_renders_one_by_one():
    periods = strikes(trust_figures())
    jobs = [
        lambda: charts.trust_chart(TrustReport(trust(), periods, 1, 120)),
        lambda: charts.national_chart(NationalReport(strikes(NATIONAL))),
        lambda: charts.top_chart(league(10), "Top 10 trusts: all strikes"),
    ] * 2
    alone = [job().png for job in jobs]
    with ThreadPoolExecutor(len(jobs)) as pool:
        together = list(pool.map(lambda job: job().png, jobs))
    assert together == alone


def test_importing_the_module_does_not_import_matplotlib():
    code = "import sys, bot.services.charts; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
