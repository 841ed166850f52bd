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
so the default output does not move and every D1 sees the same registrations. The writers write
the earlier delivery from the final plan, with the same random draws (labels, stray spaces, empty
fields), and leave out or open what was not registered yet: a row reads the same in both
deliveries except for what the registrations change.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable
from dataclasses import dataclass
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
    """The day of the earlier delivery: ``days_before`` the as-of date, before the final export
    and not before the history's first day (an earlier day is no delivery, or no date at all)."""
    first_day = date(p.start_year, 1, 1)
    if days_before > (p.as_of - first_day).days:
        raise ValueError(f"an earlier delivery must lie within the demo's history, which starts on {first_day}: "
                         f"at most {(p.as_of - first_day).days} days before the as-of date")
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


def referrals_kept(p: Plan, included: np.ndarray, contact: np.ndarray, d1: int) -> np.ndarray:
    """Per trajectory and referral slot (n x 3): in the earlier delivery. West-Vlaanderen's by their
    date; Gent's with the contact row that carries them; the others' (a column of the trajectory) with it."""
    valid = (np.arange(3)[None, :] < p.nref[:, None]) & included[:, None]
    wv = p.lw == WV
    valid[wv] &= p.ref_date[wv] <= d1
    ge = np.nonzero((p.lw == GE) & (p.ncon > 0))[0]
    if len(ge):
        at = p.c_start[ge, None] + np.minimum(p.ref_row[ge], p.ncon[ge, None] - 1)
        valid[ge] &= contact[at]
    return valid


@dataclass(frozen=True)
class EarlierDelivery:
    """What the earlier delivery holds of the plan (the writers write the final plan's rows, with
    the same draws, and leave out or open what was not registered yet)."""

    day: date
    trajectory: np.ndarray  # per trajectory: registered (its rows are in the delivery)
    contact: np.ndarray  # per contact of the plan
    reopened: np.ndarray  # per trajectory: closed in the plan, its closing not registered yet (open here)
    referral: np.ndarray  # per trajectory and referral slot
    source_row: np.ndarray  # per trajectory: the row a planted copy copies is in it (Gent: its last contact row)

    def orphan(self, after: int, day: int) -> bool:
        """A planted contact or referral row for an id that never existed, after trajectory ``after``."""
        return bool(self.trajectory[after]) and day <= self.day.toordinal()

    def answer(self, response: list) -> bool:
        """A survey answer given by then, about a trajectory in the delivery (or about none)."""
        return response[0] <= self.day.toordinal() and (response[3] < 0 or bool(self.trajectory[response[3]]))

    def extra(self, extra) -> bool:
        """A planted extra row: the row it copies and the row it follows are both in the delivery."""
        return bool(self.trajectory[extra[1]] and self.source_row[extra[1]] and self.trajectory[extra[2]])


def earlier_delivery(p: Plan, days_before: int) -> EarlierDelivery:
    """What was registered ``days_before`` the as-of date."""
    d1 = earlier_day(p, days_before)
    d1o = d1.toordinal()
    reg = Registrations(p)
    included = registered_by(p.reg_intake, reg.intake, d1o)
    contact = contacts_kept(p, reg, included, d1o)
    source_row = np.ones(len(p.lw), dtype=bool)
    gent = (p.lw == GE) & (p.ncon > 0)
    source_row[gent] = contact[(p.c_start + p.ncon - 1)[gent]]
    return EarlierDelivery(d1, included, contact, (p.closed >= 0) & ~closings_kept(p, reg, d1o),
                           referrals_kept(p, included, contact, d1o), source_row)


def _compact(valid: np.ndarray, *columns: np.ndarray) -> list[np.ndarray]:
    """Per row, the columns' valid entries moved to the front (in their order)."""
    order = np.argsort(~valid, axis=1, kind="stable")
    return [np.take_along_axis(c, order, axis=1) for c in columns]


def earlier_plan(p: Plan, e: EarlierDelivery) -> Plan:
    """The plan as the earlier delivery holds it (its manifest is computed from it): the final
    plan's trajectories, contacts, closings, referrals, planted rows and answers that ``e`` holds."""
    n = len(p.lw)
    q = copy.copy(p)
    q.export = e.day
    q.order = {li: o[e.trajectory[o]] for li, o in p.order.items()}
    rows = np.repeat(np.arange(n), p.ncon)
    q.ncon = np.bincount(rows[e.contact], minlength=n).astype(np.int64)
    q.c_start = np.concatenate([[0], np.cumsum(q.ncon)[:-1]]).astype(np.int64) if n else np.zeros(0, np.int64)
    q.c_date, q.c_type, q.c_min = p.c_date[e.contact], p.c_type[e.contact], p.c_min[e.contact]
    q.closed = np.where(e.reopened, -1, p.closed)
    q.status = np.where(e.reopened, 0, p.status).astype(p.status.dtype)
    q.dest, q.ref_date = _compact(e.referral, p.dest, p.ref_date)
    q.nref = e.referral.sum(axis=1).astype(np.int64)
    q.extras = {li: [ex for ex in exs if e.extra(ex)] for li, exs in p.extras.items()}
    q.fake = {key: [f for f in fakes if e.orphan(f[0], f[2])] for key, fakes in p.fake.items()}
    q.survey = [r for r in p.survey if e.answer(r)]
    # West-Vlaanderen keeps its client numbers: a client is in the delivery once a trajectory of it is
    clients, tclient = west_vlaanderen_clients(p)
    shown = {tclient[t] for t in q.order[WV].tolist()}
    q.wv_clients = ([t if c in shown else None for c, t in enumerate(clients)], tclient)
    return q


# the earlier delivery the writers of this process write (None: the final delivery)
_DELIVERY: list[EarlierDelivery] = []


def current_delivery() -> EarlierDelivery | None:
    return _DELIVERY[0] if _DELIVERY else None


def use_delivery(delivery: EarlierDelivery | None) -> None:
    _DELIVERY[:] = [delivery] if delivery is not None else []


def open_label(table) -> str:
    """The label of an open trajectory (code 0), without a draw: the first one."""
    label = table[0]
    return label[0] if isinstance(label, tuple) else label


def date_files(dest: Path, names: Iterable[str], day: date) -> None:
    """Give the files ``names`` under ``dest`` the modification time ``day`` at noon (UTC): the
    delivery date the pipeline reads from them."""
    stamp = datetime.combine(day, time(12), tzinfo=UTC).timestamp()
    for name in names:
        os.utime(Path(dest) / name, (stamp, stamp))
