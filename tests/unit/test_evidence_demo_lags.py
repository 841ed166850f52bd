"""The demo generator's survey responses fall before, inside and after the evidence tables'
outcome window (issue 16): every case of ind_outcome_bounds and its WARN checks is present in
a generated landing folder."""

from __future__ import annotations

from collections import Counter
from datetime import date

from leerwinkels.evidence.parameters import load_parameters
from leerwinkels_demo.plan import RESPONSE_LAGS, _response_lags, build_plan


def test_lags_are_drawn_in_every_range_and_reproducibly():
    lags = _response_lags(7, 5000)
    assert (lags == _response_lags(7, 5000)).all()
    assert lags.min() >= RESPONSE_LAGS[0][0] and lags.max() < RESPONSE_LAGS[-1][1]
    first, last = load_parameters().window
    kinds = Counter("before" if d < first else "inside" if d <= last else "after" for d in lags.tolist())
    # shares 0.25 / 0.55 / 0.20 of 5,000 draws
    assert 1100 < kinds["before"] < 1400 and 2600 < kinds["inside"] < 2900 and 850 < kinds["after"] < 1150


def test_the_plan_has_responses_before_inside_and_after_the_window():
    plan = build_plan(3000, seed=11, defects=False, as_of=date(2026, 11, 20))
    first, last = load_parameters().window
    lags = [o - int(plan.closed[t]) for o, _, _, t, *_ in plan.survey if t >= 0]
    assert min(lags) >= 0
    assert any(d < first for d in lags) and any(first <= d <= last for d in lags) and any(d > last for d in lags)
