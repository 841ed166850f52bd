"""What the data steward's WARN checks on ``ind_outcome_bounds`` look for (pure: the Dagster
checks in defs/checks.py only report it). Limits from `evidence/parameters.yaml`."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from leerwinkels.evidence.parameters import EvidenceParameters


def window_passed(year: int, params: EvidenceParameters, as_of: date) -> bool:
    """Whether every trajectory closed in ``year`` has had its whole outcome window by ``as_of``:
    earlier years only, since a recent year has a low in-window response rate by nature."""
    return date(year, 12, 31) + timedelta(days=params.window[1]) <= as_of


def low_response_rates(bounds: pl.DataFrame, params: EvidenceParameters, as_of: date) -> pl.DataFrame:
    """leerwinkel, year, closed_trajectories, responses_in_window, response_rate of the rows whose
    window has passed and whose in-window response rate is below the limit."""
    limit = params.checks.min_response_rate_in_window.value
    years = [y for y in bounds.get_column("year").unique().to_list() if window_passed(y, params, as_of)]
    return (
        bounds.filter(pl.col("year").is_in(years) & (pl.col("closed_trajectories") > 0))
        .with_columns(response_rate=pl.col("responses_in_window") / pl.col("closed_trajectories"))
        .filter(pl.col("response_rate") < limit)
        .select("leerwinkel", "year", "closed_trajectories", "responses_in_window", "response_rate")
    )


def large_weighting_gaps(bounds: pl.DataFrame, params: EvidenceParameters) -> pl.DataFrame:
    """leerwinkel, year, share_respondents, share_weighted, gap of the rows where reweighting moves
    the share by more than the limit."""
    limit = params.checks.max_weighting_gap.value
    return (
        bounds.with_columns(gap=(pl.col("share_weighted") - pl.col("share_respondents")).abs())
        .filter(pl.col("gap") > limit)
        .select("leerwinkel", "year", "responses_in_window", "share_respondents", "share_weighted", "gap")
    )
