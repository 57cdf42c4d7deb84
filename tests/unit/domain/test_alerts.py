"""Milestone rules, through the store: alerts are decided in the transaction that stores a release."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain import announcements
from bot.domain.alerts import (
    ENGLAND,
    AlertSettings,
    ReleaseFacts,
    ThresholdError,
    parse_thresholds,
    plan,
)
from bot.domain.announcements import AnnouncedStrike
from bot.domain.formatting import escape
from bot.domain.records import NewRelease, ReleaseStatus, StaffAbsentRow, TrustDay, Workforce
from bot.domain.releases import record_release

pytestmark = pytest.mark.both_backends  # the rules hold on either store

GUILD_A, GUILD_B = 111, 222


@pytest.mark.parametrize("text", ["-5", "lots", "4000, x", "0", "999999999999"])
def test_absurd_thresholds_are_refused(text):
    with pytest.raises(ThresholdError):
        parse_thresholds(text)


def test_thresholds_parse_with_separators():
    assert parse_thresholds("4000, 10000") == (4000, 10000)
    assert parse_thresholds("10,000 4,000") == (4000, 10000)


def test_escape_keeps_mentions_inert():
    text = escape("@everyone <@&123456789012345678> *x*")
    assert "@everyone" not in text and "<@&" not in text and "*x*" not in text


class World:
    """A store with one strike period per release, and helpers to store releases giving totals."""

    def __init__(self, store):
        self.store = store
        self.n = 0

    async def release(
        self, figures: dict[str, int], *, period_index: int | None = None, validation="ok"
    ):
        """Store a release whose per-trust totals are `figures` (inpatient only, for simplicity)."""
        periods = await self.store.calendar.periods()
        self.n += 1
        period = periods[period_index if period_index is not None else self.n]
        return await record_release(
            self.store,
            NewRelease(
                url=f"https://nhs.example/r{self.n}.xlsx",
                published=period.end + timedelta(days=4 + self.n),
                sha256=f"{self.n:064x}",
                status=ReleaseStatus.INGESTED,
                period_id=period.id,
                validation=validation,
            ),
            figures=[TrustDay(code, period.start, total, 0) for code, total in figures.items()],
        )

    async def outbox(self, guild_id):
        return sorted(await self.store.outbox.of_server(guild_id), key=lambda a: a.id)


@pytest.fixture
def world(store):
    return World(store)


async def staff_release(store, period, rtx: int, part: Workforce, rows: list[StaffAbsentRow]):
    """A release of `period` with RTX's figure on its first day, and a workforce part."""
    return await record_release(
        store,
        NewRelease(
            url="https://nhs.example/staff.xlsx",
            published=period.end + timedelta(days=5),
            sha256="e" * 64,
            status=ReleaseStatus.INGESTED,
            period_id=period.id,
        ),
        figures=[TrustDay("RTX", period.start, rtx, 0)],
        workforce=part,
        staff_absent=rows,
    )


async def test_a_tracked_trust_crossing_a_threshold_alerts_once_with_the_right_text(world, store):
    await store.servers.update(GUILD_A, channel_id=5)
    await store.servers.track(GUILD_A, "RTX")
    await world.release({"RTX": 3_526, "RXX": 10})
    first = await world.outbox(GUILD_A)
    # Exactly one alert, RTX's 3,000: England's 3,536 is far from its first 100,000.
    assert [(a.kind, a.subject, a.key) for a in first] == [("trust_milestone", "RTX", "3000")]
    await world.release({"RTX": 604, "RXX": 10})
    alerts = await world.outbox(GUILD_A)
    new = [a for a in alerts if a not in first]
    assert [(a.kind, a.subject, a.key) for a in new] == [("trust_milestone", "RTX", "4000")]
    body = new[0].body
    assert "University Hospitals of Morecambe Bay NHS Foundation Trust" in body
    assert "**4,000**" in body and "4,130 since December 2022" in body and "604 in the" in body
    assert "https://nhs.example/r2.xlsx" in body


async def test_several_thresholds_at_once_make_one_alert_naming_the_highest(world, store):
    await store.servers.update(GUILD_A, channel_id=5, national_every=100_000)
    await world.release({"RTX": 885_154})
    await world.release({"RTX": 129_913})
    national = [a for a in await world.outbox(GUILD_A) if a.kind == "national_milestone"]
    assert [a.key for a in national] == ["800000", "1000000"]
    assert "England passes 1,000,000" in national[-1].body and "1,015,067" in national[-1].body


async def test_a_revision_down_then_up_never_realerts(world, store):
    await store.servers.update(GUILD_A, channel_id=5, national_every=0)
    await store.servers.track(GUILD_A, "RTX")
    await world.release({"RTX": 900}, period_index=1)
    await world.release({"RTX": 200}, period_index=2)  # 1,100: crosses 1,000
    await world.release({"RTX": 50}, period_index=2)  # revised down: 950, below 1,000 again
    await world.release({"RTX": 1_300}, period_index=2)  # revised up: 2,200; 1,000 is not news
    keys = [a.key for a in await world.outbox(GUILD_A) if a.kind == "trust_milestone"]
    assert keys == ["1000", "2000"]


