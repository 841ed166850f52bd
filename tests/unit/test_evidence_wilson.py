"""The Wilson 95 % interval (issue 16, EVIDENCE.md) against figures computed by hand."""

from __future__ import annotations

import polars as pl
import pytest

from leerwinkels.evidence.wilson import Z_95, wilson_bounds, with_share_and_interval


def _interval(k: int | None, n: int | None) -> tuple[float | None, float | None]:
    low, high = wilson_bounds(pl.lit(k, pl.Int64), pl.lit(n, pl.Int64))
    row = pl.select(low.alias("low"), high.alias("high")).row(0)
    return row[0], row[1]


def test_seven_of_twenty_by_hand():
    # k = 7, n = 20, p = 0.35, z = 1.959964, z² = 3.841459
    # denominator = 1 + z²/n = 1 + 0.192073 = 1.192073
    # centre = (p + z²/(2n)) / denominator = (0.35 + 0.096036) / 1.192073 = 0.446036 / 1.192073 = 0.374169
    # half = z × sqrt(p(1-p)/n + z²/(4n²)) / denominator
    #      = 1.959964 × sqrt(0.011375 + 0.002401) / 1.192073 = 1.959964 × 0.117371 / 1.192073 = 0.192977
    # low = 0.374169 - 0.192977 = 0.1812, high = 0.374169 + 0.192977 = 0.5671
    low, high = _interval(7, 20)
    assert round(low, 4) == 0.1812
    assert round(high, 4) == 0.5671
    assert Z_95 == 1.959964


def test_edges_stay_inside_zero_one_and_null_without_n():
    # k = 0, n = 10: denominator = 1.384146, centre = (0 + 0.192073)/1.384146 = 0.138766 = half: low 0, high 0.2775
    low, high = _interval(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12) and round(high, 4) == 0.2775
    low, high = _interval(10, 10)
    assert round(low, 4) == 0.7225 and high == pytest.approx(1.0, abs=1e-12)
    assert _interval(0, 0) == (None, None)
    assert _interval(None, None) == (None, None)


def test_share_and_interval_columns():
    frame = pl.DataFrame({"k": [7, 0], "n": [20, 0]})
    out = with_share_and_interval(frame, "k", "n", "share")
    assert out.columns == ["k", "n", "share", "share_low", "share_high"]
    assert out["share"].to_list() == [0.35, None]
    assert round(out["share_low"][0], 4) == 0.1812 and out["share_low"][1] is None
