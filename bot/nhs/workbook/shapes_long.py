"""Long shapes: a row per trust per day per measure, or a row per trust per day."""

from __future__ import annotations

from datetime import date

from bot.domain.figures import plus
from bot.nhs.workbook.cells import as_date, norm, show
from bot.nhs.workbook.context import SheetParser
from bot.nhs.workbook.layout import (
    DATE,
    IN,
    MEASURE,
    NAME,
    OUT,
    REGION,
    VALUE,
    Layout,
    label_role,
)
from bot.nhs.workbook.model import TrustRow


class _Long(SheetParser):
    def __init__(self, filename: str, sheet: str, rows: list[list], layout: Layout) -> None:
        super().__init__(filename, sheet, rows, layout)
        self._date_col = layout.ids.get(DATE)  # looked up once: day_of runs on every row

    def day_of(self, row: list, i: int, cache: dict) -> tuple[bool, date | None]:
        """(usable, day); an unusable row has a blank or "total" date and is skipped."""
        c = self._date_col
        if c is None:
            return True, None
        v = row[c]
        d = cache.get(v)
        if d is not None:
            return True, d
        d = as_date(v)
        if d is None:
            if v is None or v == "" or (v.__class__ is str and norm(v).startswith("total")):
                return False, None
            raise self.cell_error(i, c, f"{show(v)!r} is not a date")
        cache[v] = d
        return True, d


class LongByMeasure(_Long):
    """Date, org code, name, measure, value: the measure column says inpatient or outpatient."""

    def parse(self) -> list[TrustRow] | None:
        ids = self.layout.ids
        mcol, vcols = ids[MEASURE], (ids[VALUE],)
        rows = self.rows
        # A measure cell -> its role and its text stripped: the same few measures on every row.
        measures: dict[str, tuple[str | None, str]] = {}
        dates: dict[object, date] = {}
        seen: dict[tuple[str, date | None, str], tuple[int, int | None]] = {}
        acc: dict[tuple[str, date | None], list] = {}
        england_seen: set[tuple[date | None, str]] = set()
        saw_measure = False
        skipped = 0
        trust_code, day_of, figures = self.trust_code, self.day_of, self.figures
        for i in range(self.layout.bottom + 1, len(rows)):
            row = rows[i]
            mv = row[mcol]
            if mv.__class__ is not str:
                continue
            measure = measures.get(mv)
            if measure is None:
                measure = measures[mv] = (label_role(mv), mv.strip())
            role, name = measure
            if role is not IN and role is not OUT:
                continue
            saw_measure = True
            code = trust_code(row)
            if code is None:
                if self.is_england(row):
                    ok, day = day_of(row, i, dates)
                    if ok and (day, name) not in england_seen:
                        england_seen.add((day, name))
                        val = figures(row, i, vcols)
                        if role is IN:
                            self.add_england(val, None)
                        else:
                            self.add_england(None, val)
                continue
            ok, day = day_of(row, i, dates)
            if not ok:
                skipped += 1
                continue
            val = figures(row, i, vcols)
            key = (code, day, name)
            prev = seen.get(key)
            if prev is not None:
                if prev[1] == val:
                    continue
                raise self.conflict(code, day, prev[0], i)
            seen[key] = (i, val)
            entry = acc.get((code, day))
            if entry is None:
                entry = acc[(code, day)] = [
                    self.ident(row, NAME),
                    self.ident(row, REGION),
                    None,
                    None,
                ]
            k = 2 if role is IN else 3
            entry[k] = plus(entry[k], val)
        if not saw_measure:
            return None
        self.note_skipped(skipped)
        return [TrustRow(code, e[0], e[1], day, e[2], e[3]) for (code, day), e in acc.items()]


class LongByDay(_Long):
    """A row per trust per day: a date column beside inpatient and outpatient columns."""

    def parse(self) -> list[TrustRow]:
        plan_in = tuple(c for _d, role, c in self.layout.figures if role is IN)
        plan_out = tuple(c for _d, role, c in self.layout.figures if role is OUT)
        self.note_summed([(None, plan_in, plan_out, ())])
        rows = self.rows
        dates: dict[object, date] = {}
        seen: dict[tuple[str, date | None], tuple[int, int | None, int | None]] = {}
        england_days: set[date | None] = set()
        out: list[TrustRow] = []
        skipped = 0
        trust_code, day_of, figures = self.trust_code, self.day_of, self.figures
        for i in range(self.layout.bottom + 1, len(rows)):
            row = rows[i]
            code = trust_code(row)
            if code is None:
                if self.is_england(row):
                    ok, day = day_of(row, i, dates)
                    if ok and day not in england_days:
                        england_days.add(day)
                        self.add_england(
                            figures(row, i, plan_in) if plan_in else None,
                            figures(row, i, plan_out) if plan_out else None,
                        )
                continue
            ok, day = day_of(row, i, dates)
            if not ok:
                skipped += 1
                continue
            inp = figures(row, i, plan_in) if plan_in else None
            outp = figures(row, i, plan_out) if plan_out else None
            if not self.first_sighting(seen, code, day, i, inp, outp):
                continue
            out.append(
                TrustRow(code, self.ident(row, NAME), self.ident(row, REGION), day, inp, outp)
            )
        self.note_skipped(skipped)
        return out
