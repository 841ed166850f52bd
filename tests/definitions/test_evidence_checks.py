"""The evidence WARN checks on ind_outcome_bounds (issue 16), called directly: limits from
evidence/parameters.yaml (in-window response rate 20 %, weighting gap 0.10)."""

from __future__ import annotations

import dagster as dg
import polars as pl

from leerwinkels.defs import checks
from leerwinkels.defs.resources import RunSettings
from leerwinkels.evidence.checks import window_passed
from leerwinkels.evidence.parameters import load_parameters

SETTINGS = RunSettings(as_of="2026-11-26")


def _bounds(*rows) -> pl.DataFrame:
    """leerwinkel, year, closed, responses, share_respondents, share_weighted (the columns the checks read)."""
    return pl.DataFrame(
        rows, orient="row",
        schema={"leerwinkel": pl.String, "year": pl.Int64, "closed_trajectories": pl.Int64, "responses_in_window": pl.Int64,
                "share_respondents": pl.Float64, "share_weighted": pl.Float64},
    )


def test_window_passed_only_for_years_whose_window_is_over():
    params = load_parameters()
    # 2024-12-31 + 365 days = 2025-12-31 <= 2026-11-26; 2025-12-31 + 365 = 2026-12-31 > as-of
    assert window_passed(2024, params, SETTINGS.as_of_date())
    assert not window_passed(2025, params, SETTINGS.as_of_date())


def test_low_in_window_response_rate_warns_for_finished_years_only():
    bounds = _bounds(
        ("genk", 2024, 100, 19, 0.5, 0.5),    # 19 % < 20 %: warns
        ("gent", 2024, 100, 20, 0.5, 0.5),    # 20 % exactly: fine
        ("genk", 2025, 100, 1, 0.5, 0.5),     # window not over yet: not judged
        ("leuven", 2024, 0, 0, None, None),   # nothing closed: nothing to judge
    )
    result = checks.evidence_response_rate_in_window(ind_outcome_bounds=bounds, settings=SETTINGS)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["rows_below_limit"].value == 1 and result.metadata["limit"].value == 0.2
    assert "genk | 2024" in result.metadata["details"].value
    assert checks.evidence_response_rate_in_window(ind_outcome_bounds=bounds.filter(pl.col("leerwinkel") != "genk"), settings=SETTINGS).passed


def test_weighting_gap_warns_above_the_limit():
    bounds = _bounds(
        ("genk", 2024, 100, 50, 0.60, 0.75),   # gap 0.15: warns
        ("gent", 2024, 100, 50, 0.60, 0.69),   # gap 0.09: fine
        ("leuven", 2024, 0, 0, None, None),
    )
    result = checks.evidence_weighting_gap(ind_outcome_bounds=bounds)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["rows_over_limit"].value == 1
    assert checks.evidence_weighting_gap(ind_outcome_bounds=bounds.filter(pl.col("leerwinkel") != "genk")).passed
