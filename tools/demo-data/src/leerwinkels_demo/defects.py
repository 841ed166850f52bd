"""The planted faults (MODEL.md's quarantine rules), shared by every writer: their kinds, rates and
unreadable values, where the plan puts them, and the extra rows a writer appends after a later row."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from leerwinkels_demo.code_tables import UNMAPPED
from leerwinkels_demo.dates import Cell, age_at, as_date
from leerwinkels_demo.sources import BR, GE, GK, LV, WV

if TYPE_CHECKING:  # the plan module draws the defects (plan -> defects)
    from leerwinkels_demo.plan import Plan

# unreadable date values (bad_date)
BAD_DATE_TEXT = ("dinsdag", "onbekend", "31/02/2023", "??", "2023-13-45", "zie map")
BAD_DATE_CSV = ("dinsdag", "onbekend", "31/02/2023", "2023-13-45", "30/02/2024")
BAD_DATE_GENT = ("2024-13-45T10:00:00", "onbekend", "", "2023-02-30T09:00:00")

# defect kinds on trajectories (at most one per trajectory)
OK, MISSING_ID, BAD_INTAKE, BAD_CLOSING, DATE_ORDER, FUTURE, AGE_LOW, AGE_HIGH = range(8)
RULE = {MISSING_ID: "missing_id", BAD_INTAKE: "bad_date", BAD_CLOSING: "bad_date",
        DATE_ORDER: "date_order", FUTURE: "future_date", AGE_LOW: "age_out_of_range",
        AGE_HIGH: "age_out_of_range"}
RULE_ORDER = ("missing_id", "bad_date", "date_order", "future_date", "age_out_of_range",
              "duplicate_id", "orphan", "unlinked")
# extra rows (Gent) / flags
X_DUP, X_DUPID, X_GMISSING, X_GBAD = "dup", "dupid", "gent_missing_id", "gent_bad_date"

DEFECT_RATE = 0.0075  # per kind and Leerwinkel
MIN_ROWS_FOR_DEFECTS = 20  # a Leerwinkel with fewer trajectories gets no defects


def plan_defects(p: Plan, rng, lw_idx) -> None:
    persons = p.persons
    for li in range(6):
        idx = lw_idx[li]
        if len(idx) < MIN_ROWS_FOR_DEFECTS:
            continue
        k = max(1, int(round(DEFECT_RATE * len(idx))))
        perm = rng.permutation(idx)
        pos = 0

        def take(m: int, perm: np.ndarray = perm) -> np.ndarray:
            nonlocal pos
            out = perm[pos:pos + m]
            pos += m
            return out

        # Gent: missing id / bad date are extra contact rows, not trajectories (see extras)
        kinds = [DATE_ORDER, FUTURE] if li == GE else [MISSING_ID, BAD_INTAKE, BAD_CLOSING, DATE_ORDER, FUTURE]
        for kind in kinds:
            p.defect[take(k)] = kind
        k_low = (k + 1) // 2
        for kind, m in ((AGE_LOW, k_low), (AGE_HIGH, k - k_low)):
            p.defect[take(m)] = kind if m else 0
        if li in (BR, GK, LV):
            p.flag_invalid_nn[take(k)] = True
        if li in UNMAPPED:
            p.flag_unmapped[take(k)] = True
        srcs = take(2 * k if li != GE else 3 * k)
        xkinds = [X_DUP] * k + ([X_DUPID] * k if li != GE else [X_GMISSING] * k + [X_GBAD] * k)
        for xkind, src in zip(xkinds, srcs.tolist(), strict=True):
            p.extras[li].append([xkind, src, None])

    # apply the trajectory-level defects
    persons.freeze()
    exp_o = p.export.toordinal()
    for t in np.nonzero(p.defect)[0].tolist():
        kind = p.defect[t]
        if kind in (BAD_CLOSING, DATE_ORDER) and p.status[t] == 0:
            p.status[t] = 1
        if kind == BAD_CLOSING:
            if p.closed[t] < 0:
                p.closed[t] = min(p.intake[t] + int(rng.integers(14, 200)), exp_o)
        elif kind == DATE_ORDER:
            p.closed[t] = p.intake[t] - int(rng.integers(1, 61))
        elif kind == FUTURE:
            d0 = as_date(int(p.intake[t]))
            try:
                d1 = d0.replace(year=d0.year + 10)
            except ValueError:  # 29 February
                d1 = d0.replace(year=d0.year + 10, day=28)
            p.intake[t] = d1.toordinal()
            p.status[t] = 0
            p.closed[t] = -1
        elif kind in (AGE_LOW, AGE_HIGH):
            old = p.person[t]
            a = int(rng.integers(10, 15)) if kind == AGE_LOW else int(rng.integers(102, 107))
            birth = int(p.intake[t]) - int(round((a + 0.5) * 365.2425))
            assert age_at(birth, int(p.intake[t])) == a
            gi = persons.gender[old]
            p.person[t] = persons.add(persons.first[old], persons.last[old], gi, birth,
                                      1 if persons.nn_kind[old] else 0)
    for t in np.nonzero(p.flag_invalid_nn)[0].tolist():
        old = p.person[t]
        p.person[t] = persons.add(persons.first[old], persons.last[old], persons.gender[old],
                                  int(persons.birth[old]), 2)


def plan_orphans(p: Plan, rng, lw_idx) -> None:
    """Contact/referral rows pointing at ids that never existed."""
    p.fake = {}
    if not p.defects:
        return
    exp_o = p.export.toordinal()
    y0 = p.start_year - 2
    for li, sheet in ((BR, "contacts"), (GK, "contacts"), (WV, "contacts"), (WV, "referrals")):
        idx = lw_idx[li]
        if len(idx) < MIN_ROWS_FOR_DEFECTS:
            continue
        nrows = int(p.ncon[idx].sum()) if sheet == "contacts" else int(p.nref[idx].sum())
        k = max(1, int(round(0.005 * nrows)))
        k = min(k, 3999)
        nums = (rng.permutation(3999)[:k] + 1).tolist()
        order = p.order[li].tolist()
        rows = []
        for num in nums:
            if li == BR:
                fid = f"BXL-{y0}-{num:04d}"
            elif li == GK:
                fid = f"G-{num:06d}"
            else:
                fid = f"T{y0}-{num:04d}"
            after = order[int(rng.integers(0, len(order)))]
            d = int(rng.integers(date(p.start_year, 1, 1).toordinal(), exp_o + 1))
            rows.append((after, fid, d))
        p.fake[(li, sheet)] = rows


def with_unreadable_dates(r: random.Random, defect: int, start: Cell, end: Cell,
                          unreadable: tuple[str, ...] = BAD_DATE_TEXT) -> tuple[Cell, Cell]:
    """The (start, end) dates a writer writes for a row with ``defect``: for bad_date an empty or
    unreadable start, or an unreadable end; unchanged otherwise."""
    if defect == BAD_INTAKE:
        start = None if r.random() < 0.5 else unreadable[r.randrange(len(unreadable))]
    elif defect == BAD_CLOSING:
        end = unreadable[r.randrange(len(unreadable))]
    return start, end


class ExtraRows:
    """Schedules the extra (duplicate) rows after the row of a later trajectory."""

    def __init__(self, extras):
        self.after: defaultdict[int | None, list] = defaultdict(list)
        self.src: dict[int, Any] = {}  # source row index -> that row as written (filled by the writer)
        for ex in extras:
            self.after[ex[2]].append(ex)
            self.src[ex[1]] = None

    def keep(self, t: int, row):
        if t in self.src:
            self.src[t] = row

    def due(self, t: int):
        return self.after.get(t, ())

    def rows_after(self, t: int, r: random.Random, question_of, question_column: int, questions) -> list[list]:
        """The planted rows due after row ``t``, as every writer writes them: a copy of an
        earlier row (rows_duplicate), or a copy with another learning question (duplicate_id)."""
        rows = []
        for kind, s, _ in self.due(t):
            row = list(self.src[s])
            if kind == X_DUPID:
                q = int(question_of[s])
                row[question_column] = questions[(q + 1 + r.randrange(5)) % 6]
            rows.append(row)
        return rows


def dossier_variant(r: random.Random, s: str) -> str:
    u = r.random()
    if u < 0.04:
        return " " + s
    if u < 0.08:
        return s + " "
    if u < 0.12:
        return s.lower()
    if u < 0.14:
        return " " + s.lower() + "  "
    return s
