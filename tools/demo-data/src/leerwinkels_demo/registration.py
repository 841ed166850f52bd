"""When each event of the plan was *registered*, and the earlier delivery that follows from it
(issue 20: late registrations).

The plan holds what happened (intakes, contacts, closings); a Leerwinkel registers it some days
later. Most registrations follow within days (0 to ``NORMAL_MAX_DAYS``); a share per Leerwinkel
(``LATE_SHARE``) is registered ``LATE_DAYS`` (40 to 200 days) late. An *earlier delivery* at day
D1 holds only what was registered by D1: the trajectories whose intake was registered, their
contacts registered by then, and a closing only once registered (until then the trajectory is
open). The final delivery (the generator's default output) holds everything; a row it holds that
the earlier one did not is judged by the pipeline, and counted late when dated more than
``late_days`` before the final delivery.

The lags are drawn from a stream of their own (seeded), after the plan and independent of D1,
so the default output does not move and every D1 sees the same registrations.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np

from leerwinkels_demo.defects import OK
from leerwinkels_demo.plan import Plan, west_vlaanderen_clients
from leerwinkels_demo.sources import GE, WV

NORMAL_MAX_DAYS = 10  # an ordinary registration: 0-10 days after the event
LATE_DAYS = (40, 200)  # a late one: 40-200 days after it (both ends included)
# Per Leerwinkel (BR, GK, ME, GE, WV, LV): the share of contacts and closings registered late.
# Small shares, different per Leerwinkel: the rows new in a delivery two weeks later are few
# (what happened in those days) beside the backlog that a late share brings in, so the scorecard
# shows green, orange and red.
LATE_SHARE = (0.002, 0.04, 0.02, 0.004, 0.10, 0.03)


def registration_lags(rng: np.random.Generator, late_share: np.ndarray) -> np.ndarray:
    """Days between an event and its registration, one per event: 0-NORMAL_MAX_DAYS, or with
    probability ``late_share`` (per event) LATE_DAYS. Draws the same three arrays whatever the shares."""
    size = len(late_share)
    late = rng.random(size) < late_share
    normal = rng.integers(0, NORMAL_MAX_DAYS + 1, size)
    slow = rng.integers(LATE_DAYS[0], LATE_DAYS[1] + 1, size)
    return np.where(late, slow, normal).astype(np.int64)


def registered_by(event_day: np.ndarray, lag: np.ndarray, day: int) -> np.ndarray:
    """Whether each event (day ordinal) was registered on or before ``day`` (an ordinal)."""
    return np.asarray(event_day, dtype=np.int64) + lag <= day


class Registrations:
    """The registration lags of a plan: of each trajectory's intake (always an ordinary lag), of
    each contact and of each closing (late with the Leerwinkel's share)."""

    def __init__(self, p: Plan):
        rng = np.random.default_rng([p.seed, 20, 4])
        n = len(p.lw)
        share = np.asarray(LATE_SHARE)[p.lw] if n else np.zeros(0)
        self.intake = registration_lags(rng, np.zeros(n))
        self.contact = registration_lags(rng, np.repeat(share, p.ncon))
        self.closing = registration_lags(rng, share)


def earlier_day(p: Plan, days_before: int) -> date:
    """The day of the earlier delivery: ``days_before`` the as-of date, before the final export."""
    d1 = p.as_of - timedelta(days=days_before)
    if d1 >= p.export:
        first = (p.as_of - p.export).days + 1
        raise ValueError(f"an earlier delivery must lie before the final export of {p.export}: "
                         f"at least {first} days before the as-of date")
    return d1


def contacts_kept(p: Plan, reg: Registrations, included: np.ndarray, d1: int) -> np.ndarray:
    """Per contact of the plan: in the earlier delivery. A trajectory's first contact (its intake)
    comes with the trajectory; the others once registered."""
    total = int(p.ncon.sum())
    rows = np.repeat(np.arange(len(p.lw)), p.ncon)
    j = np.arange(total) - np.repeat(p.c_start, p.ncon)
    return included[rows] & ((j == 0) | registered_by(p.c_date, reg.contact, d1))


def closings_kept(p: Plan, reg: Registrations, d1: int) -> np.ndarray:
    """Per trajectory: its closing is in the earlier delivery (registered by then). A quarantined
    trajectory keeps its (faulty) closing, so that it breaks the same rule in both deliveries."""
    has = p.closed >= 0
    return has & (registered_by(p.closed, reg.closing, d1) | (p.defect != OK))


def _compact(valid: np.ndarray, *columns: np.ndarray) -> list[np.ndarray]:
    """Per row, the columns' valid entries moved to the front (in their order)."""
    order = np.argsort(~valid, axis=1, kind="stable")
    return [np.take_along_axis(c, order, axis=1) for c in columns]


def earlier_plan(p: Plan, days_before: int) -> Plan:
    """The plan of the earlier delivery: what was registered by ``days_before`` the as-of date,
    exported that day. Trajectory ids, people and codes are the final plan's."""
    d1 = earlier_day(p, days_before)
    d1o = d1.toordinal()
    reg = Registrations(p)
    n = len(p.lw)
    included = registered_by(p.reg_intake, reg.intake, d1o)
    q = copy.copy(p)
    q.export = d1
    q.order = {li: o[included[o]] for li, o in p.order.items()}
    # contacts
    kept = contacts_kept(p, reg, included, d1o)
    rows = np.repeat(np.arange(n), p.ncon)
    q.ncon = np.bincount(rows[kept], minlength=n).astype(np.int64)
    q.c_start = np.concatenate([[0], np.cumsum(q.ncon)[:-1]]).astype(np.int64) if n else np.zeros(0, np.int64)
    q.c_date, q.c_type, q.c_min = p.c_date[kept], p.c_type[kept], p.c_min[kept]
    # closings: an unregistered one leaves the trajectory open
    closing = closings_kept(p, reg, d1o)
    q.closed = np.where(closing, p.closed, -1)
    q.status = np.where(closing | (p.closed < 0), p.status, 0).astype(p.status.dtype)
    # referrals: West-Vlaanderen's by their date; Gent's on a contact row that is kept
    k = np.arange(3)[None, :]
    valid = k < p.nref[:, None]
    wv = p.lw == WV
    valid[wv] &= p.ref_date[wv] <= d1o
    ge = np.nonzero((p.lw == GE) & (p.ncon > 0))[0]
    ref_row = p.ref_row.copy()
    if len(ge):
        before = np.concatenate([[0], np.cumsum(kept)])  # contacts kept before each contact of the plan
        at = p.c_start[ge, None] + np.minimum(p.ref_row[ge], p.ncon[ge, None] - 1)
        on_kept_row = valid[ge] & kept[at]
        valid[ge] = on_kept_row
        ref_row[ge] = np.where(on_kept_row, before[at] - before[p.c_start[ge]][:, None], ref_row[ge])
    q.dest, q.ref_date, q.ref_row = _compact(valid, p.dest, p.ref_date, ref_row)
    q.nref = valid.sum(axis=1).astype(np.int64)
    # planted extra rows, orphans and survey answers of what the earlier delivery holds
    q.extras = {li: [ex for ex in exs if included[ex[1]] and included[ex[2]]] for li, exs in p.extras.items()}
    q.fake = {key: [f for f in fakes if included[f[0]] and f[2] <= d1o] for key, fakes in p.fake.items()}
    q.survey = [r for r in p.survey if r[0] <= d1o and (r[3] < 0 or included[r[3]])]
    # West-Vlaanderen keeps its client numbers: a client appears once a trajectory of it is registered
    clients, tclient = west_vlaanderen_clients(p)
    first_kept: dict[int, int] = {}
    for t in q.order[WV].tolist():
        first_kept.setdefault(tclient[t], t)
    q.wv_clients = ([first_kept.get(c) for c in range(len(clients))], tclient)
    q.loaded = p.loaded
    return q


def date_files(dest: Path, names: Iterable[str], day: date) -> None:
    """Give the files ``names`` under ``dest`` the modification time ``day`` at noon (UTC): the
    delivery date the pipeline reads from them."""
    stamp = datetime.combine(day, time(12), tzinfo=UTC).timestamp()
    for name in names:
        os.utime(Path(dest) / name, (stamp, stamp))
