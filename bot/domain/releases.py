"""Releases: which version of a strike period counts, running totals, and storing a release whole.

`record_release` is the one way a release enters the store: the release row, its figures, the
trust names it gives, the document's state and the alerts it causes are written in one unit of
work, so an alert is decided exactly once, together with the figures that caused it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.domain.alerts import (
    ENGLAND,
    AlertSettings,
    Draft,
    ReleaseFacts,
    plan,
    staff_check_report,
)
from bot.domain.figures import Figures, add, plus, running_total
from bot.domain.ports import FigureLike, StaffLike, Store, Unit
from bot.domain.records import (
    DocumentState,
    FigureRow,
    NewRelease,
    Release,
    ReleaseStatus,
    Turnout,
    Workforce,
)
from bot.domain.regions import canonical_region, members, region_subject
from bot.domain.trust_names import TrustNames, naming
from bot.domain.turnout import england as england_turnout
from bot.domain.turnout import sum_of_trusts


@dataclass(frozen=True, slots=True)
class Current:
    """A period's current release and how many ingested versions the period has (> 1: revised)."""

    release: Release
    versions: int


def current_versions(releases: Iterable[Release]) -> dict[int, Current]:
    """Period id -> its current release: the latest published ingested version (then the newest row)."""
    best: dict[int, Release] = {}
    counts: dict[int, int] = {}
    for r in releases:
        if r.status != ReleaseStatus.INGESTED or r.period_id is None:
            continue
        counts[r.period_id] = counts.get(r.period_id, 0) + 1
        held = best.get(r.period_id)
        if held is None or (r.published, r.id) > (held.published, held.id):
            best[r.period_id] = r
    return {period: Current(r, counts[period]) for period, r in best.items()}


def trust_figures(rows: Iterable[FigureRow]) -> dict[int, dict[str, Figures]]:
    """Release id -> org code -> the trust's figures summed over its days."""
    sums: dict[int, dict[str, tuple[int | None, int | None]]] = {}
    for release_id, code, _day, inpatient, outpatient in rows:
        per_trust = sums.setdefault(release_id, {})
        held = per_trust.get(code)
        per_trust[code] = (
            (inpatient, outpatient)
            if held is None
            else (plus(held[0], inpatient), plus(held[1], outpatient))
        )
    return {
        release_id: {code: Figures(*pair) for code, pair in per_trust.items()}
        for release_id, per_trust in sums.items()
    }


def running_totals(
    current: Iterable[Current],
    by_release: Mapping[int, Mapping[str, Figures]],
    codes: Iterable[str],
) -> dict[str, int]:
    """Each trust's (and England's) running total over the current releases."""
    releases = [c.release.id for c in current]
    totals = {
        code: running_total(
            by_release.get(r, {}).get(code) or Figures(None, None) for r in releases
        )
        for code in codes
    }
    totals[ENGLAND] = running_total(add(by_release.get(r, {}).values()) for r in releases)
    return totals


async def record_release(
    store: Store,
    release: NewRelease,
    *,
    figures: Iterable[FigureLike] = (),
    trust_names: TrustNames | None = None,
    document: DocumentState | None = None,
    new_period: tuple[date, date] | None = None,
    workforce: Workforce | None = None,
    staff_absent: Iterable[StaffLike] = (),
) -> Release:
    """Store a release whole (row, figures, workforce part, names, new period, document, alerts)
    or not at all.

    The same bytes at the same URL update the earlier row (a skipped file tried again).
    `workforce` says how the workforce part was read (or why not); `staff_absent` are its rows.
    """
    async with store.transaction() as unit:
        ingested = release.status == ReleaseStatus.INGESTED
        audience = await unit.audience() if ingested else []
        before = await unit.ingested() if audience else []
        if new_period is not None:
            release = replace(release, period_id=await unit.add_period(*new_period))
        stored = await unit.save_release(release)
        await unit.save_figures(stored.id, figures)
        staff_rows = list(staff_absent)
        if ingested and workforce is not None:
            await unit.save_workforce(stored.id, workforce, staff_rows)
        if trust_names:
            changes = naming(await unit.known_trusts(), trust_names, release.published)
            await unit.apply_naming(changes, release.published)
        if document is not None:
            await unit.record_document(document)
        staff = workforce if ingested and workforce is not None and workforce.read else None
        drafts: list[Draft] = []
        if ingested and (audience or stored.validation != "ok"):
            counted = (staff, staff_rows) if staff else None
            drafts = await _alerts_caused(unit, stored, audience, before, counted)
        if staff and staff.validation != "ok":
            drafts.append(staff_check_report(stored.id, stored.url, staff.validation))
        if drafts:
            await unit.write_alerts(drafts, release_id=stored.id)
    return stored


async def _alerts_caused(
    unit: Unit,
    stored: Release,
    audience: list[AlertSettings],
    before: list[Release],
    staff: tuple[Workforce, Sequence[StaffLike]] | None = None,
) -> list[Draft]:
    """The alerts a stored release causes: its subjects' running totals before and after it.
    `staff`: the release's workforce part as read, and its rows."""
    assert stored.period_id is not None
    was = current_versions(before)
    now = current_versions([*(r for r in before if r.id != stored.id), stored])
    mine = now[stored.period_id]
    if mine.release.id != stored.id and stored.validation == "ok":
        return []  # an older version stored for the record changes no running total
    known = await unit.known_trusts()
    followed = {region for server in audience for region in server.regions}
    regions_of = {
        code: region
        for code, trust in known.items()
        if (region := canonical_region(trust.region)) in followed
    }
    codes = {code for server in audience for code in server.tracked} | set(regions_of)
    read = {c.release.id for c in (*was.values(), *now.values())}
    by_release = trust_figures(await unit.figures(sorted(read)))
    this = by_release.get(stored.id, {})
    period = await unit.period(stored.period_id)
    before = running_totals(was.values(), by_release, codes)
    after = running_totals(now.values(), by_release, codes)
    region_figures = {}
    region_staff: dict[str, Turnout] = {}
    staff_days = [d for d, _england in staff[0].days] if staff is not None else []
    for region in sorted(followed):
        subject, inside = region_subject(region), members(regions_of, region)
        before[subject] = sum(before[code] for code in inside)
        after[subject] = sum(after[code] for code in inside)
        region_figures[subject] = add(this[code] for code in inside if code in this).total
        if staff is not None:
            held = set(inside)
            region_staff[subject] = sum_of_trusts(
                staff_days, (r for r in staff[1] if r.org_code in held)
            )
    england_staff = england_turnout(staff[0].days, staff[1]) if staff is not None else None
    facts = ReleaseFacts(
        release_id=stored.id,
        url=stored.url,
        start=period.start,
        end=period.end,
        staff_groups=period.staff_groups,
        revised=mine.versions > 1,
        validation=stored.validation,
        figures={
            **{code: this[code].total for code in codes if code in this},
            **region_figures,
            ENGLAND: add(this.values()).total,
        },
        names=await unit.trust_names(codes),
        regions=regions_of,
        staff_absent=england_staff if england_staff and england_staff.reported else None,
        region_staff_absent=region_staff,
    )
    return plan(facts, before, after, audience, await unit.announced())
