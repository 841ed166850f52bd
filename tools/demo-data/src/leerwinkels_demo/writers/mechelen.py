"""The writer of Mechelen files: rows from the plan, labels from code_tables, faults from defects."""

from __future__ import annotations

import random
from pathlib import Path

from leerwinkels_demo.code_tables import DEST, DUTCH, EDU, EMPTY_RATE, GENDER, INFLOW, LABOUR, POSTCODES, QUESTION, Labeller
from leerwinkels_demo.dates import Cell, as_date
from leerwinkels_demo.defects import ExtraRows, with_unreadable_dates
from leerwinkels_demo.people import FIRST_NAMES, LAST_NAMES
from leerwinkels_demo.plan import current_plan, mechelen_years
from leerwinkels_demo.sources import ME
from leerwinkels_demo.writers.common import (
    PersonalValues,
    Unwritten,
    contacts_in_delivery,
    extra_rows_after,
    in_delivery,
    note_text,
    reopened,
    trajectory_basics,
    write_only_workbook,
)


def write_mechelen(dest: Path, rel: str) -> dict:
    p = current_plan()
    r = random.Random(f"{p.seed}:mechelen")
    ps = p.persons
    pv = PersonalValues(p)
    lab = lambda table, **kw: Labeller(r, table, **kw)
    L_g, L_e, L_d = lab(GENDER[ME]), lab(EDU[ME], empty_rate=EMPTY_RATE), lab(DUTCH[ME], empty_rate=0.05)
    L_l, L_i, L_q = lab(LABOUR[ME], empty_rate=EMPTY_RATE), lab(INFLOW[ME], empty_rate=EMPTY_RATE), lab(QUESTION[ME])
    L_r = lab(DEST[ME])
    wb = write_only_workbook()
    header = ["Nr", "Klant", "Geb.jaar", "M/V", "Gemeente", "Scholing", "Taal", "Situatie", "Via",
              "Vraag", "Intake", "Afgesloten", "Aantal gesprekken", "Doorverwezen naar", "Opmerkingen"]
    order = p.order[ME]
    yrs = p.reg_year[order]
    ex = ExtraRows(p.extras[ME])
    rows_out = {}
    # an earlier delivery: a year without a registered trajectory yet has no sheet (its rows are drawn all the same);
    # with none registered at all, the one empty sheet of mechelen_years (a workbook needs a sheet)
    registered = {int(y) for t, y in zip(order.tolist(), yrs.tolist(), strict=True) if in_delivery(t)} or {p.as_of.year}
    for y in sorted({*mechelen_years(p), *registered}):
        ws = wb.create_sheet(str(y)) if y in registered else Unwritten()
        ws.merged_cells.add("A1:F1")
        ws.append([f"Leerwinkel Regio Mechelen – registratie {y}"])
        ws.append([])
        ws.append(header)
        n = 0
        total = 0
        for t in order[yrs == y].tolist():
            pe, io, co, st, df = trajectory_basics(p, t)
            intake: Cell = as_date(io)
            closed: Cell = as_date(co) if co >= 0 else "nog lopend"
            intake, closed = with_unreadable_dates(r, df, intake, closed)
            pc, gem = POSTCODES[ME][p.postcode[t]]
            nc = int(p.ncon[t])
            row = [p.tid[t], f"{FIRST_NAMES[ps.first[pe]]} {LAST_NAMES[ps.last[pe]]}",
                   as_date(int(ps.birth[pe])).year, L_g(ps.gender[pe]), gem, L_e(int(p.edu[t])),
                   L_d(int(p.dutch[t])), L_l(int(p.labour[t])), L_i(int(p.inflow[t])),
                   L_q(int(p.question[t])), intake, closed, nc,
                   L_r(int(p.dest[t, 0])) if p.nref[t] else None, note_text(r, p, pv, t, pe, "me")]
            if reopened(t):  # an earlier delivery: its closing not registered yet
                row[11] = "nog lopend"
            row[12] = contacts_in_delivery(p, t)
            if in_delivery(t):
                pv.name(pe)
                ws.append(row)
                n += 1
                total += row[12]
            ex.keep(t, row)
            for src in extra_rows_after(ex, t, r, p.question, 9, QUESTION[ME]):
                ws.append(src)
                n += 1
                total += src[12]
        ws.append(["Totaal"] + [None] * 11 + [total, None, None])
        if not isinstance(ws, Unwritten):
            rows_out[f"{rel}|{y}"] = n
    wb.save(dest / rel)
    return {"rows": rows_out, "pv": pv.result()}
