"""Property of ind_outcome_bounds (issue 16): on many small random networks (a seeded loop;
hypothesis is no dependency of the project)

    bound_low ≤ share_respondents ≤ bound_high  whenever responses_in_window > 0
    bound_low ≤ share_weighted ≤ bound_high     whenever share_weighted is not null

and the counts are consistent (positive ≤ responses ≤ closed, closed_unobserved ≤ closed)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import polars as pl

from leerwinkels.evidence.bounds import build_outcome_bounds
from tests.factories import followup, followups, trajectories, trajectory

EPS = 1e-12
STATUSES = ["completed", "stopped", "open"]
LABOUR = ["employed", "jobseeker", "student", None]
AGES = ["16-24", "25-34", "55+"]
SITUATIONS = ["working", "in_training", "jobseeker", "sick", None]


def _network(rng: random.Random):
    rows, answers = [], []
    for i in range(rng.randint(1, 25)):
        key = f"t{i}"
        intake = date(2023, 1, 1) + timedelta(days=rng.randint(0, 500))
        status = rng.choice(STATUSES)
        closed = intake + timedelta(days=rng.randint(0, 200)) if status != "open" else None
        rows.append(trajectory(key, f"c{i}", rng.choice(["genk", "gent"]), intake, closed, status,
                               labour_status=rng.choice(LABOUR), age_band=rng.choice(AGES)))
        if rng.random() < 0.7:
            anchor = closed or intake
            answers.append(followup(key, anchor + timedelta(days=rng.randint(-10, 500)), situation=rng.choice(SITUATIONS),
                                    training_started=rng.choice(["yes", "no", "enrolled", None]),
                                    qualification=rng.choice([True, False, None])))
    return trajectories(*rows), followups(*answers)


def test_bounds_enclose_both_shares_on_random_networks():
    rng = random.Random(20261201)
    checked_weighted = 0
    for _ in range(300):
        t, f = _network(rng)
        out = build_outcome_bounds(t, f, date(2025, 12, 31), (90, 365))
        assert (out["positive_in_window"] <= out["responses_in_window"]).all()
        assert (out["responses_in_window"] <= out["closed_trajectories"]).all()
        assert (out["closed_unobserved"] <= out["closed_trajectories"]).all()
        answered = out.filter(pl.col("responses_in_window") > 0)
        assert (answered["bound_low"] <= answered["share_respondents"] + EPS).all()
        assert (answered["share_respondents"] <= answered["bound_high"] + EPS).all()
        weighted = out.filter(pl.col("share_weighted").is_not_null())
        assert weighted.height == answered.height  # a share to weigh exactly where someone answered in window
        assert (weighted["bound_low"] <= weighted["share_weighted"] + EPS).all()
        assert (weighted["share_weighted"] <= weighted["bound_high"] + EPS).all()
        checked_weighted += weighted.height
    assert checked_weighted > 300  # the loop did test something
