"""The writer of Costs files: rows from the plan, labels from code_tables, faults from defects."""

from __future__ import annotations

import random
from pathlib import Path

from leerwinkels_demo.plan import current_plan
from leerwinkels_demo.sources import DISPLAY, LEERWINKELS
from leerwinkels_demo.writers.common import write_only_workbook


def write_costs(dest: Path, rel: str) -> dict:
    p = current_plan()
    r = random.Random(f"{p.seed}:costs")
    wb = write_only_workbook()
    ws = wb.create_sheet("Kosten")
    ws.append(["Leerwinkel", "Jaar", "Personeelskost", "Werkingskost", "VTE"])
    n = 0
    for li, y in p.cost_rows:
        # staff follows the case load (about 110 trajectories per FTE a year), at least 2 FTE
        per_year = p.counts[li] / max(1, p.as_of.year - p.start_year + 1)
        fte = round(max(2.0, per_year / 110) * r.uniform(0.85, 1.2), 1)
        staff = round(fte * r.uniform(62000, 72000), 2)
        if r.random() < 0.3:
            staff = int(staff)
        ws.append([DISPLAY[LEERWINKELS[li]], y, staff, round(fte * r.uniform(8000, 20000), 2), fte])
        n += 1
    wb.save(dest / rel)
    return {"rows": {rel + "|Kosten": n}, "pv": set()}
