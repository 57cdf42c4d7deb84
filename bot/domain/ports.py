"""What the domain needs from a store, as typing Protocols; storage/ implements them, nothing else.

A store is a set of narrow ports (one per concern) plus `transaction()`, the unit of work in which
a release, its figures and the alerts it causes are stored together or not at all. The ports
hand over records as stored; every rule (which version is current, how figures add up, which
milestones were crossed) is the domain's, so a second backend needs only its SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from typing import Any, Protocol

from bot.domain.alerts import (
    Alert,
    AlertKind,
    AlertSettings,
    AlertStatus,
    Backlog,
    Crosspost,
    CrosspostStatus,
    Destination,
    Draft,
)
from bot.domain.announcements import AnnouncedStrike
from bot.domain.records import (
    CalendarEntry,
    Document,
    DocumentState,
    FigureRow,
    NewRelease,
    PollRecord,
    Release,
    StaffAbsentRow,
    StrikePeriod,
    Trust,
    Workforce,
)
from bot.domain.roles import Holder, Lease
from bot.domain.trust_names import KnownTrust, Naming


class FigureLike(Protocol):
    """A trust's figures for one day, as the parser gives them (any object with these fields)."""

    org_code: str
    day: date | None
    inpatient: int | None
    outpatient: int | None


class StaffLike(Protocol):
    """A trust's staff absent on one strike day, as the parser gives it (any object with these fields)."""

    org_code: str
    day: date
    absent: int | None


class CalendarPort(Protocol):
    async def periods(self) -> list[StrikePeriod]: ...
    async def trusts(self) -> list[Trust]: ...
    async def seed(self, entries: Iterable[CalendarEntry], trusts: Iterable[Trust]) -> None: ...


class ReleasePort(Protocol):
    async def with_sha(self, sha256: str) -> Release | None: ...
    async def list(
        self, *, period_id: int | None = None, url: str | None = None
    ) -> list[Release]: ...
    async def ingested(self) -> list[Release]: ...
    async def figures(
        self, release_ids: Sequence[int], org_codes: Sequence[str] | None = None
    ) -> list[FigureRow]: ...
    async def data_stamp(self) -> tuple: ...


class WorkforcePort(Protocol):
    """Releases' workforce parts: how each was read, and its staff-absent rows as reported."""

    async def parts(self, release_ids: Sequence[int]) -> dict[int, Workforce]: ...
    async def staff_absent(
        self, release_ids: Sequence[int], org_codes: Sequence[str] | None = None
    ) -> list[StaffAbsentRow]: ...


class SourcePort(Protocol):
    async def page_validators(self, url: str) -> tuple[str | None, str | None]: ...
    async def save_page(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        links: Sequence[tuple[str, str]],
    ) -> None: ...
    async def documents(self, *, listed_only: bool = True) -> list[Document]: ...
    async def record_document(
        self, state: DocumentState, *, keep_validators: bool = False
    ) -> None: ...


class ServerPort(Protocol):
    async def settings(self, guild_id: int) -> AlertSettings: ...
    async def settings_of(self, guild_ids: Sequence[int]) -> dict[int, AlertSettings]: ...
    async def with_alerts(self) -> dict[int, AlertSettings]: ...
    async def update(self, guild_id: int, **changes: Any) -> AlertSettings: ...
    async def track(
        self, guild_id: int, org_code: str, channel: Destination | None = None
    ) -> bool: ...
    async def untrack(self, guild_id: int, org_code: str) -> bool: ...
    async def follow(
        self, guild_id: int, region: str, channel: Destination | None = None
    ) -> bool: ...
    async def unfollow(self, guild_id: int, region: str) -> bool: ...
    async def channel_gone(self, guild_id: int, subject: str, channel_id: int) -> bool: ...


class OutboxPort(Protocol):
    async def add(self, draft: Draft, *, due: datetime | None = None) -> bool: ...
    async def due(self, limit: int = 500) -> list[Alert]: ...
    async def sent(
        self, alert_id: int, channel_id: int, message_id: int, *, publish: bool = False
    ) -> None: ...
    async def retry(self, alert_id: int, error: str, next_attempt: datetime) -> None: ...
    async def failed(self, alert_id: int, error: str, channel_id: int | None) -> None: ...
    async def backlog(self) -> Backlog: ...
    async def of_server(
        self, guild_id: int, *, status: AlertStatus | None = None, limit: int = 50
    ) -> list[Alert]: ...


