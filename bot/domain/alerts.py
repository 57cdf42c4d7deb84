"""Which alerts a release causes, for which servers, and what they say (pure: no Discord, no SQL).

The store calls `plan` inside the transaction that stores a release, so an alert is decided exactly
once, together with the figures that caused it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.domain.errors import DomainError
from bot.domain.formatting import date_label, escape, number, period_label
from bot.domain.milestones import NATIONAL_STEP, REGION_STEP, TRUST_STEP, crossed
from bot.domain.records import Turnout
from bot.domain.regions import members, region_subject, subject_region

ENGLAND = "ENGLAND"
MAX_THRESHOLD = 100_000_000  # England's total is about 1.5 million: anything above this is a typo
MAX_EXTRA = 20


class AlertKind(StrEnum):
    TRUST_MILESTONE = "trust_milestone"
    REGION_MILESTONE = "region_milestone"
    NATIONAL_MILESTONE = "national_milestone"
    DIGEST = "digest"
    REGION_DIGEST = "region_digest"
    REMINDER = "reminder"
    OWNER_REPORT = "owner_report"  # to the bot's owners by DM (guild 0)
    TEST = "test"


# The kinds that ping the server's chosen role; a test or an owner report pings nobody.
PINGING_KINDS = frozenset(
    (
        AlertKind.TRUST_MILESTONE,
        AlertKind.REGION_MILESTONE,
        AlertKind.NATIONAL_MILESTONE,
        AlertKind.DIGEST,
        AlertKind.REGION_DIGEST,
        AlertKind.REMINDER,
    )
)
# The kinds that carry their subject's chart when the server has charts on.
MILESTONE_KINDS = frozenset(
    (AlertKind.TRUST_MILESTONE, AlertKind.REGION_MILESTONE, AlertKind.NATIONAL_MILESTONE)
)


class AlertStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


OWNERS = 0  # the guild id of alerts that go to the bot's owners


class ThresholdError(DomainError, ValueError):
    """A threshold setting that cannot be right; the message says why."""


def parse_thresholds(text: str) -> tuple[int, ...]:
    """'4000, 10,000 25000' -> (4000, 10000, 25000); refuses negatives, words and absurd values."""
    parts = [p for p in re.split(r"[;\s]+|,(?!\d{3}\b)", text.strip()) if p]
    values = set()
    for part in parts:
        digits = part.replace(",", "").replace("_", "")
        if not digits.isdigit():
            raise ThresholdError(f"“{escape(part[:30])}” is not a whole number of cancellations")
        value = int(digits)
        if not 0 < value <= MAX_THRESHOLD:
            raise ThresholdError(f"{value:,} is outside 1 to {MAX_THRESHOLD:,}")
        values.add(value)
    if len(values) > MAX_EXTRA:
        raise ThresholdError(f"at most {MAX_EXTRA} extra thresholds")
    return tuple(sorted(values))


def check_step(value: int, name: str) -> int:
    if not 0 <= value <= MAX_THRESHOLD:
        raise ThresholdError(f"{name} must be between 0 (off) and {MAX_THRESHOLD:,}")
    return value


class ChannelKind(StrEnum):
    """Where in Discord an alert can go: an announcement channel's alerts are also published."""

    TEXT = "text"
    ANNOUNCEMENT = "announcement"
    THREAD = "thread"


@dataclass(frozen=True, slots=True)
class Destination:
    """A channel alerts are posted in, and what kind of channel it is."""

    channel_id: int
    kind: ChannelKind = ChannelKind.TEXT
    gone: bool = False  # Discord said it was deleted: its alerts go to the server's channel


SERVER_ROUTE = ""  # the route of alerts that follow the server's own alert channel


