"""Closed trajectories with their follow-up response, timed against the outcome window.

``days_after_closing`` = response date − the trajectory's closing date (null for an open
trajectory or a response without date). A response is *in window* when that lies within the
window of the evidence parameter file (both ends included). A *positive outcome* (A3):
situation ``working`` or ``in_training``, or training started ``yes`` or ``enrolled``, or a
qualification obtained.
"""

from __future__ import annotations

import polars as pl

from leerwinkels.indicators.tables import _trajectory_base

CLOSED_STATUSES = ("completed", "stopped")


def positive_outcome() -> pl.Expr:
    """A3's positive outcome of one response (False for a response that says none of these)."""
    return (
        pl.col("situation").is_in(["working", "in_training"]).fill_null(False)
        | pl.col("training_started").is_in(["yes", "enrolled"]).fill_null(False)
        | pl.col("qualification").fill_null(False)
    )


def closed_with_responses(trajectories: pl.DataFrame, followups: pl.DataFrame, window: tuple[int, int]) -> pl.LazyFrame:
    """One row per closed trajectory of the six Leerwinkels (the trajectory's columns, its
    closing year as ``year``) with ``in_window`` (an in-window response), ``positive``,
    ``working`` and ``in_training`` (each only for an in-window response, else False), and
    the response's answers (null without an in-window response)."""
    first, last = window
    closed = (
        _trajectory_base(trajectories, client_ids=False)
        .filter(pl.col("status").is_in(CLOSED_STATUSES) & pl.col("closed_year").is_not_null())
        .with_columns(year=pl.col("closed_year"))
    )
    # the latest response per trajectory (the model keeps one; a hand-made frame may hold more)
    latest = (
        followups.lazy()
        .drop("days_after_closing", strict=False)
        .sort("response_date", nulls_last=False)
        .unique("trajectory_key", keep="last")
    )
    joined = closed.join(latest.drop("leerwinkel", strict=False), on="trajectory_key", how="left")
    days = (pl.col("response_date") - pl.col("closed_date")).dt.total_days()
    in_window = days.is_between(first, last).fill_null(False)
    answers = ["training_started", "situation", "qualification",
               "insight_labour_market", "insight_strengths", "insight_barriers", "insight_learning"]
    return joined.with_columns(in_window=in_window).with_columns(
        *[pl.when(pl.col("in_window")).then(pl.col(a)).alias(a) for a in answers],
        positive=pl.col("in_window") & positive_outcome(),
        working=pl.col("in_window") & (pl.col("situation") == "working").fill_null(False),
        in_training=pl.col("in_window") & (pl.col("situation") == "in_training").fill_null(False),
    )
