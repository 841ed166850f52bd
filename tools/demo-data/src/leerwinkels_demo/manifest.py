"""The manifest: the row accounting the pipeline's rules must give for every file, computed from the plan."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from leerwinkels_demo.code_tables import UNMAPPED
from leerwinkels_demo.defects import RULE, RULE_ORDER, X_DUP, X_DUPID, X_GBAD, X_GMISSING
from leerwinkels_demo.plan import Plan, mechelen_years, west_vlaanderen_clients
from leerwinkels_demo.sources import BR, GE, GK, LEERWINKELS, LV, ME, WV

# --------------------------------------------------------------------------------------
# manifest (from the plan)
# --------------------------------------------------------------------------------------

def file_names(p: Plan) -> dict[str, str]:
    e = p.export
    return {
        "brussel": f"brussel/Leerwinkel_Brussel_{e.isoformat()}.xlsx",
        "genk_k": f"genk/klanten_{e:%Y%m%d}.csv",
        "genk_c": f"genk/contacten_{e:%Y%m%d}.csv",
        "mechelen": "mechelen/Registratie Leerwinkel Regio Mechelen.xlsx",
        "gent": f"gent/export_registraties_{e.isoformat()}.csv",
        "west_vlaanderen": f"west_vlaanderen/HVHL_leerloopbaan_{e:%Y-%m}.xlsx",
        "leuven": f"leuven/Leerwinkel Leuven dossiers {e:%Y-%m}.xlsx",
        "survey": f"netwerk/nazorgenquete_{e.isoformat()}.xlsx",
        "costs": f"netwerk/werkingskosten_{p.as_of.year}.xlsx",
    }


def _entry(read: int, dup: int, by_rule: Counter) -> dict:
    q = {r: int(by_rule[r]) for r in RULE_ORDER if by_rule.get(r)}
    nq = sum(q.values())
    return {"rows_read": int(read), "rows_loaded": int(read - dup - nq), "rows_quarantined": nq,
            "rows_duplicate": int(dup), "quarantine": q}


def manifest_of(p: Plan) -> dict:
    F = file_names(p)
    files: dict[str, dict] = {}
    loaded = p.loaded

    def traj_sheet(li: int, ts: np.ndarray, extras) -> dict:
        q = Counter(RULE[int(k)] for k in p.defect[ts].tolist() if k)
        nd = sum(1 for e in extras if e[0] == X_DUP)
        ndi = sum(1 for e in extras if e[0] == X_DUPID)
        if ndi:
            q["duplicate_id"] += ndi
        return _entry(len(ts) + nd + ndi, nd, q)

    def contact_sheet(ts: np.ndarray, counts: np.ndarray, fakes) -> dict:
        orphan = int(counts[~loaded[ts]].sum()) + len(fakes)
        q = Counter({"orphan": orphan}) if orphan else Counter()
        return _entry(int(counts.sum()) + len(fakes), 0, q)

    o = {li: p.order[li] for li in range(6)}
    # Brussel
    files[F["brussel"] + "|Dossiers - Dossiers"] = traj_sheet(BR, o[BR], p.extras[BR])
    files[F["brussel"] + "|Contacten - Contacts"] = contact_sheet(o[BR], p.ncon[o[BR]], p.fake.get((BR, "contacts"), []))
    # Genk
    files[F["genk_k"] + "|"] = traj_sheet(GK, o[GK], p.extras[GK])
    files[F["genk_c"] + "|"] = contact_sheet(o[GK], p.ncon[o[GK]], p.fake.get((GK, "contacts"), []))
    # Mechelen: one sheet per (registered) year
    yrs = p.reg_year[o[ME]]
    ex_y = defaultdict(list)
    for e in p.extras[ME]:
        ex_y[int(p.reg_year[e[1]])].append(e)
    for y in mechelen_years(p):
        files[f"{F['mechelen']}|{y}"] = traj_sheet(ME, o[ME][yrs == y], ex_y[y])
    # Gent: rows are contacts
    ts = o[GE]
    q: Counter[str] = Counter()
    for k, c in zip(p.defect[ts].tolist(), p.ncon[ts].tolist(), strict=True):
        if k:
            q[RULE[k]] += c
    nd = sum(1 for e in p.extras[GE] if e[0] == X_DUP)
    nm = sum(1 for e in p.extras[GE] if e[0] == X_GMISSING)
    nb = sum(1 for e in p.extras[GE] if e[0] == X_GBAD)
    q["missing_id"] += nm
    q["bad_date"] += nb
    files[F["gent"] + "|"] = _entry(int(p.ncon[ts].sum()) + nd + nm + nb, nd, q)
    # West-Vlaanderen
    wv = F["west_vlaanderen"]
    files[wv + "|Cliënten"] = _entry(sum(t is not None for t in west_vlaanderen_clients(p)[0]), 0, Counter())
    files[wv + "|Trajecten"] = traj_sheet(WV, o[WV], p.extras[WV])
    files[wv + "|Contacten"] = contact_sheet(o[WV], p.ncon[o[WV]], p.fake.get((WV, "contacts"), []))
    files[wv + "|Doorverwijzingen"] = contact_sheet(o[WV], p.nref[o[WV]], p.fake.get((WV, "referrals"), []))
    # Leuven
    files[F["leuven"] + "|Dossiers"] = traj_sheet(LV, o[LV], p.extras[LV])
    # survey
    linked_latest = {}
    unl = dup = 0
    for r in p.survey:
        t = r[3]
        if t < 0 or not loaded[t]:
            unl += 1
        else:
            if t in linked_latest:
                dup += 1
            linked_latest[t] = r
    files[F["survey"] + "|Form1"] = _entry(len(p.survey), dup, Counter({"unlinked": unl} if unl else {}))
    files[F["costs"] + "|Kosten"] = _entry(len(p.cost_rows), 0, Counter())
    # trajectories loaded per Leerwinkel
    tl = {LEERWINKELS[li]: int(loaded[o[li]].sum()) for li in range(6)}
    tl["all"] = sum(tl.values())
    unmapped = {}
    for li, (col, lab) in UNMAPPED.items():
        c = int(p.flag_unmapped[o[li]].sum())
        if c:
            unmapped[f"{LEERWINKELS[li]}|{col}|{lab}"] = c
    inv = {}
    for li, key in ((BR, F["brussel"] + "|Dossiers - Dossiers"), (GK, F["genk_k"] + "|"),
                    (LV, F["leuven"] + "|Dossiers")):
        c = int(p.flag_invalid_nn[o[li]].sum())
        if c:
            inv[key] = c
    return {
        "files": files,
        "trajectories_loaded": tl,
        "unmapped": unmapped,
        "invalid_national_numbers": inv,
        "missing_cost_rows": ([f"{LEERWINKELS[p.cost_missing[0]]}|{p.cost_missing[1]}"]
                              if p.cost_missing else []),
    }
