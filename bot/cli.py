"""The `strikewatch` command line: poll, import, inspect, and the same answers the bot gives."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from bot import __version__
from bot.app import configure_logging, copy_between, open_seeded_store, redact_url
from bot.domain.dates import date_in_filename
from bot.domain.formatting import number, period_label
from bot.domain.ports import Store
from bot.domain.records import StrikePeriod, Turnout
from bot.domain.roles import lease_lines
from bot.domain.strike_calendar import PeriodMatch, match_period
from bot.domain.trust_search import TrustIndex
from bot.errors import CommandError, StrikewatchError
from bot.nhs.fetch import Fetcher, make_client
from bot.nhs.ingest import Ingestor, Outcome, OutcomeKind, Progress, no_progress
from bot.nhs.poller import PollError
from bot.nhs.reference import calendar_seed
from bot.nhs.workbook import ParsedWorkbook, WorkbookError, read_workbook
from bot.nhs.workbook.workforce import workforce_part
from bot.services.polling import run_poll
from bot.services.snapshots import SnapshotCache
from bot.settings import Settings, SettingsError, load_settings


def _print_outcomes(outcomes: list[Outcome]) -> None:
    for o in outcomes:
        label = f"  [{period_label(o.period.start, o.period.end)}]" if o.period else ""
        detail = f": {o.message}" if o.message else ""
        print(f"{o.kind:<9} {o.url}{label}{detail}")
        if o.validation != "ok":
            print(f"          check: {o.validation}")
    counts = {str(k): sum(o.kind == k for o in outcomes) for k in OutcomeKind}
    print(", ".join(f"{n} {k}" for k, n in counts.items()))


@contextmanager
def progress_bar(what: str) -> Iterator[Progress]:
    """A bar with the workbook being read, on a terminal only (stderr, gone when done); piped or
    under cron, nothing: the summary lines stay the whole output."""
    if not sys.stderr.isatty():
        yield no_progress
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Bar(*columns, TextColumn("{task.description}"), console=Console(stderr=True)) as bar:
        task = bar.add_task("", total=None)
        # Log lines go above the bar (rich redirects stderr while the bar is live), not into it.
        handlers = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
        streams = [h.setStream(sys.stderr) for h in handlers]

        def show(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=name[-60:], refresh=True)

        try:
            yield show
        finally:
            for handler, stream in zip(handlers, streams, strict=True):
                handler.setStream(stream)


async def cmd_poll(settings: Settings, store: Store, args: argparse.Namespace) -> int:
    async with make_client(settings.http_user_agent, settings.http_deadline_seconds) as client:
        try:
            with progress_bar("workbooks") as progress:
                fetcher = Fetcher.from_settings(client, settings)
                report = await run_poll(store, settings, fetcher, progress)
        except PollError as exc:
            raise CommandError(f"poll failed: {exc}") from None
    state = "changed" if report.page_changed else "unchanged (304)"
    print(
        f"page {settings.nhs_index_url}: {state}; {report.requests} requests, {report.bytes:,} bytes"
    )
    _print_outcomes(report.outcomes)
    return 0


async def cmd_import(settings: Settings, store: Store, args: argparse.Namespace) -> int:
    with progress_bar("workbooks") as progress:
        outcomes = await Ingestor(store, settings).import_files(
            [Path(p) for p in args.paths], progress
        )
    _print_outcomes(outcomes)
    return 0


def cmd_inspect(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        parsed = read_workbook(
            data, path.name, max_uncompressed=settings.max_workbook_uncompressed_bytes
        )
    except WorkbookError as exc:
        raise CommandError(str(exc)) from None
    periods = [
        StrikePeriod(i, p.start, p.end, p.staff_groups) for i, p in enumerate(calendar_seed())
    ]
    match = match_period(
        periods,
        texts=[path.name, parsed.title],
        days=parsed.days,
        published=date_in_filename(path.name),
    )
    check = parsed.england_check
    inpatient, outpatient = check.summed
    trusts = sorted({r.org_code for r in parsed.rows})
    period = (
        f"{period_label(match.period.start, match.period.end)} ({match.period.staff_groups})"
        if match.period
        else (
            f"{period_label(*match.new_dates)} (not in the calendar)"
            if match.new_dates
            else "unknown"
        )
    )
    print(f"file:        {path}")
    print(f"sheet:       {parsed.sheet!r}, header row {parsed.header_row}, shape {parsed.shape}")
    print(f"title:       {parsed.title[:200]}")
    print("columns:     " + ", ".join(f"{role}={col}" for role, col in parsed.columns.items()))
    print(f"days:        {', '.join(d.isoformat() for d in parsed.days) or 'none (period totals)'}")
    print(f"period:      {period}, by {match.how}")
    print(
        f"trusts:      {len(trusts)} ({', '.join(trusts[:12])}{', ...' if len(trusts) > 12 else ''})"
    )
    print(
        f"sums:        inpatient {inpatient:,}, outpatient {outpatient:,}, total {inpatient + outpatient:,}"
    )
    if check.stated:
        e_in, e_out = check.stated
        print(
            f"England row: inpatient {number(e_in)}, outpatient {number(e_out)}:"
            f" {'matches' if check.agrees else 'DIFFERS'}"
        )
    else:
        print("England row: none")
    for warning in parsed.warnings:
        print(f"warning:     {warning}")
    _print_workforce(parsed, match)
    return 0


def _print_workforce(parsed: ParsedWorkbook, match: PeriodMatch) -> None:
    """How `inspect` reads the workforce part: where, which columns, England per day, or why not."""
    dates = (match.period.start, match.period.end) if match.period else match.new_dates
    part = workforce_part(parsed, *dates)[0] if dates else None
    table = parsed.workforce
    if part is None or not part.read or table is None:
        note = part.note if part is not None else parsed.workforce_note
        print(f"workforce:   {note}")
        return
    print(f"workforce:   {table.describe()}")
    print("  columns:   " + ", ".join(f"{role}={col}" for role, col in table.columns.items()))
    england = table.england
    stated = dict(table.stated)
    for day, n in england.days:
        source = "England row" if stated.get(day) is not None else "sum of trusts that reported"
        print(f"  {day.isoformat()}: England {number(n)} ({source})")
    if england.peak_day is not None:
        print(f"  peak:      {england.peak:,} on {england.peak_day.isoformat()}")
    print(f"  check:     {part.validation}")
    for warning in table.warnings:
        print(f"warning:     {warning}")


def _peak(turnout: Turnout | None, has_part: bool) -> str:
    """Staff absent at the peak, for the text tables: '1,234 on 20 Sep', or why there is none."""
    if turnout is None or turnout.peak_day is None:
        return "not reported" if has_part else "-"
    return f"{turnout.peak:,} on {turnout.peak_day.day} {turnout.peak_day:%b}"


async def cmd_trust(settings: Settings, store: Store, args: argparse.Namespace) -> int:
    trust, matches = TrustIndex(await store.calendar.trusts()).resolve(args.query)
    if trust is None:
        names = "; ".join(f"{m.trust.name} ({m.trust.org_code})" for m in matches) or "none close"
        raise CommandError(f"no single trust matches {args.query!r}; closest: {names}")
    cache = SnapshotCache(store)
    report = await cache.trust(trust, days=args.json)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
        return 0
    print(f"{trust.name} ({trust.org_code}), {trust.region or 'region unknown'}")
    if not report.periods:
        print("no figures yet: no release has been ingested")
        return 0
    read = (await cache.snapshot()).turnout
    print(
        f"{'strike':<24} {'staff groups':<30} {'inpatient':>12} {'outpatient':>12} {'total':>12}"
        "  peak staff absent"
    )
    for p in report.periods:
        f = p.figures
        line = (
            f"{period_label(p.period.start, p.period.end):<24} {p.period.staff_groups[:30]:<30}"
            f" {number(f.inpatient):>12} {number(f.outpatient):>12} {number(f.total):>12}"
            f"  {_peak(p.staff_absent, p.period.id in read):<18}"
            + ("  (revised)" if p.revised else "")
        )
        print(line.rstrip())
    print(
        f"running total since December 2022: {report.cumulative_total:,}, rank {report.rank} of {report.ranked}"
    )
    return 0


async def cmd_national(settings: Settings, store: Store, args: argparse.Namespace) -> int:
    cache = SnapshotCache(store)
    report = await cache.national()
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
        return 0
    read = (await cache.snapshot()).turnout
    print(f"{'strike':<24} {'inpatient':>12} {'outpatient':>12} {'total':>12}  peak staff absent")
    for p in report.periods:
        f = p.figures
        line = (
            f"{period_label(p.period.start, p.period.end):<24} {number(f.inpatient):>12}"
            f" {number(f.outpatient):>12} {number(f.total):>12}"
            f"  {_peak(p.staff_absent, p.period.id in read):<18}"
            + ("  (revised)" if p.revised else "")
        )
        print(line.rstrip())
    print(f"England, all strikes with a release: {report.cumulative_total:,}")
    return 0


async def cmd_strikes(settings: Settings, store: Store, args: argparse.Namespace) -> int:
    strikes = await SnapshotCache(store).strikes(date.today())
    if args.json:
        print(json.dumps([s.as_json() for s in strikes], indent=2))
        return 0
    for s in strikes:
        label = period_label(s.period.start, s.period.end)
        total = number(s.national_total) if s.national_total is not None else "-"
        print(
            f"{label:<24} {s.status:<9} {s.period.staff_groups[:34]:<34} {s.period.unions[:30]:<30} {total:>10}"
        )
    return 0


async def cmd_status(settings: Settings, store: Store, args: argparse.Namespace) -> int:
    """Which process holds each role, the last polls and the newest release."""
    print(f"store: {store.kind}")
    for line in lease_lines(await store.roles.leases(), await store.roles.clock_ms()):
        print(f"role {line}")
    for poll in await store.polls.last(3):
        ok = {True: "ok", False: "failed", None: "running or interrupted"}[poll.ok]
        print(f"poll {poll.started_at}: {ok}" + (f": {poll.error}" if poll.error else ""))
    releases = await store.releases.ingested()
    newest = releases[-1] if releases else None
    print(
        f"newest release: {newest.url} (published {newest.published})"
        if newest
        else "no release yet"
    )
    return 0


async def cmd_copy_store(args: argparse.Namespace) -> int:
    copied = await copy_between(args.source, args.target, replace=args.replace)
    for table, count in copied.items():
        print(f"{table:<22} {count:>9,}")
    print(f"copied {sum(copied.values()):,} rows into {redact_url(args.target)}")
    return 0


STORE_COMMANDS: dict[str, Callable[[Settings, Store, argparse.Namespace], Awaitable[int]]] = {
    "poll": cmd_poll,
    "import": cmd_import,
    "trust": cmd_trust,
    "national": cmd_national,
    "strikes": cmd_strikes,
    "status": cmd_status,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="strikewatch", description=__doc__)
    parser.add_argument("--version", action="version", version=f"strikewatch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the bot")
    sub.add_parser("poll", help="poll NHS England's page once and ingest new or revised releases")
    p = sub.add_parser("import", help="ingest local workbooks (same rules as poll)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p = sub.add_parser("inspect", help="show how a workbook is read, without storing anything")
    p.add_argument("path", metavar="PATH")
    p = sub.add_parser("trust", help="a trust's figures per strike and its running total")
    p.add_argument("query", metavar="QUERY", help="org code, name or part of a name")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("national", help="England's figures per strike and in total")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("strikes", help="the strike calendar")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser(
        "invite", help="the URL that adds the bot to a server, with the permissions it needs"
    )
    p.add_argument("--guild", type=int, metavar="ID", help="preselect this server")
    sub.add_parser("status", help="which process polls, delivers and runs each shard; last polls")
    p = sub.add_parser(
        "doctor",
        help="check settings, database, NHS page, token and every alert channel; exit 1 on a FAIL",
    )
    p.add_argument("--json", action="store_true")
    p = sub.add_parser(
        "copy-store",
        help="copy everything from one store into another (SQLite to PostgreSQL, or back)",
    )
    p.add_argument("source", metavar="SOURCE_URL", help="e.g. sqlite:///data/strikewatch.db")
    p.add_argument("target", metavar="TARGET_URL", help="e.g. postgresql://user:pw@host/db")
    p.add_argument("--replace", action="store_true", help="overwrite a target that holds data")
    return parser


async def _with_store(settings: Settings, args: argparse.Namespace) -> int:
    store = await open_seeded_store(settings)
    try:
        return await STORE_COMMANDS[args.command](settings, store, args)
    finally:
        await store.close()


def cmd_doctor(args: argparse.Namespace) -> int:
    """One line per check (or a JSON list); exit 1 when any check failed."""
    from bot.discord_app.doctor import run_checks  # discord.py loads only for Discord
    from bot.services.doctor import Check, Status, failed

    try:
        settings = load_settings()
    except SettingsError as exc:
        checks = [Check(Status.FAIL, "settings", f"{exc}: fix it in .env or the environment")]
    else:
        configure_logging(settings)
        checks = asyncio.run(run_checks(settings))
    if args.json:
        print(json.dumps([c.as_json() for c in checks], indent=2))
    else:
        print("\n".join(c.line() for c in checks))
    return 1 if failed(checks) else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "doctor":
        return cmd_doctor(args)
    try:
        settings = load_settings()
        configure_logging(settings)
        if args.command == "inspect":
            return cmd_inspect(settings, args)
        if args.command == "invite":
            from bot.discord_app.invite import invite_lines  # discord.py loads only for Discord

            print("\n".join(asyncio.run(invite_lines(settings, args.guild))))
            return 0
        if args.command == "copy-store":
            return asyncio.run(cmd_copy_store(args))
        if args.command == "run":
            from bot.discord_app.runner import run_bot  # discord.py loads only for the bot

            asyncio.run(run_bot(settings))
            return 0
        return asyncio.run(_with_store(settings, args))
    except SettingsError as exc:
        print(f"strikewatch: {exc}", file=sys.stderr)
        return 2
    except StrikewatchError as exc:  # the store, the source and the commands each say why
        print(f"strikewatch: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `strikewatch strikes | head`
        sys.stderr.close()
        return 0
