"""One poll of the publication page: the page, then every spreadsheet that is new, changed or due."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bot.domain.dates import date_in_filename
from bot.domain.ports import Store
from bot.domain.records import Document, DocumentState, ReleaseStatus
from bot.errors import StrikewatchError
from bot.nhs.fetch import Fetcher, FetchError, TooLarge
from bot.nhs.ingest import (
    Ingestor,
    Outcome,
    OutcomeKind,
    Progress,
    SkipCause,
    Source,
    fewer_collections,
    no_progress,
    published_date,
)
from bot.nhs.page import spreadsheet_links
from bot.settings import Settings

log = logging.getLogger(__name__)


class PollError(StrikewatchError):
    """The poll could not run at all (page unreachable, no spreadsheet links, database error)."""


@dataclass
class PollReport:
    page_changed: bool
    outcomes: list[Outcome] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0

    def of(self, kind: OutcomeKind) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == kind]

    def summary(self) -> dict[str, object]:
        return {
            "page_changed": self.page_changed,
            "requests": self.requests,
            "bytes": self.bytes,
            **{str(kind): len(self.of(kind)) for kind in OutcomeKind},
            "skipped_reasons": [f"{o.url}: {o.message}" for o in self.of(OutcomeKind.SKIPPED)],
        }


class Poller:
    def __init__(self, store: Store, settings: Settings, fetcher: Fetcher) -> None:
        self._store = store
        self._settings = settings
        self._fetcher = fetcher
        self._ingestor = Ingestor(store, settings)

    async def poll(self, progress: Progress = no_progress) -> PollReport:
        """One poll: the page (conditional GET), then every spreadsheet that is new, changed or due again."""
        s = self._settings
        traffic_before = (self._fetcher.traffic.requests, self._fetcher.traffic.bytes)
        etag, last_modified = await self._store.source.page_validators(s.nhs_index_url)
        try:
            page = await self._fetcher.get(
                s.nhs_index_url, max_bytes=s.max_page_bytes, etag=etag, last_modified=last_modified
            )
        except FetchError as exc:
            raise PollError(f"publication page unreachable: {exc}") from exc
        if page.status == 200:
            links = spreadsheet_links(page.body.decode("utf-8", "replace"), page.url)
            if not links:
                raise PollError(
                    f"no spreadsheet links on {s.nhs_index_url}: has the page moved or changed?"
                )
            await self._store.source.save_page(
                s.nhs_index_url, page.etag, page.last_modified, links
            )
        report = PollReport(page_changed=page.status == 200)
        due = [d for d in await self._store.source.documents() if self._due(d, report.page_changed)]
        # Oldest first, so that a revision is stored after the version it revises.
        due.sort(key=lambda d: (date_in_filename(d.url) or date.min, d.url))
        with fewer_collections:
            for done, document in enumerate(due):
                progress(done, len(due), document.url.rsplit("/", 1)[-1])
                report.outcomes.append(await self._fetch_document(document))
        progress(len(due), len(due), "")
        report.requests = self._fetcher.traffic.requests - traffic_before[0]
        report.bytes = self._fetcher.traffic.bytes - traffic_before[1]
        return report

    def _due(self, document: Document, page_changed: bool) -> bool:
        if document.status != ReleaseStatus.INGESTED or page_changed or document.checked_at is None:
            return True
        # New bytes at an old URL don't change the page, so revalidate now and then even when it's 304.
        checked = datetime.fromisoformat(document.checked_at)
        return datetime.now(UTC) - checked >= timedelta(hours=self._settings.workbook_recheck_hours)

    async def _fetch_document(self, document: Document) -> Outcome:
        assert self._fetcher is not None
        try:
            got = await self._fetcher.get(
                document.url,
                max_bytes=self._settings.max_workbook_bytes,
                etag=document.etag,
                last_modified=document.last_modified,
            )
        except FetchError as exc:
            # Validators stay: the bytes we hold are still the last good ones.
            await self._store.source.record_document(
                DocumentState(document.url, ReleaseStatus.FAILED, str(exc)), keep_validators=True
            )
            log.warning("%s", exc)
            cause = SkipCause.TOO_LARGE if isinstance(exc, TooLarge) else SkipCause.FETCH
            return Outcome(document.url, OutcomeKind.SKIPPED, str(exc), cause=cause)
        if got.status == 304:
            # Not modified: the outcome is whatever the bytes we already hold gave.
            held = await self._store.releases.with_sha(document.sha256) if document.sha256 else None
            if held and held.status == ReleaseStatus.INGESTED:
                await self._store.source.record_document(
                    DocumentState(document.url, ReleaseStatus.INGESTED), keep_validators=True
                )
                return Outcome(
                    document.url, OutcomeKind.UNCHANGED, "not modified", release_id=held.id
                )
            reason = (held.error if held else None) or "not modified since it was last skipped"
            await self._store.source.record_document(
                DocumentState(document.url, held.status if held else ReleaseStatus.FAILED, reason),
                keep_validators=True,
            )
            return Outcome(document.url, OutcomeKind.SKIPPED, reason, cause=SkipCause.STILL_SKIPPED)
        published = published_date(document.url, got.last_modified, datetime.now(UTC).date())
        source = Source(document.url, document.link_text, published, got.etag, got.last_modified)
        return await self._ingestor.ingest(got.body, source)