@dataclass(frozen=True)
class AlertSettings:
    """One server's alert settings (defaults declared once, here).

    `tracked` trusts and followed `regions` are the server's subjects; `channels` gives a subject
    (an org code, or "region:<name>") its own channel. An alert follows a route: a subject whose
    own channel is set and not gone, else the server's channel.
    """

    guild_id: int
    channel_id: int | None = None
    role_id: int | None = None
    trust_every: int = TRUST_STEP
    national_every: int = NATIONAL_STEP
    extra: tuple[int, ...] = ()
    digest: bool = False
    tracked: frozenset[str] = frozenset()
    channel_kind: ChannelKind = ChannelKind.TEXT
    region_every: int = REGION_STEP
    charts: bool = True
    regions: frozenset[str] = frozenset()
    channels: Mapping[str, Destination] = field(default_factory=dict, hash=False)

    @property
    def server_destination(self) -> Destination | None:
        if self.channel_id is None:
            return None
        return Destination(self.channel_id, self.channel_kind)

    def destination(self, route: str) -> Destination | None:
        """Where an alert following `route` goes now: the subject's own channel, unless Discord
        said it was deleted; otherwise (or for the server's route) the server's alert channel."""
        own = self.channels.get(route) if route else None
        if own is not None and not own.gone:
            return own
        return self.server_destination

    def falls_back(self, route: str) -> bool:
        """Whether `route` has its own channel that is gone, so its alerts use the server's."""
        own = self.channels.get(route) if route else None
        return own is not None and own.gone


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert in the outbox: what to say to which server, and how its delivery went."""

    id: int
    guild_id: int
    kind: AlertKind
    subject: str
    key: str
    body: str
    status: AlertStatus
    attempts: int
    error: str | None
    channel_id: int | None
    created_at: str
    sent_at: str | None
    route: str = SERVER_ROUTE  # the subject whose channel it goes to ("": the server's channel)


class CrosspostStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Crosspost:
    """An alert posted in an announcement channel, to be published to the channels following it."""

    alert_id: int
    guild_id: int
    channel_id: int
    message_id: int
    status: CrosspostStatus
    attempts: int
    error: str | None


@dataclass(frozen=True, slots=True)
class Backlog:
    """The outbox at a glance: alerts not yet delivered, how many are due, and the longest wait."""

    pending: int
    due: int
    oldest_due_since: datetime | None  # when the longest-waiting due alert first fell due

    def oldest_due_seconds(self, now: datetime) -> float:
        if self.oldest_due_since is None:
            return 0.0
        return max(0.0, (now - self.oldest_due_since).total_seconds())


@dataclass(frozen=True)
class ReleaseFacts:
    """What alerts say about a release: the strike, the source, and each subject's figure in it."""

    release_id: int
    url: str
    start: date
    end: date
    staff_groups: str
    revised: bool
    validation: str
    figures: dict[
        str, int | None
    ]  # org code (and ENGLAND, "region:<name>") -> total in this release
    names: dict[str, str]  # org code -> trust name
    regions: dict[str, str] = field(default_factory=dict)  # org code -> its region, where known
    staff_absent: Turnout | None = None  # England's, from the release's workforce part
    # Each followed region's ("region:<name>"): the sum of its trusts that reported
    region_staff_absent: dict[str, Turnout] = field(default_factory=dict)

    @property
    def peak(self) -> str:
        """England's peak of staff absent, for digests ("" when the release counts no staff)."""
        return _peak_text(self.staff_absent)

    def region_peak(self, region: str) -> str:
        """A region's peak of staff absent ("" when none of its trusts reported any)."""
        return _peak_text(self.region_staff_absent.get(region_subject(region)))

    @property
    def strike(self) -> str:
        return f"the {period_label(self.start, self.end)} strikes"


@dataclass(frozen=True)
class Draft:
    """An alert to write to the outbox, and the thresholds it announces."""

    guild_id: int
    kind: AlertKind
    subject: str
    key: str
    body: str
    passed: tuple[int, ...] = field(default=())
    route: str = SERVER_ROUTE  # the subject whose channel it goes to ("": the server's channel)


def _peak_text(turnout: Turnout | None) -> str:
    """ "26,802 staff absent at the peak (20 Sep 2023)", or "" when no day was reported."""
    if turnout is None or turnout.peak_day is None:
        return ""
    return f"{turnout.peak:,} staff absent at the peak ({date_label(turnout.peak_day)})"


def _source(facts: ReleaseFacts) -> str:
    revised = " (revised figures)" if facts.revised else ""
    return f"Source: NHS England, {facts.url}{revised}"