async def test_tracking_a_trust_already_past_thresholds_announces_none(world, store):
    await store.servers.update(GUILD_A, channel_id=5, national_every=0)
    await world.release({"RTX": 4_130})
    await store.servers.track(GUILD_A, "RTX")
    assert await world.outbox(GUILD_A) == []
    await world.release({"RTX": 500})  # 4,630: crosses nothing
    assert await world.outbox(GUILD_A) == []
    await world.release({"RTX": 400})  # 5,030: crosses 5,000, caused by a release after tracking
    assert [a.key for a in await world.outbox(GUILD_A)] == ["5000"]


async def test_servers_are_isolated_and_need_a_channel(world, store):
    await store.servers.update(
        GUILD_A, channel_id=5, trust_every=1_000, extra=(4_000,), national_every=0
    )
    await store.servers.update(GUILD_B, channel_id=6, trust_every=0, national_every=1_000)
    await store.servers.track(GUILD_A, "RTX")
    await store.servers.track(GUILD_B, "RJ1")
    await store.servers.track(333, "RTX")  # no channel: no alerts
    await world.release({"RTX": 4_100, "RJ1": 5_000})
    assert [(a.kind, a.subject, a.key) for a in await world.outbox(GUILD_A)] == [
        ("trust_milestone", "RTX", "4000")
    ]
    assert [(a.kind, a.subject, a.key) for a in await world.outbox(GUILD_B)] == [
        ("national_milestone", ENGLAND, "9000")
    ]
    assert await world.outbox(333) == []


async def test_a_release_that_fails_validation_alerts_only_the_owner(world, store):
    await store.servers.update(GUILD_A, channel_id=5)
    await store.servers.track(GUILD_A, "RTX")
    release = await world.release(
        {"RTX": 5_000}, validation="trust rows sum to 5,000; the England row says 6,000"
    )
    assert await world.outbox(GUILD_A) == []
    owner = await world.outbox(0)
    assert [(a.kind, a.subject) for a in owner] == [("owner_report", str(release.id))]
    assert "failed validation" in owner[0].body


async def test_digest_lists_tracked_trusts(world, store):
    await store.servers.update(GUILD_A, channel_id=5, digest=True, national_every=0, trust_every=0)
    await store.servers.track(GUILD_A, "RTX")
    await store.servers.track(GUILD_A, "RJ1")
    await world.release({"RTX": 604, "RJ1": 12})
    digest = [a for a in await world.outbox(GUILD_A) if a.kind == "digest"]
    assert len(digest) == 1
    assert (
        "Morecambe Bay NHS Foundation Trust (RTX): 604; 604 since December 2022" in digest[0].body
    )
    assert "(RJ1): 12" in digest[0].body and "England: 616" in digest[0].body


async def test_the_digest_names_englands_peak_of_staff_absent(world, store):
    await store.servers.update(GUILD_A, channel_id=5, digest=True, national_every=0, trust_every=0)
    await store.servers.track(GUILD_A, "RTX")
    periods = await store.calendar.periods()
    period = periods[1]
    first, second = period.start, period.start + timedelta(days=1)
    rows = [
        StaffAbsentRow(0, "RTX", first, 40),
        StaffAbsentRow(0, "RJ1", first, None),  # not reported: not part of the sum
        StaffAbsentRow(0, "RTX", second, 75),
        StaffAbsentRow(0, "RJ1", second, 25),
    ]
    part = Workforce(True, "read", days=((first, None), (second, None)))
    await staff_release(store, period, 604, part, rows)
    (digest,) = [a for a in await world.outbox(GUILD_A) if a.kind == "digest"]
    assert f"England: 604; 604 since December 2022; 100 staff absent at the peak ({second.day}" in (
        digest.body
    ), digest.body
    await world.release({"RTX": 10})  # a release without a workforce part names no peak
    later = [a for a in await world.outbox(GUILD_A) if a.kind == "digest"][-1]
    assert "staff absent" not in later.body


@pytest.mark.parametrize("adds_up", [True, False])
async def test_a_workforce_part_that_does_not_add_up_is_reported_to_the_owners_only(
    world, store, adds_up
):
    await store.servers.update(GUILD_A, channel_id=5, trust_every=1_000, national_every=0)
    await store.servers.track(GUILD_A, "RTX")
    period = (await store.calendar.periods())[1]
    day = period.start
    check = (
        "ok" if adds_up else f"staff absent: {day}: trust rows sum to 75, the England row says 90"
    )
    part = Workforce(True, "read", validation=check, days=((day, 90 if not adds_up else 75),))
    release = await staff_release(store, period, 1_200, part, [StaffAbsentRow(0, "RTX", day, 75)])
    # The rescheduled figures are not in doubt: the server hears of its trust as always.
    assert [(a.kind, a.subject) for a in await world.outbox(GUILD_A)] == [
        ("trust_milestone", "RTX")
    ]
    owner = await world.outbox(0)
    if adds_up:
        assert owner == []
        return
    assert [(a.kind, a.subject, a.key) for a in owner] == [
        ("owner_report", str(release.id), "staff absent")
    ]
    assert "does not add up" in owner[0].body and "the England row says 90" in owner[0].body
    assert "https://nhs.example/staff.xlsx" in owner[0].body


