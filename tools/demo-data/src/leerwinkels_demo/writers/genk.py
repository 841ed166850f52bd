"""The writer of Genk files: rows from the plan, labels from code_tables, faults from defects."""

from __future__ import annotations

import random
from pathlib import Path

from leerwinkels_demo.code_tables import (
    CTYPE,
    DEST,
    DUTCH,
    EDU,
    EMPTY_RATE,
    GENDER,
    GK_REASON_COMPLETED,
    GK_REASON_STOPPED,
    GK_REFERRED,
    INFLOW,
    LABOUR,
    MINUTES_OTHER,
    POSTCODES,
    QUESTION,
    Labeller,
)
from leerwinkels_demo.dates import Cell, dmy_text
from leerwinkels_demo.defects import BAD_DATE_CSV, ExtraRows, with_unreadable_dates
from leerwinkels_demo.people import FIRST_CP1252, LAST_CP1252
from leerwinkels_demo.plan import current_plan
from leerwinkels_demo.sources import GK
from leerwinkels_demo.writers.common import (
    CsvSheet,
    PersonalValues,
    extra_rows_after,
    hours_text,
    in_delivery,
    national_number_text,
    reopened,
    trajectory_basics,
    write_contact_rows,
)


def write_genk(dest: Path, rel_k: str, rel_c: str) -> dict:
    p = current_plan()
    r = random.Random(f"{p.seed}:genk")
    ps = p.persons
    pv = PersonalValues(p)
    lab = lambda table, **kw: Labeller(r, table, **kw)
    L_g, L_e, L_d = lab(GENDER[GK]), lab(EDU[GK], empty_rate=EMPTY_RATE), lab(DUTCH[GK], empty_rate=0.05)
    L_l, L_i, L_q = lab(LABOUR[GK], empty_rate=EMPTY_RATE), lab(INFLOW[GK], empty_rate=EMPTY_RATE), lab(QUESTION[GK])
    L_r, L_c = lab(DEST[GK]), lab(CTYPE[GK])
    ex = ExtraRows(p.extras[GK])
    n1 = 0
    with CsvSheet(dest / rel_k, encoding="cp1252", sep=";", buffer_rows=5000) as clients:
        clients.append(["KlantID", "INSZ", "Naam", "Geboortedatum", "Geslacht", "Postcode", "Gemeente",
                        "Opleidingsniveau", "NT2-niveau", "Arbeidssituatie", "Aanmelder", "Hulpvraag",
                        "Aanmelddatum", "Afsluitdatum", "Afsluitreden", "Doorverwijzing"])
        for t in p.order[GK].tolist():
            pe, io, co, st, df = trajectory_basics(p, t)
            ref = L_r(int(p.dest[t, 0])) if p.nref[t] else None
            intake: Cell = dmy_text(io)
            closed: Cell = dmy_text(co) if co >= 0 else None
            intake, closed = with_unreadable_dates(r, df, intake, closed, BAD_DATE_CSV)
            if st == 0:
                reason = None
            elif st == 1:
                reason = GK_REFERRED if (ref and r.random() < 0.6) else GK_REASON_COMPLETED[r.randrange(2)]
            else:
                reason = GK_REASON_STOPPED[r.randrange(2)]
            pc, gem = POSTCODES[GK][p.postcode[t]]
            row = [p.tid[t], national_number_text(r, ps.nn[pe], 0.3),
                   f"{LAST_CP1252[ps.last[pe]]}, {FIRST_CP1252[ps.first[pe]]}", dmy_text(int(ps.birth[pe])),
                   L_g(ps.gender[pe]), pc, gem, L_e(int(p.edu[t])), L_d(int(p.dutch[t])),
                   L_l(int(p.labour[t])), L_i(int(p.inflow[t])), L_q(int(p.question[t])),
                   intake, closed, reason, ref]
            if reopened(t):  # an earlier delivery: its closing not registered yet
                row[13], row[14] = None, None
            if in_delivery(t):
                pv.name(pe, cp1252=True), pv.nn(pe)
                clients.append(row)
                n1 += 1
            ex.keep(t, row)
            for src in extra_rows_after(ex, t, r, p.question, 11, QUESTION[GK]):
                clients.append(src)
                n1 += 1
    with CsvSheet(dest / rel_c, encoding="cp1252", sep=";") as contacts:
        contacts.append(["KlantID", "Datum", "Soort", "Duur (uren)"])
        n2 = write_contact_rows(p, GK, contacts.append_line,
                                lambda tid, o, ty, mi: f"{tid};{dmy_text(o)};{L_c(ty)};{hours_text(mi)}\r\n",
                                lambda fid, o: f"{fid};{dmy_text(o)};{L_c(1 + r.randrange(4))};{hours_text(MINUTES_OTHER[r.randrange(8)])}\r\n")
    return {"rows": {rel_k + "|": n1, rel_c + "|": n2}, "pv": pv.result()}