def trust_milestone_text(facts: ReleaseFacts, code: str, threshold: int, total: int) -> str:
    name = escape(facts.names.get(code, code))
    this = facts.figures.get(code)
    groups = f" Staff groups: {escape(facts.staff_groups)}." if facts.staff_groups else ""
    return (
        f"**{name}** has now passed **{threshold:,}** strike cancellations"
        f" ({total:,} since December 2022; {number(this)} in {facts.strike}).{groups}\n{_source(facts)}"
    )


def national_milestone_text(facts: ReleaseFacts, threshold: int, total: int) -> str:
    groups = f" Staff groups: {escape(facts.staff_groups)}." if facts.staff_groups else ""
    return (
        f"**England passes {threshold:,}** appointments and operations rescheduled because of strikes"
        f" ({total:,} since December 2022; {number(facts.figures.get(ENGLAND))} in {facts.strike}).{groups}"
        f"\n{_source(facts)}"
    )


def digest_text(facts: ReleaseFacts, tracked: Iterable[str], after: dict[str, int]) -> str:
    word = "Revised" if facts.revised else "New"
    lines = [
        f"**{word} NHS England figures for {facts.strike}**"
        + (f" ({escape(facts.staff_groups)})" if facts.staff_groups else "")
    ]
    for code in sorted(tracked, key=lambda c: facts.names.get(c, c)):
        lines.append(
            f"- {escape(facts.names.get(code, code))} ({code}): {number(facts.figures.get(code))};"
            f" {after.get(code, 0):,} since December 2022"
        )
    lines.append(
        f"- England: {number(facts.figures.get(ENGLAND))}; {after.get(ENGLAND, 0):,} since December 2022"
        + (f"; {facts.peak}" if facts.peak else "")
    )
    lines.append(_source(facts))
    return "\n".join(lines)


def region_milestone_text(facts: ReleaseFacts, region: str, threshold: int, total: int) -> str:
    groups = f" Staff groups: {escape(facts.staff_groups)}." if facts.staff_groups else ""
    this = facts.figures.get(region_subject(region))
    return (
        f"**{escape(region)} passes {threshold:,}** appointments and operations rescheduled because"
        f" of strikes ({total:,} since December 2022; {number(this)} in {facts.strike}).{groups}"
        f"\n{_source(facts)}"
    )


TOP_IN_DIGEST = 3


def region_digest_text(facts: ReleaseFacts, region: str, total: int) -> str:
    """A region's figures in one release: its total, its running total, its top trusts."""
    word = "Revised" if facts.revised else "New"
    this = facts.figures.get(region_subject(region))
    reported = [
        (figure, code)
        for code in members(facts.regions, region)
        if (figure := facts.figures.get(code)) is not None
    ]
    top = sorted(reported, key=lambda item: (-item[0], facts.names.get(item[1], item[1])))
    lines = [
        f"**{word} NHS England figures for {facts.strike}: {escape(region)}**"
        + (f" ({escape(facts.staff_groups)})" if facts.staff_groups else ""),
        f"- {escape(region)}: {number(this)} in this strike; {total:,} since December 2022",
    ]
    lines += [
        f"{rank}. {escape(facts.names.get(code, code))} ({code}): {figure:,}"
        for rank, (figure, code) in enumerate(top[:TOP_IN_DIGEST], start=1)
    ]
    if peak := facts.region_peak(region):
        lines.append(f"- {escape(region)}: {peak}")
    if facts.peak:
        lines.append(f"- England: {facts.peak}")
    lines.append(_source(facts))
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Subject:
    """Something a server hears about in a release: its milestones, and the route they follow."""

    subject: str  # an org code, "region:<name>" or ENGLAND
    kind: AlertKind
    step: int
    extra: tuple[int, ...]
    route: str


def trust_routes(server: AlertSettings, regions_of: Mapping[str, str]) -> dict[str, str]:
    """Each trust a server hears about, with the route its alerts follow.

    A followed region brings its trusts, on the region's route; a tracked trust follows its own
    route, whichever region it is in (the trust's own route wins). One entry per trust: however the
    subjects overlap, a release tells a server each trust's milestone once.
    """
    routes = {
        code: region_subject(region)
        for code, region in regions_of.items()
        if region in server.regions
    }
    routes.update({code: code for code in server.tracked})
    return routes


