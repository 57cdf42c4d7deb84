"""Turns the publication page and its workbooks into stored, versioned releases: poll and import."""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.domain.records import Document, StrikePeriod
from bot.domain.strike_calendar import date_in_filename, match_period
from bot.nhs.fetch import Fetcher, FetchError
from bot.nhs.page import spreadsheet_links
from bot.nhs.workbook import NotStrikeData, ParsedWorkbook, WorkbookError, read_workbook
from bot.settings import Settings
from storage import SQLiteStore

log = logging.getLogger(__name__)


class PollError(Exception):
    """The poll could not run at all (page unreachable, no spreadsheet links, database error)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one spreadsheet: new, revised, unchanged or skipped (with the reason)."""

    url: str
    kind: str
    message: str = ""
    period: StrikePeriod | None = None
    release_id: int | None = None
    validation: str = "ok"


@dataclass
class PollReport:
    page_changed: bool
    outcomes: list[Outcome] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0

    def of(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == kind]

    def summary(self) -> dict[str, object]:
        return {
            "page_changed": self.page_changed,
            "requests": self.requests,
            "bytes": self.bytes,
            **{kind: len(self.of(kind)) for kind in ("new", "revised", "unchanged", "skipped")},
            "skipped_reasons": [f"{o.url}: {o.message}" for o in self.of("skipped")],
        }


def _published(url: str, last_modified: str | None, fallback: date) -> date:
    """The file name's YYYYMMDD, else the server's Last-Modified, else the fetch date."""
    named = date_in_filename(url)
    if named:
        return named
    if last_modified:
        try:
            return email.utils.parsedate_to_datetime(last_modified).date()
        except (TypeError, ValueError):
            pass
    return fallback


def _check(parsed: ParsedWorkbook) -> str:
    """Cross-check the trust rows against the workbook's England row; "ok" or what differs."""
    if parsed.england is None:
        return "ok"
    inpatient = sum(r.inpatient or 0 for r in parsed.rows)
    outpatient = sum(r.outpatient or 0 for r in parsed.rows)
    e_in, e_out = parsed.england
    if (e_in is None or e_in == inpatient) and (e_out is None or e_out == outpatient):
        return "ok"
    return (
        f"trust rows sum to {inpatient:,} inpatient and {outpatient:,} outpatient;"
        f" the England row says {e_in if e_in is not None else '-'} and {e_out if e_out is not None else '-'}"
    )


@dataclass(frozen=True, slots=True)
class Source:
    """Where a workbook's bytes came from."""

    url: str
    link_text: str
    published: date
    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class Read:
    """A workbook hashed and parsed, or the reason it was refused."""

    source: Source
    sha256: str
    size: int
    filename: str
    parsed: ParsedWorkbook | None = None
    refusal: tuple[str, str] | None = None


