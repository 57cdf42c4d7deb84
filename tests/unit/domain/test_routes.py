"""Followed regions and a channel per subject, in the pure rules: who is told what, and where.

The rule that matters most: however a server's subjects overlap (a tracked trust inside a followed
region), one release tells it each milestone once, on the trust's own route.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.domain.alerts import (
    ENGLAND,
    SERVER_ROUTE,
    AlertKind,
    AlertSettings,
    ChannelKind,
    Destination,
    ReleaseFacts,
    plan,
    trust_routes,
)
from bot.domain.records import Turnout
from bot.domain.regions import (
    REGIONS,
    RegionError,
    canonical_region,
    region_subject,
    resolve_region,
    subject_region,
)

GUILD = 111
NORTH_WEST = region_subject("North West")
LONDON = region_subject("London")
# RTX and R0A are in the North West, R1H in London.
REGIONS_OF = {"RTX": "North West", "R0A": "North West", "RBV": "North West", "RBS": "North West"}
NAMES = {
    "RTX": "University Hospitals of Morecambe Bay NHS Foundation Trust",
    "R0A": "Manchester University NHS Foundation Trust",
    "RBV": "The Christie NHS Foundation Trust",
    "RBS": "Alder Hey Children's NHS Foundation Trust",
    "R1H": "Barts Health NHS Trust",
}


def facts(figures: dict[str, int | None], regions=REGIONS_OF) -> ReleaseFacts:
    return ReleaseFacts(
        release_id=7,
        url="https://nhs.example/r7.xlsx",
        start=date(2023, 10, 2),
        end=date(2023, 10, 5),
        staff_groups="consultants; junior doctors",
        revised=False,
        validation="ok",
        figures=figures,
        names=NAMES,
        regions=dict(regions),
    )


def server(**kw) -> AlertSettings:
    return AlertSettings(GUILD, **{"channel_id": 5, "national_every": 0, **kw})


def told(drafts) -> list[tuple[str, str, str, str]]:
    return [(d.kind, d.subject, d.key, d.route) for d in drafts]


# Before and after one release: RTX 3,074 -> 5,611, R0A 900 -> 1,200, the region 9,500 -> 12,000.
BEFORE = {"RTX": 3_074, "R0A": 900, "RBV": 5_526, "RBS": 0, NORTH_WEST: 9_500, ENGLAND: 90_000}
AFTER = {"RTX": 5_611, "R0A": 1_200, "RBV": 5_589, "RBS": 0, NORTH_WEST: 12_400, ENGLAND: 92_500}
THIS = {"RTX": 2_537, "R0A": 300, "RBV": 63, "RBS": None, NORTH_WEST: 2_900, ENGLAND: 2_500}


def test_a_tracked_trust_inside_a_followed_region_is_told_once_on_its_own_route():
    channels = {"RTX": Destination(7, ChannelKind.ANNOUNCEMENT), NORTH_WEST: Destination(8)}
    listener = server(
        tracked=frozenset({"RTX"}), regions=frozenset({"North West"}), channels=channels
    )
    drafts = plan(facts(THIS), BEFORE, AFTER, [listener], set())
    assert told(drafts) == [
        ("trust_milestone", "R0A", "1000", NORTH_WEST),
        ("trust_milestone", "RTX", "5000", "RTX"),  # once, and on its own route
        ("region_milestone", NORTH_WEST, "10000", NORTH_WEST),
    ]
    assert [listener.destination(d.route) for d in drafts] == [
        Destination(8),
        Destination(7, ChannelKind.ANNOUNCEMENT),
        Destination(8),
    ]


def test_a_tracked_trust_without_its_own_channel_still_wins_over_its_region():
    """Its own route is the server's channel: not the region's, and not both."""
    listener = server(
        tracked=frozenset({"RTX"}),
        regions=frozenset({"North West"}),
        channels={NORTH_WEST: Destination(8)},
    )
    assert trust_routes(listener, REGIONS_OF)["RTX"] == "RTX"
    drafts = [d for d in plan(facts(THIS), BEFORE, AFTER, [listener], set()) if d.subject == "RTX"]
    assert told(drafts) == [("trust_milestone", "RTX", "5000", "RTX")]
    assert listener.destination("RTX") == Destination(5)


def test_every_trust_a_server_hears_about_has_exactly_one_route():
    listener = server(
        tracked=frozenset({"RTX", "R1H"}), regions=frozenset({"North West", "London"})
    )
    regions_of = {**REGIONS_OF, "R1H": "London", "RAL": "London", "RA7": "South West"}
    assert trust_routes(listener, regions_of) == {
        "RTX": "RTX",
        "R0A": NORTH_WEST,
        "RBV": NORTH_WEST,
        "RBS": NORTH_WEST,
        "R1H": "R1H",
        "RAL": LONDON,
    }


def test_region_milestones_use_the_region_step_not_the_trusts_extra_thresholds():
    listener = server(
        regions=frozenset({"North West"}), trust_every=0, extra=(12_000,), region_every=2_000
    )
    drafts = plan(facts(THIS), BEFORE, AFTER, [listener], set())
    # The region passes 10,000 and 12,000 by its own step; the extra 12,000 is a trust threshold,
    # which no trust reaches (and the trust step is off).
    assert told(drafts) == [("region_milestone", NORTH_WEST, "12000", NORTH_WEST)]
    assert drafts[0].passed == (10_000, 12_000)
    assert drafts[0].body.startswith("**North West passes 12,000** appointments and operations")
    assert "(12,400 since December 2022; 2,900 in the 2-5 Oct 2023 strikes)" in drafts[0].body


def test_a_region_step_of_zero_turns_region_milestones_off():
    listener = server(regions=frozenset({"North West"}), trust_every=0, region_every=0)
    assert plan(facts(THIS), BEFORE, AFTER, [listener], set()) == []


def test_what_was_announced_for_the_region_is_never_announced_again():
    listener = server(regions=frozenset({"North West"}), trust_every=0)
    announced = {(GUILD, NORTH_WEST, 10_000)}
    assert plan(facts(THIS), BEFORE, AFTER, [listener], announced) == []


def test_the_regional_digest_has_the_strike_total_the_running_total_and_the_top_three():
    listener = server(
        regions=frozenset({"North West"}),
        trust_every=0,
        region_every=0,
        digest=True,
        channels={NORTH_WEST: Destination(8)},
    )
    (digest,) = plan(facts(THIS), BEFORE, AFTER, [listener], set())
    assert (digest.kind, digest.subject, digest.key, digest.route) == (
        AlertKind.REGION_DIGEST,
        NORTH_WEST,
        "7",
        NORTH_WEST,
    )
    assert digest.body.splitlines() == [
        "**New NHS England figures for the 2-5 Oct 2023 strikes: North West**"
        " (consultants; junior doctors)",
        "- North West: 2,900 in this strike; 12,400 since December 2022",
        "1. University Hospitals of Morecambe Bay NHS Foundation Trust (RTX): 2,537",
        "2. Manchester University NHS Foundation Trust (R0A): 300",
        "3. The Christie NHS Foundation Trust (RBV): 63",
        "Source: NHS England, https://nhs.example/r7.xlsx",
    ]


def test_the_regional_digest_names_englands_peak_of_staff_absent_when_the_release_counts_it():
    listener = server(regions=frozenset({"North West"}), trust_every=0, region_every=0, digest=True)
    counted = replace(
        facts(THIS),
        staff_absent=Turnout(((date(2023, 10, 2), 20_000), (date(2023, 10, 3), 27_137))),
    )
    (digest,) = plan(counted, BEFORE, AFTER, [listener], set())
    lines = digest.body.splitlines()
    assert lines[-2] == "- England: 27,137 staff absent at the peak (3 Oct 2023)"


def test_no_regional_digest_without_the_digest_on():
    listener = server(regions=frozenset({"North West"}), trust_every=0, region_every=0)
    assert plan(facts(THIS), BEFORE, AFTER, [listener], set()) == []


def test_an_alert_with_nowhere_to_go_is_not_written():
    """No server channel: only the subject with its own channel is told."""
    listener = server(
        channel_id=None,
        tracked=frozenset({"RTX", "R0A"}),
        channels={"R0A": Destination(9)},
        national_every=1_000,
        digest=True,
    )
    drafts = plan(facts(THIS), BEFORE, AFTER, [listener], set())
    assert told(drafts) == [("trust_milestone", "R0A", "1000", "R0A")]


def test_a_subject_whose_channel_is_gone_falls_back_to_the_server_channel():
    gone = Destination(7, ChannelKind.THREAD, gone=True)
    listener = server(
        tracked=frozenset({"RTX"}), channels={"RTX": gone, NORTH_WEST: Destination(8)}
    )
    assert listener.destination("RTX") == Destination(5)
    assert listener.falls_back("RTX") and not listener.falls_back(NORTH_WEST)
    assert listener.destination(NORTH_WEST) == Destination(8)
    assert listener.destination(SERVER_ROUTE) == Destination(5)
    assert server(channel_id=None, channels={"RTX": gone}).destination("RTX") is None


def test_the_server_channel_keeps_its_kind():
    listener = server(channel_kind=ChannelKind.ANNOUNCEMENT)
    assert listener.destination(SERVER_ROUTE) == Destination(5, ChannelKind.ANNOUNCEMENT)


# -- regions by name -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("North West", "North West"),
        ("north west", "North West"),
        ("  NORTH   WEST ", "North West"),
        ("North East & Yorkshire", "North East and Yorkshire"),
        ("north east", "North East and Yorkshire"),
        ("NHS England London region", "London"),
        ("east of", "East of England"),
        ("Mid", "Midlands"),
    ],
)
def test_a_region_is_found_however_it_is_typed(text, region):
    assert resolve_region(text) == region


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Wales",
            "There is no NHS England region called “Wales”. The regions are: East of England",
        ),
        ("North", "“North” could be North East and Yorkshire or North West"),
        ("South", "could be South East or South West"),
        ("", "There is no NHS England region called “”"),
        ("@everyone", "called “@\u200beveryone”"),
    ],
)
def test_a_text_that_names_no_single_region_is_refused_with_the_regions(text, message):
    with pytest.raises(RegionError, match=message):
        resolve_region(text)


def test_trusts_region_texts_are_read_whatever_their_spelling():
    assert canonical_region("NORTH EAST AND YORKSHIRE") == "North East and Yorkshire"
    assert canonical_region("North East & Yorkshire") == "North East and Yorkshire"
    assert canonical_region("Scotland") is None and canonical_region(None) is None
    assert [canonical_region(r) for r in REGIONS] == list(REGIONS)


def test_a_region_subject_names_its_region():
    assert subject_region(region_subject("South West")) == "South West"
    assert subject_region("RTX") is None and subject_region(ENGLAND) is None
