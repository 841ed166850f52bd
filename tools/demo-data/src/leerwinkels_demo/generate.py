"""Synthetic landing-folder generator ("demo data").

``generate_landing(dest, trajectories, seed, defects)`` writes a complete landing folder in
the formats of ``SOURCES.md`` (six Leerwinkels + the network coordinator's files) with
invented people only, and returns a *manifest*: the row accounting that the pipeline's
rules (MODEL.md) must give for every file/sheet, plus every personal value written.

How it works
------------
1. A *plan* is drawn with numpy (seeded): trajectories, persons, contacts, referrals,
   survey responses and, when ``defects=True``, a known set of defects. Every defect is
   made so that it triggers exactly one rule of MODEL.md's table and no earlier one:

   ==================  ==========================================================
   rule                how it is injected
   ==================  ==========================================================
   missing_id          trajectory id left empty (such a trajectory gets no contact/
                       referral/survey rows; in Gent: an extra contact row without
                       ``dossier_id``)
   bad_date            intake empty/unreadable, or closing date present but
                       unreadable (Gent: an extra contact row whose ``contact_datum``
                       is empty/unreadable)
   date_order          closing date 1-60 days before the intake date
   future_date         intake typed ten years ahead (trajectory open)
   age_out_of_range    a new person aged 10-14 or 102-106 at intake
   duplicate_id        an extra, later row with an existing id and another
                       learning question
   (rows_duplicate)    an extra, later row equal in every column to an earlier one
   orphan              contacts/referrals of quarantined trajectories, plus a few
                       rows pointing at ids that never existed
   unlinked            survey answers for quarantined trajectories, for ids that do
                       not exist, or naming the wrong Leerwinkel
   ==================  ==========================================================

   For Gent (one row per contact) the trajectory-level defects (date_order,
   future_date, age_out_of_range) are put on single-contact trajectories, so that one
   row is rejected whichever way the trajectory's rejection is propagated to its rows.
   Not counted as quarantine but reported in the manifest: an unmapped label
   (``unmapped``), invalid national numbers (``invalid_national_numbers``) and a missing
   cost row (``missing_cost_rows``); all three are put on clean, loaded, non-duplicated
   rows so that their counts do not depend on rule order.
2. Every file is then streamed row by row (openpyxl write-only mode for xlsx, plain
   writes for CSV). Writers may run in parallel processes (``workers``), each with its
   own seeded RNG, so the output does not depend on the number of workers.
3. The manifest is computed from the plan; the writers report the rows they wrote and
   the two are checked against each other.

Where each part lives: the plan in ``plan.py`` and the planted faults in ``defects.py``
(shared by every writer), the labels in ``code_tables.py`` (read from sources/*.yaml by
``labels.py``), one writer per source file in ``writers/``, the manifest in ``manifest.py``.
"""

from __future__ import annotations

import copy
import gc
import json
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from leerwinkels_demo.folder import NotADemoFolder, demo_folder_refusal, write_demo_marker
from leerwinkels_demo.manifest import file_names, manifest_of
from leerwinkels_demo.plan import build_plan, current_plan, use_plan
from leerwinkels_demo.registration import date_files, earlier_delivery, earlier_plan, use_delivery
from leerwinkels_demo.sources import AS_OF, LEERWINKELS, XLSX_MAX_ROWS
from leerwinkels_demo.writers.brussel import write_brussel
from leerwinkels_demo.writers.costs import write_costs
from leerwinkels_demo.writers.genk import write_genk
from leerwinkels_demo.writers.gent import write_gent
from leerwinkels_demo.writers.leuven import write_leuven
from leerwinkels_demo.writers.mechelen import write_mechelen
from leerwinkels_demo.writers.survey import write_survey
from leerwinkels_demo.writers.west_vlaanderen import write_west_vlaanderen


def _run_task(name: str, dest: str) -> tuple[str, dict]:
    p = current_plan()
    F = file_names(p)
    d = Path(dest)
    if name == "brussel":
        return name, write_brussel(d, F["brussel"])
    if name == "genk":
        return name, write_genk(d, F["genk_k"], F["genk_c"])
    if name == "mechelen":
        return name, write_mechelen(d, F["mechelen"])
    if name == "gent":
        return name, write_gent(d, F["gent"])
    if name == "west_vlaanderen":
        return name, write_west_vlaanderen(d, F["west_vlaanderen"])
    if name == "leuven":
        return name, write_leuven(d, F["leuven"])
    if name == "survey":
        return name, write_survey(d, F["survey"])
    if name == "costs":
        return name, write_costs(d, F["costs"])
    raise ValueError(name)


# rough relative cost of each task, to start the heavy ones first
_TASK_WEIGHT = {"brussel": 30, "west_vlaanderen": 22, "survey": 16, "leuven": 12, "mechelen": 8,
                "gent": 2.3, "genk": 0.8, "costs": 0}  # CPU seconds measured at 400,000


