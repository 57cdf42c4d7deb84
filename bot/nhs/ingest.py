"""Turns the publication page and its workbooks into stored, versioned releases: poll and import."""

from __future__ import annotations

import asyncio
import email.utils
import gc
import hashlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path

from bot.domain.dates import date_in_filename
from bot.domain.figures import Figures
from bot.domain.ports import Store
from bot.domain.records import DocumentState, NewRelease, Release, ReleaseStatus, StrikePeriod
from bot.domain.releases import current_versions, record_release
from bot.domain.strike_calendar import match_period
from bot.nhs.workbook import NotStrikeData, ParsedWorkbook, WorkbookError, read_workbook
from bot.nhs.workbook.workforce import skipped, summary, workforce_part
from bot.settings import Settings

log = logging.getLogger(__name__)

AHEAD = 4  # workbooks parsed ahead of the one being written (memory: AHEAD parsed at most)


class _FewerCollections:
    """Python's garbage collector runs less often while workbooks are ingested.

    Reading a workbook makes thousands of rows, tuples and lists that live until it is stored and
    form no reference cycles. At Python's default (a young collection every 700 new objects) they
    set off dozens of collections per import, and now and then a full one that walks every object
    in the process while the other threads wait: 14-18 ms of a 160 ms import in bench/ingest.py,
    about 3 ms at 20,000. The default comes back when the last ingest ends. Entered on the event
    loop's thread only.
    """

    YOUNG = 20_000

    def __init__(self) -> None:
        self._depth = 0
        self._saved = gc.get_threshold()

    def __enter__(self) -> None:
        if self._depth == 0:
            self._saved = gc.get_threshold()
            gc.set_threshold(max(self._saved[0], self.YOUNG), *self._saved[1:])
        self._depth += 1

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            gc.set_threshold(*self._saved)


fewer_collections = _FewerCollections()


class OutcomeKind(StrEnum):
    NEW = "new"
    REVISED = "revised"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"


class SkipCause(StrEnum):
    """Why a spreadsheet was skipped, in a few words fit for a metric's label."""

    FETCH = "fetch_failed"
    NOT_STRIKE_DATA = "not_strike_data"
    UNREADABLE = "unreadable"
    NO_STRIKE = "no_strike_period"
    TOO_LARGE = "too_large"
    STILL_SKIPPED = "still_skipped"  # unchanged since it was skipped


# Told before each spreadsheet is read: (how many are done, how many in all, the one being read).
Progress = Callable[[int, int, str], None]


def no_progress(done: int, total: int, name: str) -> None:
    pass


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one spreadsheet: new, revised, unchanged or skipped (with the reason)."""

    url: str
    kind: OutcomeKind
    message: str = ""
    period: StrikePeriod | None = None
    release_id: int | None = None
    validation: str = "ok"
    cause: SkipCause | None = None  # set when kind is SKIPPED
    workforce: str = ""  # how the workforce part (staff absent) was read, or why it was skipped


def published_date(url: str, last_modified: str | None, fallback: date) -> date:
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
    refusal: tuple[ReleaseStatus, str] | None = None


def _what_it_was(stored: Release, previous: Release | None, detail: str) -> tuple[OutcomeKind, str]:
    """New, or a revision of the period's current release, or an older version kept for the record."""
    if previous is None:
        return OutcomeKind.NEW, detail
    # The new row has the highest id, so it is current unless an earlier-published version exists.
    if stored.published >= previous.published:
        return OutcomeKind.REVISED, f"replaces release #{previous.id} ({previous.url})"
    return OutcomeKind.NEW, f"an older version than release #{previous.id}, kept for the record"