async def test_announced_strike_reminders_are_due_at_their_times_and_cancel(store):
    start = date.today() + timedelta(days=10)
    strike = await announcements.announce(
        store,
        AnnouncedStrike(
            0, GUILD_A, start, start + timedelta(days=2), "resident doctors", "BMA", ""
        ),
        created_by=1,
        now=datetime.now(UTC),
    )
    reminders = await store.outbox.of_server(GUILD_A)
    assert {a.key for a in reminders} == {"day-before", "first-morning"}
    assert await store.outbox.due() == []  # not due yet
    await announcements.cancel(store, GUILD_A, strike.id)
    assert {a.status for a in await store.outbox.of_server(GUILD_A)} == {"cancelled"}
    assert await announcements.cancel(store, GUILD_B, strike.id) is None


# -- plan, without a store: which thresholds each server is told ----------------------------------


def _facts(figures: dict[str, int | None], *, revised: bool = False) -> ReleaseFacts:
    return ReleaseFacts(
        release_id=7,
        url="https://nhs.example/r7.xlsx",
        start=date(2023, 10, 2),
        end=date(2023, 10, 5),
        staff_groups="consultants; junior doctors",
        revised=revised,
        validation="ok",
        figures=figures,
        names={"RTX": "University Hospitals of Morecambe Bay NHS Foundation Trust"},
    )


def _told(drafts) -> list[tuple[int, str, str, str, tuple[int, ...]]]:
    return [(d.guild_id, d.kind, d.subject, d.key, d.passed) for d in drafts]


def test_plan_announces_totals_landing_exactly_on_a_threshold():
    every = AlertSettings(GUILD_A, channel_id=5, tracked=frozenset({"RTX"}))
    extra_only = AlertSettings(
        GUILD_B, channel_id=6, trust_every=0, extra=(1_000,), tracked=frozenset({"RTX"})
    )
    drafts = plan(
        _facts({"RTX": 1, ENGLAND: 1}),
        before={"RTX": 999, ENGLAND: 99_999},
        after={"RTX": 1_000, ENGLAND: 100_000},
        audience=[every, extra_only],
        announced=set(),
    )
    assert _told(drafts) == [
        (GUILD_A, "trust_milestone", "RTX", "1000", (1_000,)),
        (GUILD_A, "national_milestone", ENGLAND, "100000", (100_000,)),
        (GUILD_B, "trust_milestone", "RTX", "1000", (1_000,)),
        (GUILD_B, "national_milestone", ENGLAND, "100000", (100_000,)),
    ]
    assert "has now passed **1,000** strike cancellations (1,000 since December 2022;" in (
        drafts[0].body
    )
    assert "**England passes 100,000**" in drafts[1].body
    assert "(100,000 since December 2022; 1 in the 2-5 Oct 2023 strikes)" in drafts[1].body


def test_plan_never_tells_a_server_a_threshold_twice():
    """2,100 (one alert, naming 2,000), revised down to 10, then 1,050: 1,000 is not news."""
    server = AlertSettings(GUILD_A, channel_id=5, national_every=0, tracked=frozenset({"RTX"}))
    announced: set[tuple[int, str, int]] = set()
    told = []
    for before, after in [(0, 2_100), (2_100, 10), (10, 1_050), (1_050, 3_050)]:
        drafts = plan(_facts({"RTX": after}), {"RTX": before}, {"RTX": after}, [server], announced)
        told.append([(d.key, d.passed) for d in drafts])
        # What the store records with each alert: every threshold it passed.
        announced |= {(d.guild_id, d.subject, t) for d in drafts for t in d.passed}
    assert told == [[("2000", (1_000, 2_000))], [], [], [("3000", (3_000,))]]


def test_what_one_server_was_told_does_not_silence_another():
    a = AlertSettings(GUILD_A, channel_id=5, national_every=0, tracked=frozenset({"RTX", "RJ1"}))
    b = AlertSettings(GUILD_B, channel_id=6, national_every=0, tracked=frozenset({"RTX"}))
    drafts = plan(
        _facts({"RTX": 1_040, "RJ1": 1_040}),
        before={"RTX": 10, "RJ1": 10},
        after={"RTX": 1_050, "RJ1": 1_050},
        audience=[a, b],
        announced={(GUILD_A, "RTX", 1_000)},
    )
    assert _told(drafts) == [
        (GUILD_A, "trust_milestone", "RJ1", "1000", (1_000,)),
        (GUILD_B, "trust_milestone", "RTX", "1000", (1_000,)),
    ]
