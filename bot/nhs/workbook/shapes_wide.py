"""Row-per-trust shapes: wide by day (a column group per strike day) and period totals."""

from __future__ import annotations

from datetime import date

from bot.domain.figures import plus
from bot.nhs.workbook.cells import text_value
from bot.nhs.workbook.context import SheetParser
from bot.nhs.workbook.layout import IN, NAME, OUT, REGION, TOTAL, Layout
from bot.nhs.workbook.model import TrustRow


class RowPerTrust(SheetParser):
    """One row per trust; figure columns grouped by day (wide) or one group for the period (totals)."""

    def __init__(
        self, filename: str, sheet: str, rows: list[list], layout: Layout, *, wide: bool
    ) -> None:
        super().__init__(filename, sheet, rows, layout)
        self.wide = wide

    def parse(self) -> list[TrustRow]:
        wide = self.wide
        groups: dict[date | None, dict[str, list[int]]] = {}
        for day, role, c in self.layout.figures:
            groups.setdefault(day if wide else None, {}).setdefault(role, []).append(c)
        plan = [
            (day, tuple(g.get(IN, ())), tuple(g.get(OUT, ())), tuple(g.get(TOTAL, ())))
            for day, g in groups.items()
            if day is not None or not wide
        ]
        plan = [p for p in plan if p[1] or p[2]]
        # A wide table's undated group is its trailing period total: only a cross-check.
        period = groups.get(None) if wide else None
        check_in = tuple(period.get(IN, ())) if period else ()
        check_out = tuple(period.get(OUT, ())) if period else ()
        self.note_summed(plan)

        rows = self.rows
        start = self.layout.bottom + 1
        name_col = self.layout.ids.get(NAME)
        seen: dict[tuple[str, date | None], tuple[int, int | None, int | None]] = {}
        out: list[TrustRow] = []
        mismatches: list[str] = []
        for i in range(start, len(rows)):
            row = rows[i]
            code = self.trust_code(row)
            if code is None:
                if self.england is None and self.is_england(row):
                    inp = out_ = None
                    for _day, ic, oc, _tc in plan:
                        inp = plus(inp, self.figures(row, i, ic) if ic else None)
                        out_ = plus(out_, self.figures(row, i, oc) if oc else None)
                    self.england = (inp, out_)
                continue
            name = text_value(row[name_col]) if name_col is not None else None
            region = self.ident(row, REGION)
            cells = []
            for day, ic, oc, tc in plan:
                inp = self.figures(row, i, ic) if ic else None
                outp = self.figures(row, i, oc) if oc else None
                if tc:
                    tot = self.figures(row, i, tc)
                    if tot is not None and plus(inp, outp) not in (tot, None):
                        when = f" on {day.isoformat()}" if day else ""
                        mismatches.append(f"{code}{when} (row {i + 1}: {inp} + {outp} != {tot})")
                cells.append((day, inp, outp))
            if (
                name is None
                and name_col is not None
                and all(a is None and b is None for _d, a, b in cells)
            ):
                continue  # a footnote word that happens to look like a code
            if check_in or check_out:
                self.cross_check(row, i, code, cells, check_in, check_out, mismatches)
            for day, inp, outp in cells:
                if self.first_sighting(seen, code, day, i, inp, outp):
                    out.append(TrustRow(code, name, region, day, inp, outp))
        self.note_mismatches(mismatches)
        return out

    def cross_check(self, row, i, code, cells, check_in, check_out, mismatches) -> None:
        for cols, k, label in ((check_in, 1, "inpatient"), (check_out, 2, "outpatient")):
            if not cols:
                continue
            stated = self.figures(row, i, cols)
            summed = None
            for cell in cells:
                summed = plus(summed, cell[k])
            if stated is not None and summed is not None and stated != summed:
                mismatches.append(
                    f"{code} (row {i + 1}: {label} days sum to {summed}, total column says {stated})"
                )

    def note_mismatches(self, mismatches: list[str]) -> None:
        if not mismatches:
            return
        shown = "; ".join(mismatches[:10])
        more = f"; and {len(mismatches) - 10} more" if len(mismatches) > 10 else ""
        self.warnings.append(f"{self.where()}: totals do not add up for {shown}{more}")