class Ingestor:
    def __init__(
        self, store: SQLiteStore, settings: Settings, fetcher: Fetcher | None = None
    ) -> None:
        self.store = store
        self.settings = settings
        self.fetcher = fetcher
        self._calendar: list[StrikePeriod] | None = None

    # -- one workbook's bytes ------------------------------------------------------------------

    def _read(self, data: bytes, source: Source) -> Read:
        """Hash and parse one workbook: CPU work, run off the event loop."""
        filename = source.url.rsplit("/", 1)[-1].split("?", 1)[0] or source.url
        read = Read(source, hashlib.sha256(data).hexdigest(), len(data), filename)
        try:
            read.parsed = read_workbook(
                data, filename, max_uncompressed=self.settings.max_workbook_uncompressed_bytes
            )
        except NotStrikeData as exc:
            read.refusal = ("skipped", f"not strike data: {exc}")
        except WorkbookError as exc:
            read.refusal = ("failed", str(exc))
        return read

    async def ingest(self, data: bytes, source: Source) -> Outcome:
        """Parse, match to a strike period and store one workbook version, whole or not at all."""
        return await self._store(await asyncio.to_thread(self._read, data, source))

    async def _periods(self) -> list[StrikePeriod]:
        if self._calendar is None:
            self._calendar = await self.store.periods()
        return self._calendar

    async def _store(self, read: Read) -> Outcome:
        source, sha = read.source, read.sha256
        url = source.url
        document = {
            "url": url,
            "etag": source.etag,
            "last_modified": source.last_modified,
            "sha256": sha,
        }
        known = await self.store.release_with_sha(sha)
        if known and known.status == "ingested":
            await self.store.record_document(
                url,
                status="ingested",
                etag=source.etag,
                last_modified=source.last_modified,
                sha256=sha,
            )
            where = "" if known.url == url else f" as {known.url}"
            return Outcome(
                url, "unchanged", f"same bytes as release #{known.id}{where}", release_id=known.id
            )
        base = {
            "url": url,
            "link_text": source.link_text,
            "published": source.published,
            "sha256": sha,
            "etag": source.etag,
            "last_modified": source.last_modified,
            "size_bytes": read.size,
        }
        if read.refusal:
            return await self._refuse(base, document, *read.refusal)
        parsed = read.parsed
        assert parsed is not None
        periods = await self._periods()
        match = match_period(
            periods,
            texts=[source.link_text, parsed.title, read.filename],
            days=parsed.days,
            published=source.published,
        )
        if match.period is None and match.new_dates is None:
            return await self._refuse(
                base,
                document,
                "failed",
                f"{read.filename}: cannot tell which strike it reports ({match.how})",
            )
        previous = await self.store.current_release(match.period.id) if match.period else None
        names: dict[str, tuple[str | None, str | None]] = {}
        for row in parsed.rows:
            names.setdefault(row.org_code, (row.name, row.region))
        validation = _check(parsed)
        stored = await self.store.add_release(
            {
                **base,
                "status": "ingested",
                "period_id": match.period.id if match.period else None,
                "sheet": parsed.sheet,
                "shape": parsed.shape,
                "england_inpatient": parsed.england[0] if parsed.england else None,
                "england_outpatient": parsed.england[1] if parsed.england else None,
                "validation": validation,
            },
            figures=[(r.org_code, r.day, r.inpatient, r.outpatient) for r in parsed.rows],
            trust_names=names,
            document={**document, "status": "ingested"},
            new_period=match.new_dates,
        )
        if match.period is None:
            self._calendar = None  # the release added a period
        period = match.period or next(p for p in await self._periods() if p.id == stored.period_id)
        if validation != "ok":
            log.warning("%s: %s", url, validation)
        for warning in parsed.warnings:
            log.warning("%s: %s", read.filename, warning)
        # The new row has the highest id, so it is current unless an earlier-published version exists.
        if previous is None:
            kind, message = "new", f"{len(names)} trusts, matched by {match.how}"
        elif stored.published >= previous.published:
            kind, message = "revised", f"replaces release #{previous.id} ({previous.url})"
        else:
            kind, message = (
                "new",
                f"an older version than release #{previous.id}, kept for the record",
            )
        return Outcome(url, kind, message, period, stored.id, validation)

    async def _refuse(self, base: dict, document: dict, status: str, reason: str) -> Outcome:
        log.warning("%s: %s", base["url"], reason)
        await self.store.add_release(
            {**base, "status": status, "error": reason},
            document={**document, "status": status, "error": reason},
        )
        return Outcome(base["url"], "skipped", reason)

    # -- local files --------------------------------------------------------------------------

    async def import_files(self, paths: Sequence[Path]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        loaded: list[tuple[bytes, Source]] = []
        for path in paths:
            try:
                data, modified = path.read_bytes(), path.stat().st_mtime
            except OSError as exc:
                outcomes.append(
                    Outcome(str(path), "skipped", f"cannot read {path}: {exc.strerror or exc}")
                )
                continue
            if len(data) > self.settings.max_workbook_bytes:
                cap = self.settings.max_workbook_bytes / 1e6
                outcomes.append(
                    Outcome(
                        str(path),
                        "skipped",
                        f"{path}: {len(data) / 1e6:.1f} MB is over the {cap:.1f} MB cap",
                    )
                )
                continue
            url = path.resolve().as_uri()
            published = _published(url, None, datetime.fromtimestamp(modified, UTC).date())
            loaded.append((data, Source(url, path.name, published)))
        # Parse the next workbook in a thread while this one is written: SQLite releases the GIL.
        upcoming = (
            asyncio.ensure_future(asyncio.to_thread(self._read, *loaded[0])) if loaded else None
        )
        for i in range(len(loaded)):
            assert upcoming is not None
            read = await upcoming
            if i + 1 < len(loaded):
                upcoming = asyncio.ensure_future(asyncio.to_thread(self._read, *loaded[i + 1]))
            outcomes.append(await self._store(read))
        return outcomes

    # -- the publication page -----------------------------------------------------------------

    async def poll(self) -> PollReport:
        """One poll: the page (conditional GET), then every spreadsheet that is new, changed or due again."""
        if self.fetcher is None:
            raise PollError("no HTTP client configured")
        s = self.settings
        traffic_before = (self.fetcher.traffic.requests, self.fetcher.traffic.bytes)
        etag, last_modified = await self.store.page_validators(s.nhs_index_url)
        try:
            page = await self.fetcher.get(
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
            await self.store.save_page(s.nhs_index_url, page.etag, page.last_modified, links)
        report = PollReport(page_changed=page.status == 200)
        due = [d for d in await self.store.documents() if self._due(d, report.page_changed)]
        # Oldest first, so that a revision is stored after the version it revises.
        due.sort(key=lambda d: (date_in_filename(d.url) or date.min, d.url))
        for document in due:
            report.outcomes.append(await self._fetch_document(document))
        report.requests = self.fetcher.traffic.requests - traffic_before[0]
        report.bytes = self.fetcher.traffic.bytes - traffic_before[1]
        return report

    def _due(self, document: Document, page_changed: bool) -> bool:
        if document.status != "ingested" or page_changed or document.checked_at is None:
            return True
        # New bytes at an old URL don't change the page, so revalidate now and then even when it's 304.
        checked = datetime.fromisoformat(document.checked_at)
        return datetime.now(UTC) - checked >= timedelta(hours=self.settings.workbook_recheck_hours)

    async def _fetch_document(self, document: Document) -> Outcome:
        assert self.fetcher is not None
        try:
            got = await self.fetcher.get(
                document.url,
                max_bytes=self.settings.max_workbook_bytes,
                etag=document.etag,
                last_modified=document.last_modified,
            )
        except FetchError as exc:
            # Validators stay: the bytes we hold are still the last good ones.
            await self.store.record_document(
                document.url, status="failed", error=str(exc), keep_validators=True
            )
            log.warning("%s", exc)
            return Outcome(document.url, "skipped", str(exc))
        if got.status == 304:
            # Not modified: the outcome is whatever the bytes we already hold gave.
            held = await self.store.release_with_sha(document.sha256) if document.sha256 else None
            if held and held.status == "ingested":
                await self.store.record_document(
                    document.url, status="ingested", keep_validators=True
                )
                return Outcome(document.url, "unchanged", "not modified", release_id=held.id)
            reason = (held.error if held else None) or "not modified since it was last skipped"
            await self.store.record_document(
                document.url,
                status=held.status if held else "failed",
                error=reason,
                keep_validators=True,
            )
            return Outcome(document.url, "skipped", reason)
        published = _published(document.url, got.last_modified, datetime.now(UTC).date())
        source = Source(document.url, document.link_text, published, got.etag, got.last_modified)
        return await self.ingest(got.body, source)