class Ingestor:
    """Hashes, parses, matches and stores workbooks, one content version at a time."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
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
            read.refusal = (ReleaseStatus.SKIPPED, f"not strike data: {exc}")
        except WorkbookError as exc:
            read.refusal = (ReleaseStatus.FAILED, str(exc))
        return read

    async def ingest(self, data: bytes, source: Source) -> Outcome:
        """Parse, match to a strike period and store one workbook version, whole or not at all."""
        return await self._store(await asyncio.to_thread(self._read, data, source))

    async def _periods(self) -> list[StrikePeriod]:
        if self._calendar is None:
            self._calendar = await self.store.calendar.periods()
        return self._calendar

    async def _store(self, read: Read) -> Outcome:
        source, sha = read.source, read.sha256
        url = source.url
        document = DocumentState(
            url,
            ReleaseStatus.INGESTED,
            etag=source.etag,
            last_modified=source.last_modified,
            sha256=sha,
        )
        known = await self.store.releases.with_sha(sha)
        if known and known.status == ReleaseStatus.INGESTED:
            await self.store.source.record_document(document)
            where = "" if known.url == url else f" as {known.url}"
            return Outcome(
                url,
                OutcomeKind.UNCHANGED,
                f"same bytes as release #{known.id}{where}",
                release_id=known.id,
            )
        base = NewRelease(
            url=url,
            link_text=source.link_text,
            published=source.published,
            sha256=sha,
            etag=source.etag,
            last_modified=source.last_modified,
            size_bytes=read.size,
            status=ReleaseStatus.INGESTED,
        )
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
                ReleaseStatus.FAILED,
                f"{read.filename}: cannot tell which strike it reports ({match.how})",
                SkipCause.NO_STRIKE,
            )
        previous = None
        if match.period:
            current = current_versions(await self.store.releases.list(period_id=match.period.id))
            previous = current[match.period.id].release if match.period.id in current else None
        names: dict[str, tuple[str | None, str | None]] = {}
        for row in parsed.rows:  # a trust's first row names it
            if row.org_code not in names:
                names[row.org_code] = (row.name, row.region)
        validation = parsed.england_check.validation
        part, staff = workforce_part(
            parsed, *((match.period.start, match.period.end) if match.period else match.new_dates)
        )
        named = dict(names)  # a trust only in the workforce part is named too
        for staff_row in staff:
            if staff_row.org_code not in named:
                named[staff_row.org_code] = (staff_row.name, staff_row.region)
        stored = await record_release(
            self.store,
            replace(
                base,
                period_id=match.period.id if match.period else None,
                sheet=parsed.sheet,
                shape=parsed.shape,
                england=Figures(*parsed.england) if parsed.england else None,
                validation=validation,
            ),
            figures=parsed.rows,
            trust_names=named,
            document=document,
            new_period=match.new_dates,
            workforce=part,
            staff_absent=staff,
        )
        if match.period is None:
            self._calendar = None  # the release added a period
        period = match.period or next(p for p in await self._periods() if p.id == stored.period_id)
        if validation != "ok":
            log.warning("%s: %s", url, validation, extra={"release_url": url})
        for warning in parsed.warnings:
            log.warning("%s: %s", read.filename, warning, extra={"release_url": url})
        about_staff = summary(part, staff)
        if parsed.workforce is not None:
            for warning in parsed.workforce.warnings:
                log.warning("%s: %s", read.filename, warning, extra={"release_url": url})
        log.log(
            logging.WARNING if skipped(part) else logging.INFO,
            "%s: %s",
            url,
            about_staff,
            extra={"release_url": url},
        )
        kind, message = _what_it_was(
            stored, previous, f"{len(names)} trusts, matched by {match.how}"
        )
        return Outcome(
            url,
            kind,
            f"{message}; {about_staff}",
            period,
            stored.id,
            validation,
            workforce=about_staff,
        )

    async def _refuse(
        self,
        base: NewRelease,
        document: DocumentState,
        status: ReleaseStatus,
        reason: str,
        cause: SkipCause | None = None,
    ) -> Outcome:
        log.warning("%s: %s", base.url, reason, extra={"release_url": base.url})
        await record_release(
            self.store,
            replace(base, status=status, error=reason),
            document=replace(document, status=status, error=reason),
        )
        if cause is None:
            skipped = status == ReleaseStatus.SKIPPED
            cause = SkipCause.NOT_STRIKE_DATA if skipped else SkipCause.UNREADABLE
        return Outcome(base.url, OutcomeKind.SKIPPED, reason, cause=cause)

    # -- local files --------------------------------------------------------------------------

    async def import_files(
        self, paths: Sequence[Path], progress: Progress = no_progress
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        loaded: list[tuple[bytes, Source]] = []
        for path in paths:
            try:
                data, modified = path.read_bytes(), path.stat().st_mtime
            except OSError as exc:
                outcomes.append(
                    Outcome(
                        str(path),
                        OutcomeKind.SKIPPED,
                        f"cannot read {path}: {exc.strerror or exc}",
                        cause=SkipCause.UNREADABLE,
                    )
                )
                continue
            if len(data) > self.settings.max_workbook_bytes:
                cap = self.settings.max_workbook_bytes / 1e6
                outcomes.append(
                    Outcome(
                        str(path),
                        OutcomeKind.SKIPPED,
                        f"{path}: {len(data) / 1e6:.1f} MB is over the {cap:.1f} MB cap",
                        cause=SkipCause.TOO_LARGE,
                    )
                )
                continue
            url = path.resolve().as_uri()
            published = published_date(url, None, datetime.fromtimestamp(modified, UTC).date())
            loaded.append((data, Source(url, path.name, published)))
        # Parse ahead in one thread while one workbook is written: calamine's reading and
        # SQLite release the GIL, so parsing and writing overlap. One parsing thread, not one per
        # workbook: the parser's Python holds the GIL, and a second parser only contends with the
        # first and with the writer (measured: slower). Stored in order, one at a time.
        loop = asyncio.get_running_loop()
        parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")
        try:
            with fewer_collections:
                parsing = [
                    loop.run_in_executor(parser, self._read, *item) for item in loaded[:AHEAD]
                ]
                for i in range(len(loaded)):
                    progress(len(outcomes), len(paths), loaded[i][1].link_text)
                    read = await parsing[i]
                    if i + AHEAD < len(loaded):
                        parsing.append(loop.run_in_executor(parser, self._read, *loaded[i + AHEAD]))
                    outcomes.append(await self._store(read))
        finally:
            # After an error, the workbooks still queued are not parsed; nothing waits for them.
            parser.shutdown(wait=False, cancel_futures=True)
        progress(len(outcomes), len(paths), "")
        return outcomes
