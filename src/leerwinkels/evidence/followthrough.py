"""``ind_referral_followthrough``: did a referral lead somewhere? Per Leerwinkel, the
referral's year (as ``ind_referrals``) and destination (EVIDENCE.md).

Measured only where the survey can tell: the training destinations by a training started
(or enrolled) or a situation ``in_training``, ``job_mediation`` by a situation ``working``;
every other destination is null (not measured), never 0.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from leerwinkels.contract.tables import BY_NAME
from leerwinkels.evidence.wilson import with_share_and_interval
from leerwinkels.evidence.window import closed_with_responses
from leerwinkels.indicators.tables import (
    _coded,
    _fill,
    _finish,
    _grid,
    _trajectory_base,
    _with_network,
    _year,
    codes_with_unknown,
    indicator_years,
)

TRAINING_DESTINATIONS = (
    "adult_education", "basic_education", "vdab_training", "higher_education", "second_chance_education", "dutch_course",
)
WORK_DESTINATIONS = ("job_mediation",)
MEASURED_DESTINATIONS = (*TRAINING_DESTINATIONS, *WORK_DESTINATIONS)
COLUMNS = BY_NAME["ind_referral_followthrough"].column_names


def followed_through() -> pl.Expr:
    """Whether one in-window response shows the referral's destination followed (per row's destination)."""
    training = pl.col("training_started").is_in(["yes", "enrolled"]).fill_null(False) | (pl.col("situation") == "in_training").fill_null(False)
    working = (pl.col("situation") == "working").fill_null(False)
    return pl.col("in_window") & (
        pl.when(pl.col("destination").is_in(TRAINING_DESTINATIONS)).then(training)
        .when(pl.col("destination").is_in(WORK_DESTINATIONS)).then(working)
        .otherwise(False)
    )


def build_referral_followthrough(
    trajectories: pl.DataFrame, followups: pl.DataFrame, referrals: pl.DataFrame, as_of: date, window: tuple[int, int]
) -> pl.DataFrame:
    years = indicator_years(trajectories, as_of)
    keys = ["leerwinkel", "year", "destination"]
    base = _trajectory_base(trajectories, client_ids=False)
    responses = closed_with_responses(trajectories, followups, window).select(
        "trajectory_key", "in_window", "training_started", "situation"
    )
    # a referral without its own date is dated at the closing date, else at intake (ind_referrals)
    referred = (
        referrals.lazy()
        .join(base.select("trajectory_key", "leerwinkel", "intake_date", "closed_date"), on="trajectory_key", how="inner")
        .select(
            "leerwinkel", "trajectory_key",
            year=_year(pl.coalesce("referral_date", "closed_date", "intake_date")),
            destination=_coded("destination", "destination"),
        )
        .unique(["leerwinkel", "trajectory_key", "year", "destination"])
        .join(responses, on="trajectory_key", how="left")
        .with_columns(pl.col("in_window").fill_null(False))
        .with_columns(followed=followed_through())
    )
    counted = _with_network(referred).group_by(keys).agg(
        referred_trajectories=pl.len(),
        responses_in_window=pl.col("in_window").sum(),
        followed_through=pl.col("followed").sum(),
    )
    destinations = pl.DataFrame({"destination": codes_with_unknown("destination")})
    out = _fill(_grid(years, destinations), [counted], keys, ["referred_trajectories", "responses_in_window", "followed_through"])
    measured = pl.col("destination").is_in(MEASURED_DESTINATIONS)
    out = out.with_columns(pl.when(measured).then(pl.col("followed_through")).cast(pl.Int64).alias("followed_through"))
    out = with_share_and_interval(out, "followed_through", "responses_in_window", "followed_through_share")
    return _finish(out, COLUMNS, keys)
