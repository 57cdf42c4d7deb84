"""The three layouts a release is published in: wide by day, period totals, and long."""

from __future__ import annotations

from tests.replica.release import Release, add_figures
from tests.replica.tables import (
    Cells,
    Options,
    col,
    date_cell,
    footnotes,
    id_cells,
    notes,
    poisoned,
    save,
    table_body,
)
from tests.replica.workforce import staff_label, staff_value


def _beside(release: Release, opts: Options) -> bool:
    """Staff absent written in the data sheet: from release.staff, else the old made-up figures."""
    if opts.workforce == "beside" and release.staff is None:
        raise ValueError("workforce='beside' needs release.staff: call add_workforce() first")
    return opts.workforce == "beside"


def _kind(is_trust: bool, name: object) -> str:
    if is_trust:
        return "trust"
    return "england" if name in ("ENGLAND", "England total") else "region"


def wide_workbook(release: Release, **options) -> bytes:
    opts = Options(**options)
    cells = Cells(opts)
    ids = [opts.label(k) for k in opts.id_order]
    sub = [opts.label("inpatient"), opts.label("outpatient")]
    beside = _beside(release, opts)
    if opts.staff_columns or beside:
        sub.append(staff_label(release, opts) if beside else opts.label("staff"))
    width_ids = len(ids)
    upper: list[object] = list(ids) if opts.ids_in_upper else [None] * width_ids
    lower: list[object] = [None] * width_ids if opts.ids_in_upper else list(ids)
    spans: list[tuple[int, int]] = []
    for day in release.days:
        start = len(upper)
        date_value = date_cell(day, opts.date_style)
        for j in range(len(sub)):
            upper.append(date_value if (j == 0 or not opts.merged) else None)
        lower.extend(sub)
        spans.append((start, len(upper) - 1))
    if opts.total_group:
        start = len(upper)
        upper += ["Total", None, None] if opts.merged else ["Total"] * 3
        lower += [opts.label("inpatient"), opts.label("outpatient"), opts.label("total")]
        spans.append((start, start + 2))
    header = [upper, lower]
    first_day = release.days[0]
    counter = iter(range(10**9))

    def row_cells(code, name, region, per_day, is_trust):
        index = next(counter)
        row = id_cells(opts, cells.code(code, index) if is_trust else code, name, region)
        sum_in = sum_out = None
        for day in release.days:
            inp, out = per_day[day]
            sum_in, sum_out = add_figures(sum_in, inp), add_figures(sum_out, out)
            for measure, n in (("inpatient", inp), ("outpatient", out)):
                hit, value = poisoned(opts, code, measure, day, first_day, n)
                row.append(value if hit else cells.figure(n))
            if beside:
                n = staff_value(release, code.strip(), region, day, _kind(is_trust, name))
                row.append(cells.figure(n))
            elif opts.staff_columns:
                row.append((index * 7 + day.day) % 90)
        if opts.total_group:
            row += [cells.figure(sum_in), cells.figure(sum_out), (sum_in or 0) + (sum_out or 0)]
        return [row]

    body = table_body(release, opts, header, row_cells)
    top = opts.notes_rows + 1
    rows = notes(release, opts.notes_rows) + header + body
    if opts.footnotes:
        rows += footnotes()
    merges = []
    if opts.merged:
        tops = [top]
        if opts.repeated_header:
            tops.append(top + 2 + body.index(header[0]))
        for t in tops:
            merges += [f"{col(a)}{t}:{col(b)}{t}" for a, b in spans if b > a]
    return save(release, opts, rows, merges)


def totals_workbook(release: Release, **options) -> bytes:
    opts = Options(**options)
    if opts.workforce == "beside":
        raise ValueError("period totals have no days to put staff absent beside")
    cells = Cells(opts)
    header = [opts.label(k) for k in opts.id_order]
    header += [opts.label("inpatient"), opts.label("outpatient")]
    if opts.total_column:
        header.append(opts.label("total"))
    first_day = release.days[0]
    counter = iter(range(10**9))

    def row_cells(code, name, region, per_day, is_trust):
        index = next(counter)
        row = id_cells(opts, cells.code(code, index) if is_trust else code, name, region)
        inp = out = None
        for a, b in per_day.values():
            inp, out = add_figures(inp, a), add_figures(out, b)
        for measure, n in (("inpatient", inp), ("outpatient", out)):
            hit, value = poisoned(opts, code, measure, first_day, first_day, n)
            row.append(value if hit else cells.figure(n))
        if opts.total_column:
            total = None if inp is None and out is None else (inp or 0) + (out or 0)
            if total is not None and code == opts.wrong_total:
                total += 1
            row.append(cells.figure(total))
        return [row]

    body = table_body(release, opts, [header], row_cells)
    rows = notes(release, opts.notes_rows) + [header] + body
    if opts.footnotes:
        rows += footnotes()
    return save(release, opts, rows, [])


def long_workbook(release: Release, **options) -> bytes:
    opts = Options(**options)
    cells = Cells(opts)
    ids = [opts.label(k) for k in opts.id_order]
    beside = _beside(release, opts)
    if opts.by_measure:
        header = [opts.label("date")] + ids + [opts.label("inpatient"), opts.label("outpatient")]
        if beside:
            header.append(staff_label(release, opts))
    else:
        header = [opts.label("date")] + ids + [opts.label("measure"), opts.label("value")]
    first_day = release.days[0]
    counter = iter(range(10**9))

    def row_cells(code, name, region, per_day, is_trust):
        index = next(counter)
        shown = cells.code(code, index) if is_trust else code
        out_rows = []
        for day in release.days:
            lead = [date_cell(day, opts.date_style)] + id_cells(opts, shown, name, region)
            inp, out = per_day[day]
            values = []
            for measure, n in (("inpatient", inp), ("outpatient", out)):
                hit, value = poisoned(opts, code, measure, day, first_day, n)
                values.append(value if hit else cells.figure(n))
            staff = None
            if beside:
                staff = cells.figure(staff_value(release, code, region, day, _kind(is_trust, name)))
            if opts.by_measure:
                out_rows.append(lead + values + ([staff] if beside else []))
                continue
            out_rows.append(lead + [opts.label("inpatient"), values[0]])
            out_rows.append(lead + [opts.label("outpatient"), values[1]])
            if beside:
                out_rows.append(lead + [staff_label(release, opts), staff])
            elif opts.extra_measures:
                out_rows.append(lead + [opts.label("staff"), 17])
            if opts.extra_measures:
                out_rows.append(lead + [opts.label("community"), 23])
        return out_rows

    body = table_body(release, opts, [header], row_cells)
    rows = notes(release, opts.notes_rows) + [header] + body
    if opts.footnotes:
        rows += footnotes()
    return save(release, opts, rows, [])
