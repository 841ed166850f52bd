"""The writer of Leuven files: rows from the plan, labels from code_tables, faults from defects."""

from __future__ import annotations

import random
from pathlib import Path

from leerwinkels_demo.code_tables import DEST, DUTCH, EDU, EMPTY_RATE, GENDER, INFLOW, LABOUR, POSTCODES, QUESTION, UNMAPPED, Labeller
from leerwinkels_demo.dates import Cell, as_date
from leerwinkels_demo.defects import ExtraRows, with_unreadable_dates
from leerwinkels_demo.people import FIRST_NAMES, LAST_NAMES
from leerwinkels_demo.plan import current_plan
from leerwinkels_demo.sources import LV
from leerwinkels_demo.writers.common import (
    PersonalValues,
    contact_in_delivery,
    extra_rows_after,
    in_delivery,
    national_number_text,
    note_text,
    reopened,
    trajectory_basics,
    write_only_workbook,
)


def write_leuven(dest: Path, rel: str) -> dict:
    p = current_plan()
    r = random.Random(f"{p.seed}:leuven")
    ps = p.persons
    pv = PersonalValues(p)
    lab = lambda table, **kw: Labeller(r, table, **kw)
    L_g, L_e, L_d = lab(GENDER[LV]), lab(EDU[LV], empty_rate=EMPTY_RATE), lab(DUTCH[LV], empty_rate=0.03)
    L_l, L_i, L_q = lab(LABOUR[LV], empty_rate=EMPTY_RATE), lab(INFLOW[LV], empty_rate=EMPTY_RATE), lab(QUESTION[LV])
    L_r = lab(DEST[LV])
    wb = write_only_workbook()
    ws = wb.create_sheet("Dossiers")
    ws.append(["Dossier", "Rijksregisternummer", "Naam", "Geboortedatum", "Geslacht", "Postcode", "Opleiding",
               "Nederlands", "Situatie", "Toeleiding", "Vraag", "Start", "Einde", "Stopgezet"]
              + [f"Contact {i}" for i in range(1, 9)] + ["Doorverwijzing 1", "Doorverwijzing 2", "Notities"])
    ex = ExtraRows(p.extras[LV])
    n = 0
    cs, cd = p.c_start, p.c_date
    for t in p.order[LV].tolist():
        pe, io, co, st, df = trajectory_basics(p, t)
        start: Cell = as_date(io)
        end: Cell = as_date(co) if co >= 0 else None
        start, end = with_unreadable_dates(r, df, start, end)
        s = int(cs[t])
        contacts: list[Cell] = [as_date(int(cd[s + j])) for j in range(int(p.ncon[t])) if contact_in_delivery(s + j)]
        contacts += [None] * (8 - len(contacts))
        refs = [L_r(int(c)) for c in p.dest[t, :p.nref[t]].tolist()] + [None, None]
        labour = UNMAPPED[LV][1] if p.flag_unmapped[t] else L_l(int(p.labour[t]))
        row = [p.tid[t], national_number_text(r, ps.nn[pe], 0.0), f"{LAST_NAMES[ps.last[pe]]} {FIRST_NAMES[ps.first[pe]]}",
               as_date(int(ps.birth[pe])), L_g(ps.gender[pe]), POSTCODES[LV][p.postcode[t]][0],
               L_e(int(p.edu[t])), L_d(int(p.dutch[t])), labour, L_i(int(p.inflow[t])),
               L_q(int(p.question[t])), start, end, "ja" if st == 2 else None] + contacts + refs[:2] + [
            note_text(r, p, pv, t, pe, "lv")]
        if reopened(t):  # an earlier delivery: its closing (or stop) not registered yet
            row[12], row[13] = None, None
        if in_delivery(t):
            pv.name(pe), pv.nn(pe)
            ws.append(row)
            n += 1
        ex.keep(t, row)
        for src in extra_rows_after(ex, t, r, p.question, 10, QUESTION[LV]):
            ws.append(src)
            n += 1
    wb.save(dest / rel)
    return {"rows": {rel + "|Dossiers": n}, "pv": pv.result()}
