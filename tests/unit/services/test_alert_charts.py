"""The chart a milestone alert carries: its subject's, as its server counts milestones, drawn once
for every server that counts alike, and never in the way of the alert itself."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.alerts import Alert, AlertKind, AlertSettings, AlertStatus
from bot.domain.figures import Figures
from bot.domain.records import Release, ReleaseStatus, StrikePeriod, Trust
from bot.domain.region_figures import region_periods
from bot.domain.regions import region_subject
from bot.domain.reports import build_snapshot
from bot.nhs.reference import calendar_seed
from bot.services import alert_charts
from bot.services.alert_charts import AlertCharts

PNG = b"\x89PNG\r\n\x1a\n"
TRUSTS = [
    Trust("RTX", "University Hospitals of Morecambe Bay NHS Foundation Trust", "North West"),
    Trust("R0A", "Manchester University NHS Foundation Trust", "NORTH WEST"),
    Trust("R1H", "Barts Health NHS Trust", "London"),
]


def snapshot(stamp: tuple = (1,)):
    """Three strikes: RTX 2,000 + 2,200 + 1,411, R0A 1,000 each, R1H 9,000 each."""
    periods, releases, totals = [], [], {}
    for n, entry in enumerate(calendar_seed()[:3], start=1):
        periods.append(StrikePeriod(n, entry.start, entry.end, entry.staff_groups))
        releases.append(
            Release(
                n,
                f"https://nhs.example/r{n}.xlsx",
                "",
                "",
                entry.end + timedelta(days=9),
                f"{n:064x}",
                ReleaseStatus.INGESTED,
                None,
                n,
            )
        )
        totals[n] = {
            "RTX": Figures((2_000, 2_200, 1_411)[n - 1], 0),
            "R0A": Figures(1_000, 0),
            "R1H": Figures(9_000, 0),
        }
    return build_snapshot(stamp, periods, releases, totals, TRUSTS)


def alert(kind: AlertKind, subject: str, key: str, guild: int = 1) -> Alert:
    return Alert(
        id=guild, guild_id=guild, kind=kind, subject=subject, key=key, body="",
        status=AlertStatus.PENDING, attempts=0, error=None, channel_id=None,
        created_at="", sent_at=None,
    )  # fmt: skip


def charts(stamp: tuple = (1,)) -> AlertCharts:
    async def current():
        return snapshot(stamp)

    return AlertCharts(current)


async def test_a_trust_milestone_carries_the_trusts_chart_with_its_threshold_marked():
    chart = await charts().chart(
        alert(AlertKind.TRUST_MILESTONE, "RTX", "5000"), AlertSettings(1, trust_every=0)
    )
    assert chart is not None and chart.png.startswith(PNG) and len(chart.png) > 10_000
    assert chart.filename == "strikewatch-RTX.png"
    assert "University Hospitals of Morecambe Bay NHS Foundation Trust (RTX)" in chart.description
    assert "5,611 after the latest strike" in chart.description
    assert "Milestones passed: 5,000 in" in chart.description


async def test_england_and_a_region_carry_theirs():
    drawn = charts()
    england = await drawn.chart(
        alert(AlertKind.NATIONAL_MILESTONE, "ENGLAND", "30000"), AlertSettings(1)
    )
    assert england is not None and "England" in england.description
    assert "35,611 after the latest strike" in england.description  # 12,000 + 12,200 + 11,411
    region = await drawn.chart(
        alert(AlertKind.REGION_MILESTONE, region_subject("North West"), "8000"), AlertSettings(1)
    )
    assert region is not None and region.filename == "strikewatch-north-west.png"
    # RTX and R0A ("NORTH WEST" is the same region), not R1H: 5,611 + 3,000.
    assert "8,611 after the latest strike" in region.description
    assert "Milestones passed: 8,000 in" in region.description


def test_a_regions_figures_are_its_trusts_summed():
    periods = region_periods(snapshot(), "North West")
    assert [p.figures.total for p in periods] == [3_000, 3_200, 2_411]
    assert [p.figures.total for p in region_periods(snapshot(), "South West")] == [None] * 3


@pytest.mark.parametrize(
    ("kind", "subject", "settings"),
    [
        (AlertKind.TRUST_MILESTONE, "RTX", AlertSettings(1, charts=False)),
        (AlertKind.DIGEST, "7", AlertSettings(1)),
        (AlertKind.REGION_DIGEST, region_subject("London"), AlertSettings(1)),
        (AlertKind.TRUST_MILESTONE, "ZZZ", AlertSettings(1)),  # a trust the figures lack
    ],
)
async def test_no_chart_when_off_for_a_digest_or_an_unknown_trust(kind, subject, settings):
    assert await charts().chart(alert(kind, subject, "1000"), settings) is None


async def test_one_drawing_serves_every_server_that_counts_alike(monkeypatch):
    drawn = charts()
    calls = []
    real = alert_charts.national_chart

    def counting(*args, **kw):
        calls.append(kw)
        return real(*args, **kw)

    monkeypatch.setattr(alert_charts, "national_chart", counting)
    england = [alert(AlertKind.NATIONAL_MILESTONE, "ENGLAND", "30000", guild=g) for g in range(6)]
    same = [await drawn.chart(a, AlertSettings(a.guild_id)) for a in england[:5]]
    assert len(calls) == 1 and all(c is same[0] for c in same)
    other = await drawn.chart(england[5], AlertSettings(5, national_every=10_000))
    assert len(calls) == 2 and other is not same[0]
    newer = charts(stamp=(2,))  # the figures changed: drawn again
    monkeypatch.setattr(alert_charts, "national_chart", counting)
    await newer.chart(england[0], AlertSettings(0))
    assert len(calls) == 3


async def test_a_drawing_that_fails_sends_the_alert_without_a_chart_and_is_tried_again(
    monkeypatch,
):
    drawn = charts()

    def broken(*args, **kw):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(alert_charts, "trust_chart", broken)
    milestone = alert(AlertKind.TRUST_MILESTONE, "RTX", "5000")
    assert await drawn.chart(milestone, AlertSettings(1)) is None
    monkeypatch.undo()
    assert await drawn.chart(milestone, AlertSettings(1)) is not None


async def test_unreadable_figures_send_the_alert_without_a_chart():
    async def down():
        raise TimeoutError

    drawn = AlertCharts(down)
    assert (
        await drawn.chart(alert(AlertKind.TRUST_MILESTONE, "RTX", "5000"), AlertSettings(1)) is None
    )
