"""The workforce part's storage contract: every test here runs on SQLite and on a real PostgreSQL."""

from datetime import date

import pytest

from bot.domain.records import NewRelease, ReleaseStatus, StaffAbsentRow, TrustDay, Workforce
from bot.domain.releases import record_release
from bot.services.snapshots import SnapshotCache
from storage import StoreError
from storage.copy import TABLES
from storage.store import DATA_TABLES

pytestmark = pytest.mark.both_backends

D1, D2 = date(2023, 9, 19), date(2023, 9, 20)
PART = Workforce(
    read=True,
    note="workforce part read: sheet 'Staff absent'",
    sheet="Staff absent",
    shape="wide",
    staff_group="Junior doctors absent",
    validation="ok",
    days=((D1, None), (D2, 1_000_000)),  # no England row on D1; a big one on D2
)
STAFF = [
    StaffAbsentRow(0, "RTX", D1, 0),  # a nil return: zero
    StaffAbsentRow(0, "RTX", D2, 12),
    StaffAbsentRow(0, "RXN", D1, None),  # listed, not reported: NULL, never 0
    StaffAbsentRow(0, "RXN", D2, 3_000_000_000),  # 64 bits on PostgreSQL too
]


def _release(period_id: int, **kw) -> NewRelease:
    return NewRelease(
        **{
            "url": "https://x/a.xlsx",
            "published": date(2023, 9, 27),
            "sha256": "a" * 64,
            "status": ReleaseStatus.INGESTED,
            "period_id": period_id,
            **kw,
        }
    )


async def _period(store) -> int:
    return next(p.id for p in await store.calendar.periods() if p.start == D1)


async def test_a_workforce_part_round_trips_with_not_reported_kept_apart_from_zero(store):
    stored = await record_release(
        store,
        _release(await _period(store)),
        figures=[TrustDay("RTX", D1, 1, 2)],
        workforce=PART,
        staff_absent=STAFF,
    )
    assert await store.workforce.parts([stored.id]) == {stored.id: PART}
    assert await store.workforce.staff_absent([stored.id]) == [
        row._replace(release_id=stored.id) for row in STAFF
    ]
    assert await store.workforce.staff_absent([stored.id], ["RXN"]) == [
        StaffAbsentRow(stored.id, "RXN", D1, None),
        StaffAbsentRow(stored.id, "RXN", D2, 3_000_000_000),
    ]
    assert await store.workforce.parts([]) == {} and await store.workforce.staff_absent([]) == []


async def test_a_skipped_part_keeps_its_reason_and_no_rows(store):
    skipped = Workforce(
        False, "workforce part skipped: a.xlsx, sheet 'W', cell C4: 'x' is not a number"
    )
    stored = await record_release(
        store,
        _release(await _period(store)),
        figures=[TrustDay("RTX", D1, 1, 2)],
        workforce=skipped,
        staff_absent=STAFF,  # ignored: a skipped part stores no rows
    )
    assert await store.workforce.parts([stored.id]) == {stored.id: skipped}
    assert await store.workforce.staff_absent([stored.id]) == []
    assert await store.releases.figures([stored.id])  # the rescheduled figures are stored


async def test_a_refused_release_stores_no_workforce_part(store):
    stored = await record_release(
        store,
        _release(None, status=ReleaseStatus.FAILED, error="unreadable"),
        workforce=PART,
        staff_absent=STAFF,
    )
    assert await store.workforce.parts([stored.id]) == {}


async def test_a_bad_staff_row_rolls_the_whole_release_back(store):
    before = await store.dump()
    with pytest.raises(StoreError, match="(?i)check"):
        await record_release(
            store,
            _release(await _period(store)),
            figures=[TrustDay("RTX", D1, 1, 2)],
            workforce=PART,
            staff_absent=[StaffAbsentRow(0, "RTX", D1, -4)],
        )
    assert await store.dump() == before


async def test_the_same_bytes_stored_again_replace_the_part(store):
    period = await _period(store)
    first = await record_release(
        store, _release(period), workforce=PART, staff_absent=STAFF, figures=[]
    )
    again = await record_release(
        store,
        _release(period),
        workforce=PART,
        staff_absent=[StaffAbsentRow(0, "RTX", D2, 5)],
        figures=[],
    )
    assert again.id == first.id
    assert await store.workforce.staff_absent([first.id]) == [
        StaffAbsentRow(first.id, "RTX", D2, 5)
    ]


async def test_a_revision_replaces_the_current_staff_absent(store):
    period = await _period(store)
    await record_release(
        store,
        _release(period),
        figures=[TrustDay("RTX", D1, 1, 2)],
        workforce=PART,
        staff_absent=STAFF,
    )
    revised = Workforce(True, "read", "W", "long", "Junior doctors", "ok", ((D1, None), (D2, None)))
    await record_release(
        store,
        _release(
            period, url="https://x/a-revised.xlsx", sha256="b" * 64, published=date(2023, 10, 4)
        ),
        figures=[TrustDay("RTX", D1, 1, 2)],
        workforce=revised,
        staff_absent=[StaffAbsentRow(0, "RTX", D1, 40), StaffAbsentRow(0, "RTX", D2, 41)],
    )
    cache = SnapshotCache(store)
    trust = next(t for t in await store.calendar.trusts() if t.org_code == "RTX")
    report = (await cache.trust(trust)).as_json()
    assert report["periods"][0]["staff_absent"] == {
        "days": {"2023-09-19": 40, "2023-09-20": 41},
        "peak": 41,
        "peak_day": "2023-09-20",
    }
    national = (await cache.national()).as_json()["periods"][0]["staff_absent"]
    assert national["days"] == {"2023-09-19": 40, "2023-09-20": 41}  # no row: the trusts' sum
    # A newer revision without a workforce part: the period has none, as the release row says.
    await record_release(
        store,
        _release(period, url="https://x/a-r2.xlsx", sha256="c" * 64, published=date(2023, 10, 9)),
        figures=[TrustDay("RTX", D1, 1, 2)],
        workforce=Workforce(False, "no workforce part: none found"),
    )
    report = (await cache.trust(trust)).as_json()
    assert report["periods"][0]["staff_absent"] is None


def test_the_workforce_tables_are_copied_and_dumped():
    names = {"workforce_parts", "workforce_days", "staff_absent"}
    assert names <= set(TABLES)
    assert names <= {t for t, _ in DATA_TABLES}
    # Parents before children, so a copy inserts them in an order the foreign keys accept.
    assert TABLES.index("releases") < TABLES.index("workforce_parts") < TABLES.index("staff_absent")
