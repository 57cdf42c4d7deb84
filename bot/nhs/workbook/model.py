"""What the workbook parser hands back: the parsed table, its England cross-check and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from bot.domain import turnout
from bot.domain.figures import plus
from bot.domain.records import Turnout


class WorkbookError(Exception):
    """The file cannot be read as strike data. The message names the file, the sheet and what was wrong."""


class NotStrikeData(WorkbookError):
    """The file is a readable spreadsheet but holds no strike table (a template, an assurance form)."""


class TrustRow(NamedTuple):
    """One trust's rescheduled figures for one strike day (day is None in the period-totals shape).

    None means "not reported" and is never the same as 0. A NamedTuple, not a frozen dataclass:
    a workbook makes thousands of these and the dataclass constructor was most of the parse time.
    """

    org_code: str
    name: str | None
    region: str | None
    day: date | None
    inpatient: int | None
    outpatient: int | None


class StaffRow(NamedTuple):
    """One trust's staff absent because of industrial action on one strike day; None: not reported."""

    org_code: str
    name: str | None
    region: str | None
    day: date
    absent: int | None


@dataclass(slots=True)
class WorkforceTable:
    """The workforce part as read: staff absent per trust per strike day, and England's row."""

    sheet: str
    header_row: int  # 1-based row number of the (lowest) header row
    shape: str  # "wide" | "long"
    columns: dict[str, str]  # role -> column letter(s), e.g. {"staff absent 2023-09-20": "D"}
    staff_group: str  # the staff the file says it counts, as it labels them
    days: list[date]  # sorted
    rows: list[StaffRow]
    england_row: dict[date, int | None] | None  # the file's England row per day, if it has one
    warnings: list[str] = field(default_factory=list)
    # The England row against the trusts' sum: set at construction, as the parser's warning,
    # ingest and inspect all ask for it.
    validation: str = field(init=False)

    def __post_init__(self) -> None:
        self.validation = turnout.cross_check(self.stated, self.rows)

    @property
    def stated(self) -> tuple[tuple[date, int | None], ...]:
        """Each day, with the England row's figure that day (None: no England row)."""
        row = self.england_row or {}
        return tuple((d, row.get(d)) for d in self.days)

    @property
    def england(self) -> Turnout:
        """England per day: the England row where it states the day, else the trusts' sum."""
        return turnout.england(self.stated, self.rows)

    def describe(self) -> str:
        trusts = {r.org_code for r in self.rows}
        reported = {r.org_code for r in self.rows if r.absent is not None}
        silent = len(trusts) - len(reported)
        england = "England row" if self.england_row is not None else "no England row"
        return (
            f"sheet '{self.sheet}', header row {self.header_row}, {self.shape},"
            f" {len(trusts)} trusts ({silent} not reported), {len(self.days)} days, {england},"
            f" staff {self.staff_group!r}"
        )


@dataclass(frozen=True, slots=True)
class EnglandCheck:
    """The England row, where the sheet has one, against the sum of the trust rows."""

    stated: tuple[int | None, int | None] | None  # the England row's (inpatient, outpatient)
    summed: tuple[int, int]  # over the trust rows, not-reported counted as 0

    @property
    def agrees(self) -> bool:
        """No England row, or each side it states equals the trust rows' sum."""
        if self.stated is None:
            return True
        e_in, e_out = self.stated
        return (e_in is None or e_in == self.summed[0]) and (
            e_out is None or e_out == self.summed[1]
        )

    @property
    def validation(self) -> str:
        """ "ok", or what differs, as stored with the release and logged."""
        if self.agrees:
            return "ok"
        inpatient, outpatient = self.summed
        e_in, e_out = self.stated or (None, None)
        return (
            f"trust rows sum to {inpatient:,} inpatient and {outpatient:,} outpatient;"
            f" the England row says {e_in if e_in is not None else '-'}"
            f" and {e_out if e_out is not None else '-'}"
        )


@dataclass(slots=True)
class ParsedWorkbook:
    """One sheet's strike table as read, with where it was found and what looked wrong."""

    filename: str
    sheet: str
    header_row: int  # 1-based row number of the (lowest) header row
    shape: str  # "wide" | "totals" | "long"
    # role -> column letter(s), e.g. {"org_code": "A", "inpatient 2023-09-19": "D"}
    columns: dict[str, str]
    title: str  # text found above the header (titles, notes), joined with " | "
    days: list[date]  # the strike days the table covers, sorted; empty for the totals shape
    rows: list[TrustRow]
    england: tuple[int | None, int | None] | None  # the England row's (inpatient, outpatient)
    warnings: list[str] = field(default_factory=list)
    # Set at construction so ingest, inspect and the parser's warning share one answer.
    england_check: EnglandCheck = field(init=False)
    # The workforce part (staff absent), read after the rescheduled table; when it is None,
    # workforce_note says why (none found, or what was wrong in it).
    workforce: WorkforceTable | None = None
    workforce_note: str = ""

    def __post_init__(self) -> None:
        self.england_check = EnglandCheck(self.england, self.sums())

    def trust_totals(self) -> dict[str, tuple[int | None, int | None]]:
        """Per-trust (inpatient, outpatient) summed over days; None only where every day is None."""
        out: dict[str, list[int | None]] = {}
        for r in self.rows:
            acc = out.get(r.org_code)
            if acc is None:
                out[r.org_code] = [r.inpatient, r.outpatient]
                continue
            acc[0] = plus(acc[0], r.inpatient)
            acc[1] = plus(acc[1], r.outpatient)
        return {code: (v[0], v[1]) for code, v in out.items()}

    def sums(self) -> tuple[int, int]:
        """(inpatient, outpatient) over all trust rows, not-reported counted as 0."""
        return (
            sum(r.inpatient for r in self.rows if r.inpatient is not None),
            sum(r.outpatient for r in self.rows if r.outpatient is not None),
        )
