"""``evidence_assumptions``: one row per Leerwinkel (and ``all``), year and indicator that bears
on one of the study's assumptions A1-A4, with its value, n, Wilson interval, grade, the
reason for the grade and the rubric's version (EVIDENCE.md)."""

from __future__ import annotations

from datetime import date

import polars as pl

from leerwinkels.contract.tables import BY_NAME
from leerwinkels.evidence import grading
from leerwinkels.evidence.parameters import EvidenceParameters
from leerwinkels.evidence.wilson import wilson_bounds
from leerwinkels.evidence.window import CLOSED_STATUSES, closed_with_responses
from leerwinkels.indicators.tables import (
    _LEERWINKEL_ENUM,
    _coded,
    _grid,
    _trajectory_base,
    _with_network,
    _year,
    indicator_years,
)

INSIGHTS = ["insight_labour_market", "insight_strengths", "insight_barriers", "insight_learning"]
A1_SHARES = ["share_referred_in_by_partner", "share_referred_out"]
A3_SHARES = ["positive_outcome", "positive_outcome_bound_low"]
SROI_RATIOS = {"sroi_ratio": "sroi_ratio", "sroi_ratio_low": "sroi_ratio_low", "sroi_ratio_high": "sroi_ratio_high"}
INDICATORS: list[tuple[str, str]] = [
    *[("A1", i) for i in [*A1_SHARES, "partner_types"]],
    *[("A2", i) for i in INSIGHTS],
    *[("A3", i) for i in A3_SHARES],
    *[("A4", i) for i in SROI_RATIOS],
]
#: the indicators whose value is a share k / n (with a Wilson interval)
SHARE_INDICATORS = (*A1_SHARES, *INSIGHTS, *A3_SHARES)
NOT_A_PARTNER = ("self", "unknown")
COLUMNS = BY_NAME["evidence_assumptions"].column_names
_KEYS = ["leerwinkel", "year", "assumption", "indicator"]


def _long(frame: pl.LazyFrame, assumption: str, indicators: dict[str, tuple[pl.Expr, pl.Expr]]) -> pl.LazyFrame:
    """Per indicator name: (successes k, n) aggregated per Leerwinkel and year, stacked."""
    return pl.concat(
        [
            frame.group_by("leerwinkel", "year").agg(k=k.cast(pl.Int64), n=n.cast(pl.Int64))
            .with_columns(assumption=pl.lit(assumption), indicator=pl.lit(name))
            for name, (k, n) in indicators.items()
        ],
        how="diagonal",
    )


def _partner_types(trajectories: pl.DataFrame, referrals: pl.DataFrame) -> pl.LazyFrame:
    """A1 partner_types: distinct inflow channels (of new trajectories) and destinations (of
    referrals dated in the year) other than ``self``/``unknown``; n = the distinct trajectories with one."""
    base = _trajectory_base(trajectories, client_ids=False)
    inflow = base.select(
        "leerwinkel", "trajectory_key", year=pl.col("intake_year"),
        partner=pl.lit("in:") + _coded("inflow_channel", "inflow_channel"),
    )
    outflow = (
        referrals.lazy()
        .join(base.select("trajectory_key", "leerwinkel", "intake_date", "closed_date"), on="trajectory_key", how="inner")
        .select(
            "leerwinkel", "trajectory_key",
            year=_year(pl.coalesce("referral_date", "closed_date", "intake_date")),
            partner=pl.lit("out:") + _coded("destination", "destination"),
        )
    )
    used = pl.concat([inflow, outflow]).filter(~pl.col("partner").is_in([f"{d}:{p}" for d in ("in", "out") for p in NOT_A_PARTNER]))
    return (
        _with_network(used).group_by("leerwinkel", "year")
        .agg(value=pl.col("partner").n_unique().cast(pl.Float64), n=pl.col("trajectory_key").n_unique().cast(pl.Int64))
        .with_columns(assumption=pl.lit("A1"), indicator=pl.lit("partner_types"))
    )


def _sroi_rows(ind_sroi: pl.DataFrame, ind_sroi_inputs: pl.DataFrame) -> pl.LazyFrame:
    """A4 rows from ind_sroi (ratios) with n = the responses counted as outcomes (ind_sroi_inputs)."""
    counted = ind_sroi_inputs.lazy().group_by("leerwinkel", "year").agg(n=pl.col("count").sum().cast(pl.Int64))
    ratios = ind_sroi.lazy().select(
        pl.col("leerwinkel").cast(_LEERWINKEL_ENUM), pl.col("year").cast(pl.Int64), *SROI_RATIOS.values()
    )
    joined = ratios.join(
        counted.with_columns(pl.col("leerwinkel").cast(_LEERWINKEL_ENUM), pl.col("year").cast(pl.Int64)),
        on=["leerwinkel", "year"], how="left",
    )
    return pl.concat(
        [
            joined.select(
                "leerwinkel", "year", "n", "sroi_ratio_low", "sroi_ratio", "sroi_ratio_high",
                value=pl.col(column), assumption=pl.lit("A4"), indicator=pl.lit(name),
            )
            for name, column in SROI_RATIOS.items()
        ]
    )


