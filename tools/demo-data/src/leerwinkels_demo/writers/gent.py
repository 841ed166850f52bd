"""The writer of Gent files: rows from the plan, labels from code_tables, faults from defects."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from leerwinkels_demo.code_tables import (
    CTYPE,
    DEST,
    DUTCH,
    DUTCH_UNKNOWN,
    EDU,
    EDU_UNKNOWN,
    EMPTY_RATE,
    GE_STATUS,
    GENDER,
    INFLOW,
    LABOUR,
    POSTCODES,
    QUESTION,
    Labeller,
)
from leerwinkels_demo.dates import iso_text
from leerwinkels_demo.defects import BAD_DATE_GENT, X_GBAD, X_GMISSING
from leerwinkels_demo.people import FIRST_NAMES, LAST_NAMES
from leerwinkels_demo.plan import current_plan
from leerwinkels_demo.registration import open_label
from leerwinkels_demo.sources import GE
from leerwinkels_demo.writers.common import (
    CsvSheet,
    PersonalValues,
    contact_in_delivery,
    extra_in_delivery,
    in_delivery,
    reopened,
    trajectory_basics,
)


def write_gent(dest: Path, rel: str) -> dict:
    p = current_plan()
    r = random.Random(f"{p.seed}:gent")
    ps = p.persons
    pv = PersonalValues(p)
    lab = lambda table, **kw: Labeller(r, table, **kw)
    L_g = lab(GENDER[GE])
    L_e = lab(EDU[GE], unknown=EDU_UNKNOWN[GE], empty_rate=EMPTY_RATE)
    L_d = lab(DUTCH[GE], unknown=DUTCH_UNKNOWN[GE], empty_rate=0.05)
    L_l, L_i, L_q = lab(LABOUR[GE], empty_rate=EMPTY_RATE), lab(INFLOW[GE], empty_rate=EMPTY_RATE), lab(QUESTION[GE])
    L_s, L_r, L_c = lab(GE_STATUS, variant_rate=0.01), lab(DEST[GE]), lab(CTYPE[GE])
    extras = defaultdict(list)
    for ex in p.extras[GE]:
        extras[ex[2]].append(ex)
    src_rows: dict[int, list] = {}
    need_src = {ex[1] for ex in p.extras[GE]}
    reg = 500000
    n = 0
    cs, cd, ct, cm = p.c_start, p.c_date, p.c_type, p.c_min
    with CsvSheet(dest / rel, encoding="utf-8-sig", sep=",") as sheet:
        sheet.append(["registratie_id", "dossier_id", "rijksregisternummer", "voornaam", "familienaam",
                      "geboortedatum", "geslacht", "postcode", "opleidingsniveau", "taalniveau_nl",
                      "statuut", "toeleider", "leervraag", "contact_datum", "contact_type",
                      "duur_minuten", "dossier_status", "dossier_afgesloten_op", "doorverwijzing"])
        for t in p.order[GE].tolist():
            pe, io, co, st, df = trajectory_basics(p, t)
            nc = int(p.ncon[t])
            nn = ps.nn[pe]
            if in_delivery(t):
                pv.name(pe), pv.nn(pe)
            fixed = [p.tid[t], nn, FIRST_NAMES[ps.first[pe]], LAST_NAMES[ps.last[pe]], iso_text(int(ps.birth[pe])),
                     L_g(ps.gender[pe]), POSTCODES[GE][p.postcode[t]][0]]
            cur = [int(p.edu[t]), int(p.dutch[t]), int(p.labour[t])]
            # history: earlier rows may show an older value of a trajectory field
            hist_change = nc > 1 and r.random() < 0.15
            change_before = r.randrange(1, nc) if hist_change else 0
            field = r.randrange(3)
            refrow = {}
            for k in range(int(p.nref[t])):
                refrow[int(p.ref_row[t, k])] = int(p.dest[t, k])
            h = 8 * 60 + 15 * r.randrange(4)
            s = int(cs[t])
            status_lab = L_s(st)
            closed = iso_text(co) if co >= 0 else None
            if reopened(t):  # an earlier delivery: its closing not registered yet
                status_lab, closed = open_label(GE_STATUS), None
            inflow_lab = L_i(int(p.inflow[t]))
            q_lab = L_q(int(p.question[t]))
            for j in range(nc):
                vals = list(cur)
                if j < change_before:
                    vals[field] = (vals[field] + 1 + r.randrange(4)) % (6 if field != 1 else 7)
                h = min(h + 15 * r.randrange(1, 8), 17 * 60 + 45)
                o = int(cd[s + j])
                reg += 1
                row = [reg] + fixed + [L_e(vals[0]), L_d(vals[1]), L_l(vals[2]), inflow_lab, q_lab,
                                       f"{iso_text(o)}T{h // 60:02d}:{h % 60:02d}:00", L_c(int(ct[s + j])),
                                       int(cm[s + j]), status_lab, closed,
                                       L_r(refrow[j]) if j in refrow else None]
                if contact_in_delivery(s + j):
                    sheet.append(row)
                    n += 1
                if t in need_src and t not in src_rows and j == nc - 1:
                    src_rows[t] = row
            for kind, sidx, _ in extras.get(t, ()):
                src = list(src_rows[sidx])
                if kind == X_GMISSING:
                    reg += 1
                    src[0], src[1], src[18] = reg, None, None
                elif kind == X_GBAD:
                    reg += 1
                    src[0], src[18] = reg, None
                    src[13] = BAD_DATE_GENT[r.randrange(len(BAD_DATE_GENT))]
                if extra_in_delivery((kind, sidx, t)):
                    sheet.append(src)
                    n += 1
    return {"rows": {rel + "|": n}, "pv": pv.result()}
