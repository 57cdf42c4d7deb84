"""Test-only: fill the NHS replica with realistic releases and remember what was served.

Used by the end-to-end tests and the benchmarks, so both check the store against the same truth.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from tests.replica import workbooks as wb
from tests.replica.server import NHSReplica, release_path

WRITERS = {"wide": wb.wide_workbook, "totals": wb.totals_workbook, "long": wb.long_workbook}


@dataclass
class Served:
    path: str
    link_text: str
    release: wb.Release
    shape: str
    start: date  # the strike period as the calendar names it
    end: date
    england_row: bool

    def totals(self) -> dict[str, tuple[int | None, int | None]]:
        return wb.expected_totals(self.release)


@dataclass(frozen=True)
class Strike:
    """A strike period from the calendar, and the YYYYMMDD its release file is named with."""

    start: date
    end: date
    published: str


SEPTEMBER_2023 = Strike(date(2023, 9, 19), date(2023, 9, 23), "20230927")
OCTOBER_2023 = Strike(date(2023, 10, 2), date(2023, 10, 5), "20231011")
DECEMBER_2023 = Strike(date(2023, 12, 20), date(2023, 12, 23), "20231228")
JUNE_2024 = Strike(date(2024, 6, 27), date(2024, 7, 2), "20240705")


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def serve(
    nhs: NHSReplica,
    strike: Strike,
    *,
    shape: str,
    trusts: int | dict = 40,
    seed: int = 1,
    link_text: str | None = None,
    table_days: list[date] | None = None,
    suffix: str = "",
    published: str | None = None,
    staff: wb.PublishedPeak | bool = False,
    staff_silent: Iterable[str] | None = None,
    zero: Iterable[str] = (),
    **options,
) -> Served:
    """Serve one release of a strike; the table's days default to all but the last (action that
    ends at 07:00 leaves its last day without figures). `published` overrides the file's date,
    e.g. for a revised file.

    `staff` gives the release a workforce part (England's published peak when it is one; pass
    `workforce="wide"` or another layout in options to write it); `staff_silent` are the trusts
    that make no workforce return (by default a tenth of them, chosen by the seed)."""
    start, end = strike.start, strike.end
    published = published or strike.published
    table = table_days or (days(start, end)[:-1] or [start])
    release = wb.make_release(trusts, table, seed, missing=0.03)
    for code in zero:  # trusts the strike did not touch: a row of zeros, not a missing return
        release.figures[code] = {day: (0, 0) for day in table}
    if staff:
        peak = staff if isinstance(staff, wb.PublishedPeak) else None
        wb.add_workforce(release, seed, peak=peak, silent=staff_silent)
    if link_text is None:
        link_text = (
            f"Industrial action {wb.default_title([start, end]).removeprefix('Industrial action ')}"
        )
    body = WRITERS[shape](release, **options)
    path = nhs.add_file(release_path(published, suffix=suffix), body, link_text=link_text)
    return Served(
        path, link_text, release, shape, start, end, options.get("england", "top") is not None
    )


def trust_sample(n: int) -> dict[str, tuple[str, str]]:
    """n reference trusts, always including Morecambe Bay (RTX)."""
    ref = wb.reference_trusts()
    codes = ["RTX"] + [c for c in sorted(ref) if c != "RTX"][: n - 1]
    return {c: ref[c] for c in codes}


def standard_site(nhs: NHSReplica, n_trusts: int = 40) -> list[Served]:
    """Three real strikes in the three shapes, with the habits of NHS England's files."""
    trusts = trust_sample(n_trusts)
    return [
        serve(
            nhs,
            SEPTEMBER_2023,
            shape="wide",
            trusts=trusts,
            seed=11,
            notes_rows=12,
            sheets_before=("Contents",),
            sheets_after=("Workforce",),
            regions=True,
            repeated_header=True,
            footnotes=True,
            stray_spaces=True,
            text_numbers=True,
        ),
        serve(
            nhs,
            OCTOBER_2023,
            shape="totals",
            trusts=trusts,
            seed=12,
            notes_rows=10,
            england="bottom",
        ),
        # No dates in the link text: the table's days decide.
        serve(
            nhs,
            JUNE_2024,
            shape="long",
            trusts=trusts,
            seed=13,
            link_text="Download the data (XLSX, 60KB)",
            england=None,
        ),
    ]