def subjects(server: AlertSettings, regions_of: Mapping[str, str]) -> list[Subject]:
    """A server's subjects in a release, in the order its alerts are written."""
    found = [
        Subject(code, AlertKind.TRUST_MILESTONE, server.trust_every, server.extra, route)
        for code, route in sorted(trust_routes(server, regions_of).items())
    ]
    found += [
        Subject(
            region_subject(region),
            AlertKind.REGION_MILESTONE,
            server.region_every,
            (),
            region_subject(region),
        )
        for region in sorted(server.regions)
    ]
    found.append(
        Subject(ENGLAND, AlertKind.NATIONAL_MILESTONE, server.national_every, (), SERVER_ROUTE)
    )
    return found


def _milestone_text(facts: ReleaseFacts, subject: Subject, top: int, total: int) -> str:
    if subject.kind == AlertKind.NATIONAL_MILESTONE:
        return national_milestone_text(facts, top, total)
    region = subject_region(subject.subject)
    if region is not None:
        return region_milestone_text(facts, region, top, total)
    return trust_milestone_text(facts, subject.subject, top, total)


def staff_check_report(release_id: int, url: str, validation: str) -> Draft:
    """The owners' report on a release whose workforce part disagrees with itself: its England row
    against the sum of the trusts that reported. The release is announced all the same (the
    rescheduled figures are not in doubt), and England's staff absent is the row as the file
    states it."""
    return Draft(
        OWNERS,
        AlertKind.OWNER_REPORT,
        str(release_id),
        "staff absent",
        f"Release #{release_id} stored, but its workforce part does not add up ({escape(validation)})."
        f" England's staff absent is shown as the file's England row states it.\nSource: NHS England, {url}",
    )


def plan(
    facts: ReleaseFacts,
    before: dict[str, int],
    after: dict[str, int],
    audience: Sequence[AlertSettings],
    announced: set[tuple[int, str, int]],
) -> list[Draft]:
    """The alerts one stored release causes.

    A subject (a tracked trust, a followed region's trusts, the region itself, England) crosses T
    when its running total went from below T to at least T with this release; thresholds already
    announced to a server never are again (a revision that lowers a total and raises it again
    stays quiet). One alert per subject names the highest threshold passed; all passed thresholds
    are recorded. Each alert follows its subject's route (`trust_routes`); one with nowhere to go
    is not written. A release that fails validation alerts nobody but the owners.
    """
    if facts.validation != "ok":
        return [
            Draft(
                OWNERS,
                AlertKind.OWNER_REPORT,
                str(facts.release_id),
                "validation",
                f"Release not announced: it failed validation ({escape(facts.validation)}).\n{_source(facts)}",
            )
        ]
    drafts: list[Draft] = []
    for server in audience:
        for subject in subjects(server, facts.regions):
            if (subject.step == 0 and not subject.extra) or server.destination(
                subject.route
            ) is None:
                continue
            passed = [
                t
                for t in crossed(
                    before.get(subject.subject, 0),
                    after.get(subject.subject, 0),
                    step=subject.step,
                    extra=subject.extra,
                )
                if (server.guild_id, subject.subject, t) not in announced
            ]
            if not passed:
                continue
            top, total = max(passed), after[subject.subject]
            drafts.append(
                Draft(
                    server.guild_id,
                    subject.kind,
                    subject.subject,
                    str(top),
                    _milestone_text(facts, subject, top, total),
                    tuple(passed),
                    subject.route,
                )
            )
        if not server.digest:
            continue
        if server.tracked and server.server_destination is not None:
            drafts.append(
                Draft(
                    server.guild_id,
                    AlertKind.DIGEST,
                    str(facts.release_id),
                    "release",
                    digest_text(facts, server.tracked, after),
                )
            )
        for region in sorted(server.regions):
            route = region_subject(region)
            if server.destination(route) is not None:
                drafts.append(
                    Draft(
                        server.guild_id,
                        AlertKind.REGION_DIGEST,
                        route,
                        str(facts.release_id),
                        region_digest_text(facts, region, after.get(route, 0)),
                        route=route,
                    )
                )
    return drafts
