"""Which alerts a release causes, for which servers, and what they say (pure: no Discord, no SQL).

The store calls `plan` inside the transaction that stores a release, so an alert is decided exactly
once, together with the figures that caused it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.domain.errors import DomainError
from bot.domain.formatting import escape, number, period_label
from bot.domain.milestones import NATIONAL_STEP, TRUST_STEP, crossed

ENGLAND = "ENGLAND"
MAX_THRESHOLD = 100_000_000  # England's total is about 1.5 million: anything above this is a typo
MAX_EXTRA = 20


class AlertKind(StrEnum):
    TRUST_MILESTONE = "trust_milestone"
    NATIONAL_MILESTONE = "national_milestone"
    DIGEST = "digest"
    REMINDER = "reminder"
    OWNER_REPORT = "owner_report"  # to the bot's owners by DM (guild 0)
    TEST = "test"


# The kinds that ping the server's chosen role; a test or an owner report pings nobody.
PINGING_KINDS = frozenset(
    (AlertKind.TRUST_MILESTONE, AlertKind.NATIONAL_MILESTONE, AlertKind.DIGEST, AlertKind.REMINDER)
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


@dataclass(frozen=True)
class AlertSettings:
    """One server's alert settings (defaults declared once, here)."""

    guild_id: int
    channel_id: int | None = None
    role_id: int | None = None
    trust_every: int = TRUST_STEP
    national_every: int = NATIONAL_STEP
    extra: tuple[int, ...] = ()
    digest: bool = False
    tracked: frozenset[str] = frozenset()


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
    figures: dict[str, int | None]  # org code (and ENGLAND) -> total in this release
    names: dict[str, str]  # org code -> trust name

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
    )
    lines.append(_source(facts))
    return "\n".join(lines)


def plan(
    facts: ReleaseFacts,
    before: dict[str, int],
    after: dict[str, int],
    audience: Sequence[AlertSettings],
    announced: set[tuple[int, str, int]],
) -> list[Draft]:
    """The alerts one stored release causes.

    A subject crosses T when its running total went from below T to at least T with this release;
    thresholds already announced to a server never are again (a revision that lowers a total and
    raises it again stays quiet). One alert per subject names the highest threshold passed; all
    passed thresholds are recorded. A release that fails validation alerts nobody but the owners.
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
        if server.channel_id is None:
            continue
        subjects = [
            (code, server.trust_every, server.extra, AlertKind.TRUST_MILESTONE)
            for code in sorted(server.tracked)
        ]
        subjects.append((ENGLAND, server.national_every, (), AlertKind.NATIONAL_MILESTONE))
        for subject, step, extra, kind in subjects:
            if step == 0 and not extra:
                continue
            passed = [
                t
                for t in crossed(
                    before.get(subject, 0), after.get(subject, 0), step=step, extra=extra
                )
                if (server.guild_id, subject, t) not in announced
            ]
            if not passed:
                continue
            top, total = max(passed), after[subject]
            body = (
                national_milestone_text(facts, top, total)
                if subject == ENGLAND
                else trust_milestone_text(facts, subject, top, total)
            )
            drafts.append(Draft(server.guild_id, kind, subject, str(top), body, tuple(passed)))
        if server.digest and server.tracked:
            drafts.append(
                Draft(
                    server.guild_id,
                    AlertKind.DIGEST,
                    str(facts.release_id),
                    "release",
                    digest_text(facts, server.tracked, after),
                )
            )
    return drafts