def generate_landing(dest: Path, trajectories: int = 600, seed: int = 1, defects: bool = True,
                     progress: Callable[[str, int, int], None] | None = None, *,
                     as_of: date = AS_OF, manifest_path: Path | str | None = None,
                     workers: int | None = None, earlier_delivery_days: int | None = None) -> dict:
    """Write a synthetic landing folder under ``dest`` and return its manifest.

    ``trajectories`` is the total over the six Leerwinkels; ``as_of`` the run date the
    manifest's rule outcomes refer to (exports are dated six days earlier);
    ``workers`` the number of writer processes (default: 1 below 20,000 trajectories,
    else up to 2); ``progress(step, done, total)`` is called after the plan and after
    every file. With ``manifest_path`` the manifest is also written there as JSON.

    ``earlier_delivery_days`` D: instead of the final delivery, write the earlier delivery of the
    same network as the Leerwinkels had registered it D days before ``as_of`` (only what was
    registered by then: ``registration.py``), exported and file-dated that day. Generating the
    final delivery into the same folder afterwards gives two deliveries, the second with the late
    registrations (issue 20). Without it the output is the final delivery, as always.
    """
    if trajectories < 0:
        raise ValueError("trajectories must be >= 0")
    # Brussel's contact sheet is the largest (~0.9 rows per trajectory in the network):
    # refuse early what can never fit in one xlsx sheet; the exact check follows the plan
    if trajectories > 1_150_000:
        raise ValueError(f"{trajectories} trajectories would need more rows than an xlsx sheet holds "
                         f"({XLSX_MAX_ROWS:,}); use at most about 1,100,000")
    dest = Path(dest)
    refusal = demo_folder_refusal(dest)
    if refusal:
        raise NotADemoFolder(refusal)
    steps = ["plan", "brussel", "genk", "mechelen", "gent", "west_vlaanderen", "leuven", "survey", "costs"]
    total = len(steps)
    p = build_plan(int(trajectories), int(seed), bool(defects), as_of)
    delivery = earlier_delivery(p, int(earlier_delivery_days)) if earlier_delivery_days is not None else None
    # the writers write the final plan's rows (the same draws), leaving out what the earlier delivery lacks;
    # its manifest is computed from the plan as that delivery holds it
    written_plan = p if delivery is None else copy.copy(p)
    held = p if delivery is None else earlier_plan(p, delivery)
    if delivery is not None:
        written_plan.export = delivery.day
    manifest = manifest_of(held)
    for key, e in manifest["files"].items():
        if "xlsx" in key and e["rows_read"] + 4 > XLSX_MAX_ROWS:
            raise ValueError(f"{key} would need {e['rows_read']} rows: more than an xlsx sheet holds; "
                             "use fewer trajectories")
    done = 1
    if progress:
        progress("plan", done, total)
    # marked before the first file: a generation that is interrupted leaves a folder that
    # is still recognisably demo data (and may be generated into again)
    write_demo_marker(dest, seed=int(seed), trajectories=int(trajectories))
    F = file_names(held)
    for rel in F.values():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
    for sub in LEERWINKELS + ("netwerk",):
        (dest / sub).mkdir(parents=True, exist_ok=True)

    if workers is None:
        workers = 1 if trajectories < 20_000 else max(1, min(2, os.cpu_count() or 1))
    tasks = sorted(steps[1:], key=lambda s: -_TASK_WEIGHT[s])
    results: dict[str, dict] = {}
    use_plan(written_plan)
    use_delivery(delivery)
    try:
        if workers <= 1:
            for name in tasks:
                _, res = _run_task(name, str(dest))
                results[name] = res
                done += 1
                if progress:
                    progress(name, done, total)
        else:
            # forked workers share the plan copy-on-write; keep the garbage collector from
            # touching (and so copying) every object of it in each worker
            gc.freeze()
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
                futs = [pool.submit(_run_task, name, str(dest)) for name in tasks]
                for fut in as_completed(futs):
                    name, res = fut.result()
                    results[name] = res
                    done += 1
                    if progress:
                        progress(name, done, total)
    finally:
        use_plan(None)
        use_delivery(None)
        gc.unfreeze()

    # the writers' row counts must agree with the plan's accounting
    written = {}
    pv: set[str] = set()
    for res in results.values():
        written.update(res["rows"])
        pv |= res["pv"]
    expected = {k: v["rows_read"] for k, v in manifest["files"].items()}
    if written != expected:
        diff = {k: (expected.get(k), written.get(k)) for k in set(expected) | set(written)
                if expected.get(k) != written.get(k)}
        raise AssertionError(f"demo data: rows written differ from the manifest: {diff}")

    if delivery is not None:  # files dated the day of the earlier delivery
        date_files(dest, F.values(), delivery.day)
    invalid = sorted({ps for ps in (p.persons.nn[int(p.person[t])] for t in np.nonzero(p.flag_invalid_nn)[0])
                      if ps})
    out = {
        "as_of": as_of.isoformat(),
        "export_date": held.export.isoformat(),
        "seed": int(seed),
        "trajectories": int(trajectories),
        "defects": bool(defects),
        "years": list(range(p.start_year, as_of.year + 1)),
        **manifest,
        "invalid_national_number_values": invalid,
        "personal_values": sorted(pv),
    }
    if earlier_delivery_days is not None:
        out["earlier_delivery_days"] = int(earlier_delivery_days)
    if manifest_path is not None:
        mp = Path(manifest_path)
        mp.parent.mkdir(parents=True, exist_ok=True)
        mp.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return out
