"""The writer of Survey files: rows from the plan, labels from code_tables, faults from defects."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from leerwinkels_demo.code_tables import QUALIFICATION, SCALE, SITUATION, SURVEY_HEADER, TRAINING_STARTED
from leerwinkels_demo.dates import as_date
from leerwinkels_demo.defects import dossier_variant
from leerwinkels_demo.people import FIRST_NAMES, LAST_NAMES
from leerwinkels_demo.plan import current_plan
from leerwinkels_demo.sources import DISPLAY, LEERWINKELS
from leerwinkels_demo.writers.common import PersonalValues, answer_in_delivery, write_only_workbook


def write_survey(dest: Path, rel: str) -> dict:
    p = current_plan()
    r = random.Random(f"{p.seed}:survey")
    ps = p.persons
    pv = PersonalValues(p)
    wb = write_only_workbook()
    ws = wb.create_sheet("Form1")
    ws.append(list(SURVEY_HEADER))
    n = 0
    for i, resp in enumerate(p.survey, 1):
        o, mins, li, t, pe = resp[:5]
        dossier = p.tid[t] if t >= 0 else resp[5]
        done = datetime.combine(as_date(o), datetime.min.time()) + timedelta(minutes=mins)
        begin = done - timedelta(minutes=r.randrange(3, 15), seconds=r.randrange(60))
        name = f"{FIRST_NAMES[ps.first[pe]]} {LAST_NAMES[ps.last[pe]]}"
        email = ps.email(pe)
        sc = [SCALE[min(4, max(0, int(r.gauss(3.2, 1.0))))] if r.random() > 0.06 else None for _ in range(4)]
        sat = min(10, max(1, int(round(r.gauss(7.8, 1.6))))) if r.random() > 0.05 else None
        u = r.random()
        note = None if u < 0.6 else ("Bedankt!" if u < 0.8 else (
            f"Groeten van {FIRST_NAMES[ps.first[pe]]}" if u < 0.92 else "Het ging soms wat traag."))
        row = [i, begin, done, email, name, DISPLAY[LEERWINKELS[li]], dossier_variant(r, dossier),
                   TRAINING_STARTED[r.choices((0, 1, 2), (0.45, 0.4, 0.15))[0]],
                   SITUATION[r.choices(range(5), (0.3, 0.3, 0.25, 0.07, 0.08))[0]],
                   QUALIFICATION[0] if r.random() < 0.3 else QUALIFICATION[1]] + sc + [sat, note]
        if answer_in_delivery(resp):  # an earlier delivery: the answers given by then
            pv.name(pe), pv.add(email)
            ws.append(row)
            n += 1
    wb.save(dest / rel)
    return {"rows": {rel + "|Form1": n}, "pv": pv.result()}
