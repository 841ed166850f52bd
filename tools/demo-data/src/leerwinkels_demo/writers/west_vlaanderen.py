"""The writer of West Vlaanderen files: rows from the plan, labels from code_tables, faults from defects."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from leerwinkels_demo.code_tables import (
    CTYPE,
    DEST,
    DUTCH,
    EDU,
    EMPTY_RATE,
    GENDER,
    INFLOW,
    LABOUR,
    MINUTES_OTHER,
    POSTCODES,
    QUESTION,
    Labeller,
)
from leerwinkels_demo.dates import Cell, mixed_date
from leerwinkels_demo.defects import ExtraRows, with_unreadable_dates
from leerwinkels_demo.people import FIRST_NAMES, LAST_NAMES
from leerwinkels_demo.plan import current_plan, west_vlaanderen_clients
from leerwinkels_demo.sources import WV
from leerwinkels_demo.writers.common import (
    PersonalValues,
    extra_rows_after,
    in_delivery,
    national_number_text,
    orphan_in_delivery,
    referral_in_delivery,
    reopened,
    trajectory_basics,
    write_contact_rows,
    write_only_workbook,
)


def write_west_vlaanderen(dest: Path, rel: str) -> dict:
    p = current_plan()
    r = random.Random(f"{p.seed}:west_vlaanderen")
    ps = p.persons
    pv = PersonalValues(p)
    lab = lambda table, **kw: Labeller(r, table, **kw)
    L_g, L_e, L_d = lab(GENDER[WV]), lab(EDU[WV], empty_rate=EMPTY_RATE), lab(DUTCH[WV], empty_rate=0.05)
    L_l, L_i, L_q = lab(LABOUR[WV], empty_rate=EMPTY_RATE), lab(INFLOW[WV], empty_rate=EMPTY_RATE), lab(QUESTION[WV])
    L_r, L_c = lab(DEST[WV]), lab(CTYPE[WV])
    e = p.export
    title = ["Huis van het Leren West-Vlaanderen – Leerwinkel"]
    stamp = [f"Export aangemaakt op {e.day:02d}/{e.month:02d}/{e.year} 06:00"]
    wb = write_only_workbook()
    clients, tclient = west_vlaanderen_clients(p)
    ws = wb.create_sheet("Cliënten")
    for heading in (title, stamp, []):
        ws.append(heading)
    ws.append(["cliëntnr", "INSZ", "naam", "geboortedatum", "geslacht", "postcode", "woonplaats",
               "diploma", "NT2", "statuut"])
    # an earlier delivery: the clients with a registered trajectory (the others' rows are drawn, not written)
    shown = {tclient[t] for t in p.order[WV].tolist() if in_delivery(t)}
    n_cl = 0
    for c, t in enumerate(clients):
        if t is None:
            continue
        pe = int(p.person[t])
        pc, gem = POSTCODES[WV][p.postcode[t]]
        client_row = [f"C-{c + 1:04d}", national_number_text(r, ps.nn[pe], 0.2),
                   f"{FIRST_NAMES[ps.first[pe]]} {LAST_NAMES[ps.last[pe]]}",
                   mixed_date(r, int(ps.birth[pe])), L_g(ps.gender[pe]), pc, gem, L_e(int(p.edu[t])),
                   L_d(int(p.dutch[t])), L_l(int(p.labour[t]))]
        if c in shown:
            ws.append(client_row)
            pv.name(pe), pv.nn(pe)
            n_cl += 1
    ws = wb.create_sheet("Trajecten")
    for heading in (title, stamp, []):
        ws.append(heading)
    ws.append(["trajectnr", "cliëntnr", "startdatum", "einddatum", "aanmelding_via", "leervraag", "afgerond"])
    ex = ExtraRows(p.extras[WV])
    n_tr = 0
    for t in p.order[WV].tolist():
        pe, io, co, st, df = trajectory_basics(p, t)
        start: Cell = mixed_date(r, io)
        end: Cell = mixed_date(r, co) if co >= 0 else None
        start, end = with_unreadable_dates(r, df, start, end)
        flag: str | None
        if st == 1:
            flag = "ja" if r.random() < 0.6 else "x"
        else:
            flag = "nee" if r.random() < 0.3 else None
        row: list[Cell] = [p.tid[t], f"C-{tclient[t] + 1:04d}", start, end, L_i(int(p.inflow[t])),
               L_q(int(p.question[t])), flag]
        if reopened(t):  # an earlier delivery: its closing not registered yet
            row[3], row[6] = None, None
        if in_delivery(t):
            ws.append(row)
            n_tr += 1
        ex.keep(t, row)
        for src in extra_rows_after(ex, t, r, p.question, 5, QUESTION[WV]):
            ws.append(src)
            n_tr += 1
    ws = wb.create_sheet("Contacten")
    for heading in (title, stamp, []):
        ws.append(heading)
    ws.append(["trajectnr", "datum", "soort", "minuten"])
    n_co = write_contact_rows(p, WV, ws.append,
                          lambda tid, o, ty, mi: [tid, mixed_date(r, o), L_c(ty), mi],
                          lambda fid, o: [fid, mixed_date(r, o), L_c(1 + r.randrange(4)), MINUTES_OTHER[r.randrange(8)]])
    ws = wb.create_sheet("Doorverwijzingen")
    for heading in (title, stamp, []):
        ws.append(heading)
    ws.append(["trajectnr", "datum", "naar"])
    fakes = defaultdict(list)
    for after, fid, o in p.fake.get((WV, "referrals"), []):
        fakes[after].append((fid, o))
    n_re = 0
    for t in p.order[WV].tolist():
        for k in range(int(p.nref[t])):
            row = [p.tid[t], mixed_date(r, int(p.ref_date[t, k])), L_r(int(p.dest[t, k]))]
            if referral_in_delivery(t, k):
                ws.append(row)
                n_re += 1
        for fid, o in fakes.get(t, ()):
            row = [fid, mixed_date(r, o), L_r(r.randrange(10))]
            if orphan_in_delivery(t, o):
                ws.append(row)
                n_re += 1
    wb.save(dest / rel)
    return {"rows": {rel + "|Cliënten": n_cl, rel + "|Trajecten": n_tr, rel + "|Contacten": n_co,
                     rel + "|Doorverwijzingen": n_re}, "pv": pv.result()}