def build_evidence_assumptions(
    trajectories: pl.DataFrame,
    followups: pl.DataFrame,
    referrals: pl.DataFrame,
    ind_sroi: pl.DataFrame,
    ind_sroi_inputs: pl.DataFrame,
    params: EvidenceParameters,
    as_of: date,
) -> pl.DataFrame:
    years = indicator_years(trajectories, as_of)
    base = _trajectory_base(trajectories, client_ids=False)
    referred = referrals.lazy().select("trajectory_key").unique().with_columns(__referred=pl.lit(True))

    new = _with_network(base.select(
        "leerwinkel", year=pl.col("intake_year"),
        partner=~_coded("inflow_channel", "inflow_channel").is_in(NOT_A_PARTNER),
    ))
    closed = _with_network(
        base.filter(pl.col("status").is_in(CLOSED_STATUSES) & pl.col("closed_year").is_not_null())
        .join(referred, on="trajectory_key", how="left")
        .select("leerwinkel", year=pl.col("closed_year"), referred=pl.col("__referred").fill_null(False))
    )
    responses = _with_network(closed_with_responses(trajectories, followups, params.window).select(
        "leerwinkel", "year", "in_window", "positive", *INSIGHTS
    )).collect().lazy()
    response_rate = responses.group_by("leerwinkel", "year").agg(
        __rate=pl.col("in_window").sum() / pl.len()
    )
    shares = pl.concat(
        [
            _long(new, "A1", {"share_referred_in_by_partner": (pl.col("partner").sum(), pl.len())}),
            _long(closed, "A1", {"share_referred_out": (pl.col("referred").sum(), pl.len())}),
            _long(responses, "A2", {i: ((pl.col(i) >= 4).sum(), pl.col(i).is_not_null().sum()) for i in INSIGHTS}),
            _long(responses, "A3", {
                "positive_outcome": (pl.col("positive").sum(), pl.col("in_window").sum()),
                "positive_outcome_bound_low": (pl.col("positive").sum(), pl.len()),
            }),
        ],
        how="diagonal",
    )
    rows = pl.concat([shares, _partner_types(trajectories, referrals), _sroi_rows(ind_sroi, ind_sroi_inputs)], how="diagonal")
    indicators = pl.DataFrame(INDICATORS, schema={"assumption": pl.String, "indicator": pl.String}, orient="row")
    out = (
        _grid(years, indicators)
        .join(rows, on=_KEYS, how="left")
        .join(response_rate, on=["leerwinkel", "year"], how="left")
        .with_columns(pl.col("n").fill_null(0).cast(pl.Int64), pl.col("k").fill_null(0))
    )
    is_share = pl.col("indicator").is_in(SHARE_INDICATORS)
    low, high = wilson_bounds(pl.col("k"), pl.col("n"))
    out = out.with_columns(
        value=pl.when(is_share).then(pl.when(pl.col("n") > 0).then(pl.col("k") / pl.col("n")))
        .when(pl.col("indicator") == "partner_types").then(pl.col("value").fill_null(0.0))
        .otherwise(pl.col("value")).cast(pl.Float64),
        ci_low=pl.when(is_share).then(low).cast(pl.Float64),
        ci_high=pl.when(is_share).then(high).cast(pl.Float64),
    )
    width = pl.col("ci_high") - pl.col("ci_low")
    is_survey = pl.col("assumption").is_in(["A2", "A3"])
    survey = grading.survey_grade(params, pl.col("n"), pl.col("__rate"), width)
    registration = grading.registration_grade(params, pl.col("n"))
    sroi = grading.sroi_grade(params, pl.col("sroi_ratio_low"), pl.col("sroi_ratio"), pl.col("sroi_ratio_high"))
    out = out.with_columns(
        grade=pl.when(is_survey).then(survey).when(pl.col("assumption") == "A1").then(registration).otherwise(sroi)
    )
    noun = (
        pl.when(pl.col("indicator") == "positive_outcome_bound_low").then(pl.lit("afgesloten trajecten"))
        .when(pl.col("assumption") == "A2").then(pl.lit("antwoorden op die vraag binnen het uitkomstvenster"))
        .otherwise(pl.lit("antwoorden binnen het uitkomstvenster"))
    )
    out = out.with_columns(
        grade_reason=pl.when(is_survey).then(grading.survey_reason(params, pl.col("grade"), pl.col("n"), noun, pl.col("__rate"), width))
        .when(pl.col("assumption") == "A1").then(grading.registration_reason(params, pl.col("grade"), pl.col("n")))
        .otherwise(grading.sroi_reason(params, pl.col("grade"), pl.col("sroi_ratio_low"), pl.col("sroi_ratio"), pl.col("sroi_ratio_high"))),
        rubric_version=pl.lit(params.version),
    )
    return (
        out.select(COLUMNS)
        .with_columns(pl.col("leerwinkel").cast(pl.String))
        .sort(_KEYS)
        .collect()
    )
