"""The plan: every trajectory, person, contact, referral, survey answer and cost row, drawn once
with numpy (seeded) before any file is written; the writers of a process read the current plan."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import numpy as np

from leerwinkels_demo.code_tables import (
    CTYPE_W,
    DEST,
    DEST_W,
    DUTCH_W,
    EDU_W,
    INFLOW,
    INFLOW_W,
    LAB_W,
    MINUTES_INTAKE,
    MINUTES_OTHER,
    POSTCODES,
    QUESTION_W,
)
from leerwinkels_demo.defects import (
    AGE_HIGH,
    AGE_LOW,
    DATE_ORDER,
    FUTURE,
    MIN_ROWS_FOR_DEFECTS,
    MISSING_ID,
    OK,
    plan_defects,
    plan_orphans,
)
from leerwinkels_demo.people import FIRST_NAMES, LAST_NAMES, N_FIRST_F, Persons
from leerwinkels_demo.sources import BR, GE, GK, LV, ME, NN_LWS, SHARES, WV


# --------------------------------------------------------------------------------------
# the plan
# --------------------------------------------------------------------------------------
class Plan:
    """What the writers write, drawn once (seeded) before any file is written. Per trajectory
    (global index t, grouped by Leerwinkel) the arrays hold codes and day ordinals."""

    seed: int
    defects: bool
    as_of: date
    export: date  # delivery date of the exports
    start_year: int
    counts: list[int]  # trajectories per Leerwinkel
    lw: np.ndarray  # Leerwinkel index per trajectory
    lw_start: np.ndarray  # first trajectory of each Leerwinkel (and the total last)
    intake: np.ndarray
    closed: np.ndarray  # -1 = open
    status: np.ndarray
    edu: np.ndarray
    dutch: np.ndarray
    labour: np.ndarray
    question: np.ndarray
    inflow: np.ndarray
    postcode: np.ndarray
    persons: Persons
    person: np.ndarray  # person per trajectory
    ncon: np.ndarray  # contacts per trajectory
    nref: np.ndarray  # referrals per trajectory
    dest: np.ndarray
    ref_date: np.ndarray
    ref_row: np.ndarray
    reg_intake: np.ndarray  # the intake as registered (before a future_date typo)
    reg_year: np.ndarray
    defect: np.ndarray
    flag_invalid_nn: np.ndarray
    flag_unmapped: np.ndarray
    extras: dict[int, list]  # (kind, src global index, after global index)
    loaded: np.ndarray
    c_start: np.ndarray
    c_date: np.ndarray
    c_type: np.ndarray
    c_min: np.ndarray
    order: dict[int, np.ndarray]  # row order per Leerwinkel
    tid: list[str | None]  # trajectory id as written
    fake: dict
    survey: list[list]
    cost_rows: list
    cost_missing: tuple[int, int] | None
    note: np.ndarray
    wv_clients: tuple[list[int | None], dict[int, int]] | None = None  # None: a client not in (an earlier) delivery


def _split(total: int) -> list[int]:
    raw = [total * s for s in SHARES]
    n = [int(x) for x in raw]
    rest = total - sum(n)
    for i in sorted(range(6), key=lambda i: (-(raw[i] - n[i]), i))[:rest]:
        n[i] += 1
    return n


def _years(ordinals: np.ndarray) -> np.ndarray:
    d = (np.asarray(ordinals, dtype=np.int64) - date(1970, 1, 1).toordinal()).astype("datetime64[D]")
    return d.astype("datetime64[Y]").astype(np.int64) + 1970


def _choice(rng: np.random.Generator, weights, size: int, allowed=None) -> np.ndarray:
    w = np.asarray(weights, dtype=float).copy()
    if allowed is not None:
        w = w * np.asarray(allowed, dtype=float)
    return rng.choice(len(w), size=size, p=w / w.sum()).astype(np.int8)


def build_plan(trajectories: int, seed: int, defects: bool, as_of: date) -> Plan:
    rng = np.random.default_rng([seed, 20261126])
    p = Plan()
    p.seed, p.defects, p.as_of = seed, defects, as_of
    p.export = as_of - timedelta(days=6)  # delivery date of the exports
    exp_o = p.export.toordinal()
    p.start_year = as_of.year - 5
    start_o = date(p.start_year, 1, 1).toordinal()
    if exp_o <= start_o:
        raise ValueError("as_of too early")

    counts = _split(trajectories)
    p.counts = counts
    n = trajectories
    lw = np.repeat(np.arange(6, dtype=np.int8), counts)
    p.lw = lw
    p.lw_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    # ---- trajectories -----------------------------------------------------------------
    intake = rng.integers(start_o, exp_o + 1, size=n).astype(np.int64)
    recent = intake > exp_o - 120
    u = rng.random(n)
    is_open = np.where(recent, u < 0.70, u < 0.30)
    status = np.where(is_open, 0, np.where(rng.random(n) < 0.72, 1, 2)).astype(np.int8)
    status[(lw == ME) & (status == 2)] = 1  # Mechelen: a closing date = completed
    dur = rng.integers(14, 300, size=n)
    closed = intake + dur
    late = closed > exp_o
    closed[late] = intake[late] + np.floor(rng.random(late.sum()) * (exp_o - intake[late] + 1)).astype(np.int64)
    closed[status == 0] = -1
    p.intake, p.closed, p.status = intake, closed, status

    p.edu = _choice(rng, EDU_W, n)
    p.dutch = _choice(rng, DUTCH_W, n)
    p.labour = _choice(rng, LAB_W, n)
    p.question = _choice(rng, QUESTION_W, n)
    p.inflow = np.zeros(n, dtype=np.int8)
    for li in range(6):
        a, b = p.lw_start[li], p.lw_start[li + 1]
        allowed = [lab is not None for lab in INFLOW[li]]
        p.inflow[a:b] = _choice(rng, INFLOW_W, b - a, allowed)
    p.postcode = np.zeros(n, dtype=np.int16)
    for li in range(6):
        a, b = p.lw_start[li], p.lw_start[li + 1]
        p.postcode[a:b] = rng.integers(0, len(POSTCODES[li]), size=b - a)

    # ---- persons (one per trajectory to start with) --------------------------------------
    is_f = rng.random(n) < 0.55
    first = np.where(is_f, rng.integers(0, N_FIRST_F, n),
                     rng.integers(N_FIRST_F, len(FIRST_NAMES), n)).astype(np.int16)
    gender = np.where(is_f, 0, 1).astype(np.int8)
    gender[rng.random(n) < 0.03] = 2
    last = rng.integers(0, len(LAST_NAMES), n).astype(np.int16)
    age = np.clip(np.round(rng.gamma(4.0, 4.2, n) + 18), 18, 74).astype(np.int64)
    birth = intake - np.round(age * 365.2425).astype(np.int64) - rng.integers(0, 365, n)
    p.persons = Persons(rng, first, last, gender, birth, has_nn=rng.random(n) >= 0.10)
    person = np.arange(n, dtype=np.int64)

    # ---- the same person again ---------------------------------------------------------
    def reuse(cands: np.ndarray, pool: np.ndarray, cond) -> int:
        if len(cands) == 0 or len(pool) == 0:
            return 0
        src = pool[rng.integers(0, len(pool), len(cands))]
        ok = cond(cands, src) & (src != cands)
        pp = person[src]
        yrs = (intake[cands] - p.persons.birth[pp]) / 365.2425
        ok &= (yrs >= 17.5) & (yrs <= 90)
        person[cands[ok]] = pp[ok]
        return int(ok.sum())

    lw_idx = [np.arange(p.lw_start[i], p.lw_start[i + 1]) for i in range(6)]
    year = _years(intake)
    # same Leerwinkel, later trajectory (Brussel, Genk, Gent, Leuven: ~3%)
    for li in (BR, GK, GE, LV):
        idx = lw_idx[li]
        c = idx[rng.random(len(idx)) < 0.03]
        reuse(c, idx, lambda c, s: intake[s] < intake[c])
    # West-Vlaanderen: clients with several trajectories (~12%)
    idx = lw_idx[WV]
    reuse(idx[rng.random(len(idx)) < 0.12], idx, lambda c, s: intake[s] < intake[c])
    # Mechelen: the same person (name + birth year) back in a later year (~6%)
    idx = lw_idx[ME]
    reuse(idx[rng.random(len(idx)) < 0.06], idx, lambda c, s: year[s] < year[c])
    # clients at two Leerwinkels with the same valid national number (~3%)
    nn_idx = np.concatenate([lw_idx[i] for i in NN_LWS])
    c = nn_idx[rng.random(len(nn_idx)) < 0.03]
    reuse(c, nn_idx, lambda c, s: (lw[s] != lw[c]) & (p.persons.nn_kind[person[s]] == 1))
    p.person = person

    # ---- contacts ----------------------------------------------------------------------
    end = np.where(status == 0, np.minimum(exp_o, intake + 365), closed)
    span = np.maximum(end - intake, 0)
    ncon = np.minimum(rng.integers(3, 7, size=n), span + 1).astype(np.int64)
    p.ncon = ncon
    _plan_refs(p, rng, n)

    # ---- defects -----------------------------------------------------------------------
    p.reg_intake = intake.copy()  # the intake as registered (before a future_date typo)
    p.reg_year = _years(intake)  # year in the trajectory id / Mechelen sheet
    p.defect = np.zeros(n, dtype=np.int8)
    p.flag_invalid_nn = np.zeros(n, dtype=bool)
    p.flag_unmapped = np.zeros(n, dtype=bool)
    p.extras = {li: [] for li in range(6)}  # (kind, src global index, after global index)
    if defects:
        plan_defects(p, rng, lw_idx)

    # contacts of a trajectory without id are not written; Gent trajectory-level defects
    # keep exactly one contact row
    ncon[p.defect == MISSING_ID] = 0
    gent_single = (lw == GE) & np.isin(p.defect, (DATE_ORDER, FUTURE, AGE_LOW, AGE_HIGH))
    ncon[gent_single] = 1
    p.nref[(p.defect == MISSING_ID)] = 0
    p.nref[gent_single] = 0
    _plan_contacts(p, rng, n)

    p.loaded = p.defect == OK
    _plan_ids(p, rng, lw_idx)
    plan_orphans(p, rng, lw_idx)
    _plan_survey(p, rng, lw_idx)
    _plan_costs(p, rng)
    _plan_notes(p, rng)
    return p


def _plan_refs(p: Plan, rng, n: int) -> None:
    """Up to three referral destinations per trajectory (distinct codes)."""
    maxr = np.select([p.lw == BR, np.isin(p.lw, (GK, ME))], [3, 1], 2)
    u = rng.random(n)
    nref = np.where(u < 0.50, 0, np.where(u < 0.88, 1, np.where(u < 0.97, 2, 3)))
    nref = np.minimum(nref, maxr)
    dest = np.full((n, 3), -1, dtype=np.int8)
    for li in range(6):
        a, b = p.lw_start[li], p.lw_start[li + 1]
        if a == b:
            continue
        w = np.asarray(DEST_W) * np.asarray([lab is not None for lab in DEST[li]], dtype=float)
        # three distinct draws by Gumbel-top-k
        g = np.log(w + 1e-300)[None, :] - np.log(-np.log(rng.random((b - a, len(w)))))
        top = np.argsort(-g, axis=1)[:, :3]
        dest[a:b] = top
    p.nref = nref.astype(np.int64)
    p.dest = dest


def _plan_contacts(p: Plan, rng, n: int) -> None:
    exp_o = p.export.toordinal()
    ncon = p.ncon
    end = np.where(p.closed >= 0, np.maximum(p.closed, p.intake), np.minimum(exp_o, p.intake + 365))
    # FUTURE trajectories: contacts as they really happened (the intake year was mistyped);
    # in Gent the single contact is the (future) intake itself
    fut = p.defect == FUTURE
    end[fut] = np.minimum(exp_o, p.reg_intake[fut] + 365)
    base = np.where(fut & (p.lw != GE), p.reg_intake, p.intake)
    # for date_order trajectories the contacts run from intake onwards
    end = np.where(p.defect == DATE_ORDER, np.minimum(exp_o, p.intake + 200), end)
    span = np.maximum(end - base, 0)
    ncon[:] = np.minimum(ncon, span + 1)
    m = 5
    U = rng.random((n, m))
    U[np.arange(m)[None, :] >= (ncon - 1)[:, None]] = 2.0
    U.sort(axis=1)
    room = np.maximum(span - (ncon - 1) + 1, 1)
    offs = np.floor(U * room[:, None]).astype(np.int64) + np.arange(m)[None, :] + 1
    total = int(ncon.sum())
    starts = np.concatenate([[0], np.cumsum(ncon)[:-1]]).astype(np.int64) if n else np.zeros(0, np.int64)
    p.c_start = starts
    cdate = np.empty(total, dtype=np.int64)
    ctype = np.empty(total, dtype=np.int8)
    cmin = np.empty(total, dtype=np.int16)
    rows = np.repeat(np.arange(n), ncon)
    j = np.arange(total) - np.repeat(starts, ncon)
    first = j == 0
    cdate[first] = base[rows[first]]
    nf = ~first
    cdate[nf] = base[rows[nf]] + offs[rows[nf], j[nf] - 1]
    ctype[first] = 0
    ctype[nf] = _choice(rng, CTYPE_W, int(nf.sum())) + 1
    cmin[first] = np.asarray(MINUTES_INTAKE)[rng.integers(0, len(MINUTES_INTAKE), int(first.sum()))]
    cmin[nf] = np.asarray(MINUTES_OTHER)[rng.integers(0, len(MINUTES_OTHER), int(nf.sum()))]
    _follow_up_open_dossiers(p, cdate, starts, ncon)
    p.c_date, p.c_type, p.c_min = cdate, ctype, cmin
    # referral dates (West-Vlaanderen) and contact rows carrying them (Gent)
    p.nref = np.where(p.lw == GE, np.minimum(p.nref, ncon), p.nref)
    p.ref_date = base[:, None] + np.floor(rng.random((n, 3)) * (span[:, None] + 1)).astype(np.int64)
    # Gent: distinct contact rows for the referrals
    R = rng.random((n, m + 1))
    R[np.arange(m + 1)[None, :] >= ncon[:, None]] = 2.0
    p.ref_row = np.argsort(R, axis=1)[:, :3]


# Issue 20 (data-quality scorecard): the share of older open dossiers that are still followed,
# per Leerwinkel (BR, GK, ME, GE, WV, LV). The rest are left idle: forgotten dossiers, more at
# some Leerwinkels than at others, so that the scorecard shows green, orange and red. Mechelen
# logs no contacts (a count only), so its open dossiers show no activity after the intake.
FOLLOWED_SHARE = (0.99, 0.85, 0.0, 0.95, 0.6, 0.9)
FOLLOWED_DAYS = 150  # a followed dossier's last contact lies in the days before the export


def _follow_up_open_dossiers(p: Plan, cdate: np.ndarray, starts: np.ndarray, ncon: np.ndarray) -> None:
    """Move the last contact of a followed open dossier into the last FOLLOWED_DAYS before the
    export (never earlier than it was: the contacts stay in date order). Its own seeded
    generator, so that every other draw of the plan stays as it was."""
    rng = np.random.default_rng([p.seed, 20, 2026])
    exp_o = p.export.toordinal()
    draw = rng.random(len(p.lw))
    recent = exp_o - rng.integers(0, FOLLOWED_DAYS, size=len(p.lw))
    followed = (p.closed < 0) & (p.defect == OK) & (ncon >= 2) & (draw < np.asarray(FOLLOWED_SHARE)[p.lw])
    last = starts[followed] + ncon[followed] - 1
    cdate[last] = np.maximum(cdate[last], recent[followed])


def _plan_ids(p: Plan, rng, lw_idx) -> None:
    """Ids and the writing order per Leerwinkel."""
    p.tid = [None] * len(p.lw)
    p.order = {}
    for li in range(6):
        idx = lw_idx[li]
        order = rng.permutation(idx)  # registration order
        if li == ME:
            order = order[np.argsort(p.reg_year[order], kind="stable")]
        p.order[li] = order
        per_year: dict[int, int] = defaultdict(int)
        ry = p.reg_year
        for seq, t in enumerate(order.tolist(), 1):
            y = int(ry[t])
            if li == BR:
                s = f"BXL-{y}-{seq:04d}"
            elif li == GK:
                s = f"G-{4000 + seq:06d}"
            elif li == ME:
                per_year[y] += int(rng.integers(1, 4))
                s = f"{y}-{per_year[y]:03d}"
            elif li == GE:
                s = f"DS-{10000 + seq:05d}"
            elif li == WV:
                s = f"T{y}-{seq:04d}"
            else:
                s = f"LV/{y}/{seq:03d}"
            p.tid[t] = None if p.defect[t] == MISSING_ID else s
    # extras: where they go (after a later row of the same sheet)
    pos = {}
    for li in range(6):
        for k, t in enumerate(p.order[li].tolist()):
            pos[t] = k
    for li in range(6):
        order = p.order[li].tolist()
        for ex in p.extras[li]:
            s = ex[1]
            k = pos[s]
            if li == ME:
                y = p.reg_year[s]
                same = [j for j in range(k, min(len(order), k + 60)) if p.reg_year[order[j]] == y]
                ex[2] = order[same[int(rng.integers(0, len(same)))]]
            else:
                ex[2] = order[min(len(order) - 1, k + int(rng.integers(0, 60)))]


# Days between closing and response (issue 16: the evidence tables' outcome window, 90-365 days
# by default): a quarter too early, most inside, some after it, so that every case is present.
RESPONSE_LAGS = ((7, 90, 0.25), (90, 366, 0.55), (366, 600, 0.20))  # [low, high) days, share


def _response_lags(seed: int, size: int) -> np.ndarray:
    """Response lags drawn from their own stream (the plan's other draws do not move)."""
    own = np.random.default_rng([seed, 16])
    kind = own.choice(len(RESPONSE_LAGS), size=size, p=[w for _, _, w in RESPONSE_LAGS])
    low = np.array([lo for lo, _, _ in RESPONSE_LAGS])[kind]
    high = np.array([hi for _, hi, _ in RESPONSE_LAGS])[kind]
    return (low + np.floor(own.random(size) * (high - low))).astype(np.int64)


def _plan_survey(p: Plan, rng, lw_idx) -> None:
    """Responses, in time order: [day ordinal, minute of day, leerwinkel, target trajectory
    or -1, person(, dossiernummer when the target is -1)]."""
    exp_o = p.export.toordinal()
    n = len(p.lw)
    has_close = (p.closed >= 0) & (p.defect != MISSING_ID) & (p.closed + 7 <= exp_o)
    cand = np.nonzero(has_close)[0]
    pick = cand[rng.random(len(cand)) < 0.40]
    resp = []  # [ordinal, minutes-of-day, lw, target, person]
    lag = rng.integers(7, 150, len(pick))  # drawn as before: the draws after it stay the same
    lag = _response_lags(p.seed, len(pick))
    for t, lg in zip(pick.tolist(), lag.tolist(), strict=True):
        o = min(int(p.closed[t]) + lg, exp_o)
        resp.append([o, int(rng.integers(7 * 60, 23 * 60)), int(p.lw[t]), t, int(p.person[t])])
    # some people answer twice (only for trajectories that are loaded)
    twice = [r for r in resp if p.loaded[r[3]] and rng.random() < 0.04]
    for r in twice:
        o = r[0] + int(rng.integers(1, 90))
        if o <= exp_o:
            resp.append([o, int(rng.integers(7 * 60, 23 * 60)), r[2], r[3], r[4]])
    # answers that link to nothing (~1%, at least 1)
    if p.defects and n >= MIN_ROWS_FOR_DEFECTS:
        k = max(1, int(round(0.01 * max(len(resp), 1))))
        y0 = p.start_year - 2
        for j in range(k):
            t = int(rng.integers(0, n))
            li = int(p.lw[t])
            o = int(rng.integers(date(p.start_year, 3, 1).toordinal(), exp_o + 1))
            if j % 3 == 2 and p.tid[t] is not None:
                # a real id under the wrong Leerwinkel
                other = (li + 1 + int(rng.integers(0, 5))) % 6
                resp.append([o, int(rng.integers(7 * 60, 23 * 60)), other, -1, int(p.person[t]), p.tid[t]])
                continue
            num = int(rng.integers(1, 4000))
            fid = {BR: f"BXL-{y0}-{num:04d}", GK: f"G-{num:06d}", ME: f"{y0}-{num:03d}",
                   GE: f"DS-0{num:04d}", WV: f"T{y0}-{num:04d}", LV: f"LV/{y0}/{num:03d}"}[li]
            resp.append([o, int(rng.integers(7 * 60, 23 * 60)), li, -1, int(p.person[t]), fid])
    resp.sort(key=lambda r: (r[0], r[1]))
    p.survey = resp


def _plan_costs(p: Plan, rng) -> None:
    years = list(range(p.start_year, p.as_of.year + 1))
    rows = []
    for li in range(6):
        for y in years:
            rows.append((li, y))
    p.cost_missing = None
    if p.defects and rows:
        k = int(rng.integers(0, len(rows)))
        p.cost_missing = rows.pop(k)
    p.cost_rows = rows


def _plan_notes(p: Plan, rng) -> None:
    # Mechelen Opmerkingen / Leuven Notities: 0 none, 1 phone, 2 first name, 3 e-mail
    p.note = rng.choice(4, size=len(p.lw), p=(0.55, 0.15, 0.20, 0.10)).astype(np.int8)


def mechelen_years(p: Plan) -> list[int]:
    """One sheet per registration year (a workbook needs at least one sheet)."""
    ys = sorted(set(p.reg_year[p.order[ME]].tolist()))
    return [int(y) for y in ys] or [p.as_of.year]


def west_vlaanderen_clients(p: Plan):
    """West-Vlaanderen clients: one per distinct person, in order of first trajectory."""
    if p.wv_clients is not None:
        return p.wv_clients
    client_of_person: dict[int, int] = {}
    clients: list[int | None] = []  # first trajectory of each client
    tclient: dict[int, int] = {}
    for t in p.order[WV].tolist():
        pe = int(p.person[t])
        c = client_of_person.get(pe)
        if c is None:
            c = client_of_person[pe] = len(clients)
            clients.append(t)
        tclient[t] = c
    p.wv_clients = (clients, tclient)
    return p.wv_clients


# --------------------------------------------------------------------------------------
# writers (run in the parent or in worker processes; each returns rows written + personal
# values written)
# --------------------------------------------------------------------------------------
_CURRENT: list[Plan] = []  # the plan of this process, set before forking workers


def current_plan() -> Plan:
    """The plan the writers of this process work from (set before forking workers)."""
    if not _CURRENT:
        raise RuntimeError("no plan drawn: writers run from generate_landing only")
    return _CURRENT[0]


def use_plan(plan: Plan | None) -> None:
    """Make ``plan`` the current plan of this process (None: forget it)."""
    _CURRENT[:] = [plan] if plan is not None else []
