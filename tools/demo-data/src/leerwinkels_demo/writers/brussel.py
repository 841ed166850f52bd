"""The writer of Brussel files: rows from the plan, labels from code_tables, faults from defects."""

from __future__ import annotations

import random
from pathlib import Path

from leerwinkels_demo.code_tables import (
    BR_STATUS,
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
    UNMAPPED,
    Labeller,
)
from leerwinkels_demo.dates import Cell, as_date
from leerwinkels_demo.defects import ExtraRows, with_unreadable_dates
from leerwinkels_demo.people import FIRST_NAMES, LAST_NAMES
from leerwinkels_demo.plan import current_plan
from leerwinkels_demo.registration import open_label
from leerwinkels_demo.sources import BR
from leerwinkels_demo.writers.common import (
    PersonalValues,
    extra_rows_after,
    in_delivery,
    national_number_text,
    reopened,
    trajectory_basics,
    write_contact_rows,
    write_only_workbook,
)


def write_brussel(dest: Path, rel: str) -> dict:
    p = current_plan()
    r = random.Random(f"{p.seed}:brussel")
    ps = p.persons
    pv = PersonalValues(p)
    lab = lambda table, **kw: Labeller(r, table, **kw)
    L_g, L_e, L_d = lab(GENDER[BR]), lab(EDU[BR], empty_rate=EMPTY_RATE), lab(DUTCH[BR], empty_rate=0.05)
    L_l, L_i, L_q = lab(LABOUR[BR], empty_rate=EMPTY_RATE), lab(INFLOW[BR], empty_rate=EMPTY_RATE), lab(QUESTION[BR])
    L_s, L_r, L_c = lab(BR_STATUS, variant_rate=0.01), lab(DEST[BR]), lab(CTYPE[BR])
    wb = write_only_workbook()
    ws = wb.create_sheet("Dossiers - Dossiers")
    ws.append(["Dossiernr / N° dossier", "Rijksregisternr / N° registre national", "Naam / Nom",
               "Voornaam / Prénom", "Geboortedatum / Date de naissance", "Geslacht / Sexe",
               "Postcode / Code postal", "E-mail", "GSM", "Niveau NL / Niveau NL", "Diploma / Diplôme",
               "Statuut / Statut", "Verwezen door / Envoyé par", "Leervraag / Question",
               "Startdatum / Date de début", "Einddatum / Date de fin", "Status",
               "Doorverwezen naar / Orienté vers"])
    ex = ExtraRows(p.extras[BR])
    n1 = 0
    order = p.order[BR].tolist()
    for t in order:
        pe, io, co, st, df = trajectory_basics(p, t)
        refs = [L_r(int(c)) for c in p.dest[t, :p.nref[t]].tolist()]
        refs = [x for x in refs if x]
        sep = "; " if r.random() < 0.85 else ";"
        intake: Cell = as_date(io)
        closed: Cell = as_date(co) if co >= 0 else None
        intake, closed = with_unreadable_dates(r, df, intake, closed)
        labour = L_l(int(p.labour[t]))
        if p.flag_unmapped[t]:
            labour = UNMAPPED[BR][1]
        row = [p.tid[t], national_number_text(r, ps.nn[pe], 0.6), LAST_NAMES[ps.last[pe]],
               FIRST_NAMES[ps.first[pe]], as_date(int(ps.birth[pe])), L_g(ps.gender[pe]),
               POSTCODES[BR][p.postcode[t]][0], ps.email(pe), ps.phone_str(pe), L_d(int(p.dutch[t])),
               L_e(int(p.edu[t])), labour, L_i(int(p.inflow[t])), L_q(int(p.question[t])),
               intake, closed, L_s(st), sep.join(refs) if refs else None]
        if reopened(t):  # an earlier delivery: its closing not registered yet
            row[15], row[16] = None, open_label(BR_STATUS)
        if in_delivery(t):
            pv.name(pe), pv.nn(pe), pv.add(row[7]), pv.add(row[8])
            ws.append(row)
            n1 += 1
        ex.keep(t, row)
        for src in extra_rows_after(ex, t, r, p.question, 13, QUESTION[BR]):
            ws.append(src)
            n1 += 1
    ws2 = wb.create_sheet("Contacten - Contacts")
    ws2.append(["Dossiernr / N° dossier", "Datum / Date", "Type", "Duur (min) / Durée (min)"])
    n2 = write_contact_rows(p, BR, ws2.append, lambda tid, o, ty, mi: [tid, as_date(o), L_c(ty), mi],
                        lambda fid, o: [fid, as_date(o), L_c(1 + r.randrange(4)), MINUTES_OTHER[r.randrange(8)]])
    wb.save(dest / rel)
    return {"rows": {rel + "|Dossiers - Dossiers": n1, rel + "|Contacten - Contacts": n2},
            "pv": pv.result()}