class CrosspostPort(Protocol):
    """Alerts in announcement channels still to be published (queued by `OutboxPort.sent`)."""

    async def due(self, limit: int = 100) -> list[Crosspost]: ...
    async def published(self, alert_id: int) -> None: ...
    async def retry(self, alert_id: int, error: str, next_attempt: datetime) -> None: ...
    async def failed(self, alert_id: int, error: str) -> None: ...
    async def of_server(
        self, guild_id: int, *, status: CrosspostStatus | None = None, limit: int = 50
    ) -> list[Crosspost]: ...


class AnnouncementPort(Protocol):
    async def of_server(self, guild_id: int) -> list[AnnouncedStrike]: ...


class PollPort(Protocol):
    async def start(self) -> int: ...
    async def finish(
        self, poll_id: int, *, ok: bool, summary: dict[str, Any], error: str | None
    ) -> None: ...
    async def last(self, limit: int = 5) -> list[PollRecord]: ...
    async def last_success(self) -> datetime | None: ...


class StatePort(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str) -> None: ...


class RolePort(Protocol):
    async def claim(self, role: str, holder: Holder, lease_ms: int) -> Lease:
        """Take the role if it is free or expired, or renew it if `holder` has it; returns who
        holds it afterwards (compare its holder with yours)."""
        ...

    async def release(self, role: str, holder: Holder) -> None: ...
    async def leases(self) -> list[Lease]: ...
    async def clock_ms(self) -> int: ...


class Unit(Protocol):
    """One transaction: every write below commits together, or none does."""

    # what planning reads
    async def audience(self) -> list[AlertSettings]: ...
    async def ingested(self) -> list[Release]: ...
    async def figures(self, release_ids: Sequence[int]) -> list[FigureRow]: ...
    async def period(self, period_id: int) -> StrikePeriod: ...
    async def trust_names(self, org_codes: Iterable[str]) -> dict[str, str]: ...
    async def announced(self) -> set[tuple[int, str, int]]: ...
    # what it writes
    async def add_period(self, start: date, end: date) -> int: ...
    async def save_release(self, release: NewRelease) -> Release: ...
    async def save_figures(self, release_id: int, rows: Iterable[FigureLike]) -> None: ...
    async def save_workforce(
        self, release_id: int, part: Workforce, rows: Iterable[StaffLike]
    ) -> None: ...
    async def known_trusts(self) -> dict[str, KnownTrust]: ...
    async def apply_naming(self, naming: Naming, as_of: date) -> None: ...
    async def record_document(self, state: DocumentState) -> None: ...
    async def write_alerts(
        self, drafts: Sequence[Draft], *, release_id: int | None = None, due: datetime | None = None
    ) -> None: ...
    async def add_announced_strike(
        self, strike: AnnouncedStrike, created_by: int | None
    ) -> AnnouncedStrike: ...
    async def cancel_announced_strike(
        self, guild_id: int, strike_id: int
    ) -> AnnouncedStrike | None: ...
    async def cancel_pending(self, guild_id: int, kind: AlertKind, subject: str) -> None: ...


class Store(Protocol):
    """Everything Strikewatch keeps; each attribute is one port."""

    calendar: CalendarPort
    releases: ReleasePort
    workforce: WorkforcePort
    source: SourcePort
    servers: ServerPort
    outbox: OutboxPort
    crossposts: CrosspostPort
    announcements: AnnouncementPort
    polls: PollPort
    state: StatePort
    roles: RolePort
    kind: str  # "sqlite" or "postgres": whether several processes may share the store
    name: str  # which database, fit for a log line (never a password)
    writes: int  # writes this process committed to the store (grows with each)

    def transaction(self) -> AbstractAsyncContextManager[Unit]: ...
    async def pending_migrations(self) -> list[str]: ...
    async def close(self) -> None: ...
