"""`strikewatch doctor`'s checks that need no Discord: the store, its outbox, NHS England's page.

Each check gives one line: ok, warn or FAIL, what was found, and what to do about it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum

import httpx

from bot.domain.ports import Store
from bot.nhs.fetch import Fetcher, FetchError
from bot.settings import Settings

# Delivery runs every second: an alert due this long is stuck, not queued.
STUCK_SECONDS = 10 * 60


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True, slots=True)
class Check:
    status: Status
    subject: str  # what was checked: "database", "NHS page", "server Newsroom (123)"
    detail: str  # what was found, and when it is not ok what to do

    def line(self) -> str:
        return f"{self.status:<5} {self.subject}: {self.detail}"

    def as_json(self) -> dict:
        return {**asdict(self), "status": str(self.status)}


def failed(checks: list[Check]) -> bool:
    return any(c.status == Status.FAIL for c in checks)


async def store_checks(store: Store) -> list[Check]:
    """The schema is current, and the outbox is not stuck."""
    where = f"{store.kind} {store.name}"
    pending = await store.pending_migrations()
    if pending:
        return [
            Check(
                Status.FAIL,
                "database",
                f"{where} lacks {len(pending)} migration(s) ({', '.join(pending)}):"
                " `strikewatch run` (or any other command) applies them at start",
            )
        ]
    checks = [Check(Status.OK, "database", f"{where}, reachable, schema current")]
    backlog = await store.outbox.backlog()
    waited = backlog.oldest_due_seconds(datetime.now(UTC))
    if backlog.due and waited >= STUCK_SECONDS:
        checks.append(
            Check(
                Status.WARN,
                "outbox",
                f"{backlog.due} alert(s) due, the oldest for {waited / 60:.0f} min:"
                " is `strikewatch run` running, and does its log say why it cannot deliver?",
            )
        )
    else:
        checks.append(
            Check(Status.OK, "outbox", f"{backlog.pending} waiting, {backlog.due} due now")
        )
    return checks


async def source_check(store: Store, settings: Settings, client: httpx.AsyncClient) -> Check:
    """One conditional request for the publication page, as the next poll would make it."""
    url = settings.nhs_index_url
    etag, last_modified = await store.source.page_validators(url)
    fetcher = Fetcher(client, deadline=settings.http_deadline_seconds, retries=0, backoff=0)
    try:
        got = await fetcher.get(
            url, max_bytes=settings.max_page_bytes, etag=etag, last_modified=last_modified
        )
    except FetchError as exc:
        return Check(
            Status.FAIL,
            "NHS page",
            f"{exc}: check NHS_INDEX_URL and this machine's network; polls fail until it answers",
        )
    state = "not modified since the last poll" if got.status == 304 else "answered"
    return Check(Status.OK, "NHS page", f"{url} {state}")
