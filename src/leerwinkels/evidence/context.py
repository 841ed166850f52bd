"""``ind_outcomes_by_context``: in-window outcomes by the client's context at intake (for
whom) and by the guidance given (what), per Leerwinkel and closing year (EVIDENCE.md)."""

from __future__ import annotations

from datetime import date

import polars as pl

from leerwinkels.contract.code_lists import UNKNOWN
from leerwinkels.contract.tables import BY_NAME
from leerwinkels.evidence.wilson import with_share_and_interval
from leerwinkels.evidence.window import closed_with_responses
from leerwinkels.indicators.tables import _coded, _fill, _finish, _grid, _with_network, codes_with_unknown, indicator_years

CODED_DIMENSIONS = ["labour_status", "dutch_level", "education_level", "age_band", "gender", "inflow_channel"]
CONTACTS_BANDS = ["0", "1", "2-3", "4-6", "7+"]
GUIDANCE_HOURS_BANDS = ["<1", "1-3", "3-6", "6+", UNKNOWN]
YES_NO = ["yes", "no"]
NO_DESTINATION = "none"

DIMENSIONS: dict[str, list[str]] = {
    **{d: codes_with_unknown(d) for d in CODED_DIMENSIONS},
    "vulnerable": YES_NO,
    "contacts_band": CONTACTS_BANDS,
    "guidance_hours_band": GUIDANCE_HOURS_BANDS,
    "referred_out": YES_NO,
    "destination": [*codes_with_unknown("destination"), NO_DESTINATION],
}
COUNTS = ["closed_trajectories", "responses_in_window", "positive_in_window", "working_in_window", "in_training_in_window"]
COLUMNS = BY_NAME["ind_outcomes_by_context"].column_names


def contacts_band() -> pl.Expr:
    c = pl.col("contacts").fill_null(0)
    return (
        pl.when(c <= 0).then(pl.lit("0")).when(c == 1).then(pl.lit("1")).when(c <= 3).then(pl.lit("2-3"))
        .when(c <= 6).then(pl.lit("4-6")).otherwise(pl.lit("7+"))
    )


def guidance_hours_band() -> pl.Expr:
    """h = guidance_minutes / 60: h < 1, 1 ≤ h < 3, 3 ≤ h < 6, h ≥ 6; ``unknown`` without known minutes."""
    h = pl.col("guidance_minutes") / 60.0
    return (
        pl.when(h.is_null()).then(pl.lit(UNKNOWN)).when(h < 1).then(pl.lit("<1")).when(h < 3).then(pl.lit("1-3"))
        .when(h < 6).then(pl.lit("3-6")).otherwise(pl.lit("6+"))
    )


def _yes_no(flag: pl.Expr) -> pl.Expr:
    return pl.when(flag.fill_null(False)).then(pl.lit("yes")).otherwise(pl.lit("no"))


def _categories() -> pl.DataFrame:
    return pl.DataFrame(
        [(d, c) for d, cats in DIMENSIONS.items() for c in cats],
        schema={"dimension": pl.String, "category": pl.String}, orient="row",
    )


def _counts(frame: pl.LazyFrame, category: pl.Expr, dimension: str) -> pl.LazyFrame:
    return (
        frame.group_by("leerwinkel", "year", category.alias("category"))
        .agg(
            closed_trajectories=pl.len(),
            responses_in_window=pl.col("in_window").sum(),
            positive_in_window=pl.col("positive").sum(),
            working_in_window=pl.col("working").sum(),
            in_training_in_window=pl.col("in_training").sum(),
        )
        .with_columns(dimension=pl.lit(dimension))
    )


def build_outcomes_by_context(
    trajectories: pl.DataFrame, followups: pl.DataFrame, referrals: pl.DataFrame, as_of: date, window: tuple[int, int]
) -> pl.DataFrame:
    """ind_outcomes_by_context: every dimension's full category list, every Leerwinkel (and
    ``all``) and closing year, zero rows included. A trajectory referred to two destinations
    counts under each (``destination``), one without referral under ``none``."""
    years = indicator_years(trajectories, as_of)
    keys = ["leerwinkel", "year", "dimension", "category"]
    base = closed_with_responses(trajectories, followups, window)
    referred = (
        referrals.lazy()
        .select("trajectory_key", _coded("destination", "destination"))
        .unique()
    )
    has_referral = referred.select("trajectory_key").unique().with_columns(__referred=pl.lit(True))
    closed = (
        base.join(has_referral, on="trajectory_key", how="left")
        .select(
            "leerwinkel", "year", "trajectory_key", "in_window", "positive", "working", "in_training",
            *[_coded(d, d) for d in CODED_DIMENSIONS],
            vulnerable=_yes_no(pl.col("vulnerable")),
            contacts_band=contacts_band(),
            guidance_hours_band=guidance_hours_band(),
            referred_out=_yes_no(pl.col("__referred")),
        )
    )
    closed = _with_network(closed).collect().lazy()
    parts = [_counts(closed, pl.col(d), d) for d in [*CODED_DIMENSIONS, "vulnerable", "contacts_band", "guidance_hours_band", "referred_out"]]
    by_destination = closed.join(referred, on="trajectory_key", how="left").with_columns(
        pl.col("destination").fill_null(NO_DESTINATION)
    )
    parts.append(_counts(by_destination, pl.col("destination"), "destination"))
    counted = pl.concat(parts, how="diagonal")
    out = _fill(_grid(years, _categories()), [counted], keys, COUNTS)
    out = with_share_and_interval(out, "positive_in_window", "responses_in_window", "positive_share")
    return _finish(out, COLUMNS, keys)
