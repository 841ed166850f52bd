"""The demo generator's registration lags and its earlier delivery (tools/demo-data registration.py):
pure functions over the plan, and the default output unchanged by the option."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from leerwinkels_demo import generate_landing
from leerwinkels_demo.defects import OK
from leerwinkels_demo.plan import build_plan
from leerwinkels_demo.registration import (
    LATE_DAYS,
    NORMAL_MAX_DAYS,
    Registrations,
    earlier_day,
    earlier_delivery,
    earlier_plan,
    registered_by,
    registration_lags,
)
from leerwinkels_demo.sources import GE, LEERWINKELS, WV

AS_OF = dt.date(2026, 11, 26)


def landing_digest(root: Path) -> str:
    """The content of a landing folder: CSV bytes, and the sheets and cell values of each workbook
    (an xlsx file's bytes hold the time it was written)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(str(path.relative_to(root)).encode())
        if path.suffix == ".xlsx":
            workbook = load_workbook(path, read_only=True)
            for sheet in workbook.worksheets:
                digest.update(sheet.title.encode())
                for row in sheet.iter_rows(values_only=True):
                    digest.update(repr(row).encode())
            workbook.close()
        else:
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def plans():
    p = build_plan(600, 5, True, AS_OF)
    return p, earlier_plan(p, earlier_delivery(p, 14))


@pytest.fixture(scope="module")
def delivery(plans):
    return earlier_delivery(plans[0], 14)


def test_lags_are_ordinary_or_late_by_the_share():
    rng = np.random.default_rng(1)
    none_late = registration_lags(rng, np.zeros(5000))
    assert none_late.min() >= 0 and none_late.max() <= NORMAL_MAX_DAYS
    all_late = registration_lags(rng, np.ones(5000))
    assert all_late.min() >= LATE_DAYS[0] and all_late.max() <= LATE_DAYS[1]
    some = registration_lags(rng, np.full(20000, 0.1))
    assert 0.08 < (some >= LATE_DAYS[0]).mean() < 0.12
    assert not ((some > NORMAL_MAX_DAYS) & (some < LATE_DAYS[0])).any()


def test_registered_by_includes_the_day_itself():
    days = np.array([100, 100, 100])
    assert registered_by(days, np.array([0, 5, 6]), 105).tolist() == [True, True, False]


def test_the_earlier_delivery_lies_before_the_final_export():
    p = build_plan(60, 1, True, AS_OF)
    assert earlier_day(p, 14) == dt.date(2026, 11, 12)
    with pytest.raises(ValueError, match="at least 7 days"):
        earlier_day(p, 6)


def test_the_lags_do_not_depend_on_the_day_of_the_earlier_delivery(plans):
    p, _ = plans
    a, b = Registrations(p), Registrations(p)
    assert all((getattr(a, k) == getattr(b, k)).all() for k in ("intake", "contact", "closing"))


def test_the_earlier_delivery_holds_only_what_was_registered_by_then(plans, delivery):
    p, q = plans
    d1 = dt.date(2026, 11, 12).toordinal()
    reg = Registrations(p)
    assert q.export == dt.date(2026, 11, 12)
    for li in range(6):
        kept = set(q.order[li].tolist())
        assert kept <= set(p.order[li].tolist())
        # the order of the rows is the final delivery's
        assert [t for t in p.order[li].tolist() if t in kept] == q.order[li].tolist()
        for t in q.order[li].tolist():
            assert p.reg_intake[t] + reg.intake[t] <= d1
            final = {(int(p.c_date[p.c_start[t] + j]), int(p.c_type[p.c_start[t] + j])) for j in range(int(p.ncon[t]))}
            earlier = [(int(q.c_date[q.c_start[t] + j]), int(q.c_type[q.c_start[t] + j])) for j in range(int(q.ncon[t]))]
            assert set(earlier) <= final and q.ncon[t] <= p.ncon[t]
            if p.defect[t] == OK and li != GE:  # a Gent single-contact fault keeps its (future) intake row
                assert all(d <= d1 for d, _ in earlier)
            if q.closed[t] >= 0:
                assert q.closed[t] == p.closed[t] and (p.closed[t] + reg.closing[t] <= d1 or p.defect[t] != OK)
            elif p.closed[t] >= 0:
                assert q.status[t] == 0 and p.closed[t] + reg.closing[t] > d1
    # some rows come only in the final delivery: late ones among them
    assert sum(len(q.order[li]) for li in range(6)) < sum(len(p.order[li]) for li in range(6))
    assert int(q.ncon[np.concatenate(list(q.order.values()))].sum()) < int(p.ncon.sum())
    # West-Vlaanderen's referrals by their date; Gent's on kept rows, pointing at a kept contact
    for t in q.order[WV].tolist():
        assert all(q.ref_date[t, k] <= d1 for k in range(int(q.nref[t])))
    for t in q.order[GE].tolist():
        carried = [bool(delivery.contact[p.c_start[t] + p.ref_row[t, k]]) for k in range(int(p.nref[t]))]
        assert delivery.referral[t, :len(carried)].tolist() == carried and q.nref[t] == sum(carried)


def test_the_final_plan_is_left_as_it_was():
    p = build_plan(300, 2, True, AS_OF)
    before = {k: v.copy() for k, v in vars(p).items() if isinstance(v, np.ndarray)}
    survey = list(p.survey)
    earlier_plan(p, earlier_delivery(p, 20))
    assert all((getattr(p, k) == v).all() for k, v in before.items()) and p.survey == survey


def test_every_leerwinkel_has_a_late_share():
    from leerwinkels_demo.registration import LATE_SHARE

    assert len(LATE_SHARE) == len(LEERWINKELS) and all(0 < s < 0.5 for s in LATE_SHARE)


def test_the_default_output_is_unchanged_by_the_option(tmp_path):
    """The default output for the same arguments is the one before the earlier delivery existed
    (digest recorded from that generator, commit 4c816d1): the benchmark caches and the README's
    figures depend on it. Writing the earlier delivery into the folder first changes nothing of it."""
    alone = tmp_path / "alone"
    generate_landing(alone, 120, seed=3)
    assert landing_digest(alone) == "54f8fe20146204ddb0de474febcf62c67b8af3f86f6d96592f477f1b326f851a"
    both = tmp_path / "both"
    earlier = generate_landing(both, 120, seed=3, earlier_delivery_days=14)
    final = generate_landing(both, 120, seed=3)
    assert final == generate_landing(tmp_path / "again", 120, seed=3)
    assert earlier["export_date"] == "2026-11-12" and final["export_date"] == "2026-11-20"
    # beside the final delivery, the earlier delivery's files with a dated name are left (as a folder may hold
    # older deliveries); the others were written over
    older = [p for p in both.rglob("*") if p.is_file() and not p.name.startswith(".") and not (alone / p.relative_to(both)).exists()]
    assert older and all("20261112" in p.name.replace("-", "") for p in older)
    for path in older:
        path.unlink()
    assert landing_digest(both) == landing_digest(alone)

def test_the_earlier_delivery_is_dated_the_day_it_holds(tmp_path):
    m = generate_landing(tmp_path, 120, seed=3, earlier_delivery_days=14)
    noon = dt.datetime(2026, 11, 12, 12, tzinfo=dt.UTC).timestamp()
    delivered = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert delivered and all(p.stat().st_mtime == noon for p in delivered)
    assert m["earlier_delivery_days"] == 14


def test_a_row_reads_the_same_in_both_deliveries_but_for_what_was_registered_since(tmp_path):
    """The earlier delivery is written with the final one's draws: a trajectory's row differs only
    in its closing (not registered yet), so old figures are not revised by chance."""
    generate_landing(tmp_path / "earlier", 600, seed=5, earlier_delivery_days=14)
    generate_landing(tmp_path / "final", 600, seed=5)

    def rows(path: Path) -> dict[str, list[str]]:
        lines = path.read_text(encoding="cp1252").splitlines()
        return {line.split(";")[0]: line.split(";") for line in lines[1:] if line.split(";")[0]}

    earlier = rows(tmp_path / "earlier" / "genk" / "klanten_20261112.csv")
    final = rows(tmp_path / "final" / "genk" / "klanten_20261120.csv")
    assert earlier and set(earlier) <= set(final)
    reopened = 0
    for key, row in earlier.items():
        other = final[key]
        if row != other:  # only the closing date and its reason (columns 13, 14), not there yet
            assert row[:13] == other[:13] and row[15:] == other[15:] and row[13:15] == ["", ""] and other[13]
            reopened += 1
    assert len(final) > len(earlier) or reopened
