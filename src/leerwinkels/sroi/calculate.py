"""SROI: the study's case reproduced, yearly SROI inputs and ratios (spec: SROI.md).

All proxies, rates and the study's case live in one versioned parameter file
(`sroi/parameters.yaml`), so that a data steward changes them without touching code.
The other concerns have files of their own: parameters.py (the file), value.py (impact and
present value), payers.py (`ind_sroi_by_payer`), sensitivity.py (`ind_sroi_sensitivity`),
value_map.py (the Value Map); docs/sroi.md explains them.

- `load_parameters(path=None)` reads and validates that file (`SroiParameterError`).
- `classify_outcomes(trajectories, followups)`: the outcome of each follow-up response
  of a closed trajectory.
- `build_sroi_inputs(trajectories, followups, params, as_of)`: `ind_sroi_inputs`.
- `build_sroi(sroi_inputs, costs, params, *, trajectories=None)`: `ind_sroi`.
- `missing_cost_rows(costs, trajectories, as_of)`: Leerwinkel-years without a cost row.
- `case_study_table(params)`: `sroi_case_studies` (the study's MKBA cases, with totals).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from leerwinkels.indicators.tables import LEERWINKELS, NETWORK, indicator_years
from leerwinkels.sroi.parameters import (
    CENT,
    ENV_PARAMETERS,
    OUTCOMES,
    PAYERS,
    SroiParameterError,
    SroiParameters,
    assumptions_text,
    default_parameters_path,
    load_parameters,
)
from leerwinkels.sroi.value import outcome_multipliers, present_value_expr, present_values, scenario_variant, value_expr

__all__ = [
    "ENV_PARAMETERS",
    "LEERWINKELS",
    "OUTCOMES",
    "PAYERS",
    "SroiParameterError",
    "SroiParameters",
    "assumptions_text",
    "build_sroi",
    "build_sroi_inputs",
    "case_study_table",
    "classify_outcomes",
    "default_parameters_path",
    "load_parameters",
    "missing_cost_rows",
    "outcome_expr",
]

CLOSED_STATUSES = ("completed", "stopped")
OTHER_LABOUR_STATUSES = ("jobseeker", "social_assistance", "student", "other", "unknown")
LOW_EDUCATION = ("none", "primary", "lower_secondary")
EARLY_SCHOOL_LEAVING_MAX_AGE = 25  # age at intake strictly under this


# --------------------------------------------------------------------------- outcomes


def outcome_expr() -> pl.Expr:
    """The SROI.md outcome of a response joined with its trajectory (null: no outcome).

    `when` chains stop at the first rule met, so each response counts at most once, in
    the table's order. Employed at intake and working now is no work outcome.
    """
    working = pl.col("situation") == "working"
    early_school_leaving = (
        (pl.col("age_at_intake") < EARLY_SCHOOL_LEAVING_MAX_AGE).fill_null(False)
        & pl.col("education_level").is_in(LOW_EDUCATION)
        & ((pl.col("situation") == "in_training") | pl.col("qualification").fill_null(False))
    )
    return (
        pl.when((pl.col("labour_status") == "sickness_invalidity") & working)
        .then(pl.lit("work_from_invalidity"))
        .when(pl.col("labour_status").is_in(OTHER_LABOUR_STATUSES) & working)
        .then(pl.lit("work_from_other_status"))
        .when(early_school_leaving)
        .then(pl.lit("early_school_leaving_prevented"))
        .when(pl.col("training_started") == "yes")
        .then(pl.lit("training_started"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("outcome")
    )


def classify_outcomes(trajectories: pl.DataFrame, followups: pl.DataFrame) -> pl.DataFrame:
    """One row per follow-up response of a closed trajectory (completed or stopped, with a
    closing date): trajectory_key, leerwinkel, year (closing year), outcome (null: none)."""
    closed = trajectories.filter(
        pl.col("status").is_in(CLOSED_STATUSES) & pl.col("closed_date").is_not_null()
    ).select(
        "trajectory_key",
        "leerwinkel",
        pl.col("closed_date").dt.year().cast(pl.Int64).alias("year"),
        "labour_status",
        "age_at_intake",
        "education_level",
    )
    return (
        followups.select("trajectory_key", "training_started", "situation", "qualification")
        .join(closed, on="trajectory_key", how="inner", maintain_order="left")
        .select("trajectory_key", "leerwinkel", "year", outcome_expr())
    )


# --------------------------------------------------------------------------- yearly tables


def _as_date(as_of: date | str) -> date:
    return date.fromisoformat(as_of) if isinstance(as_of, str) else as_of


def build_sroi_inputs(
    trajectories: pl.DataFrame,
    followups: pl.DataFrame,
    params: SroiParameters,
    as_of: date | str,
) -> pl.DataFrame:
    """`ind_sroi_inputs`: one row per leerwinkel (six + `all`) x closing year x outcome,
    zero rows included; value = count x proxy x (1 - deadweight) x (1 - attribution) x
    (1 - displacement) (the first year's impact) and present_value_eur over the outcome's
    duration (sroi/value.py). Deadweight and attribution are each outcome's own."""
    years = indicator_years(trajectories, _as_date(as_of))
    counted = classify_outcomes(trajectories, followups).filter(
        pl.col("outcome").is_not_null()
        & pl.col("leerwinkel").is_in(LEERWINKELS)
        & pl.col("year").is_in(years)
    )
    per_leerwinkel = counted.group_by("leerwinkel", "year", "outcome").agg(
        pl.len().cast(pl.Int64).alias("count")
    )
    network = per_leerwinkel.group_by("year", "outcome").agg(
        pl.lit(NETWORK).alias("leerwinkel"), pl.col("count").sum()
    )
    counts = pl.concat([per_leerwinkel, network.select(per_leerwinkel.columns)])

    proxies = pl.DataFrame(
        {
            "outcome": list(OUTCOMES),
            "proxy_eur": [float(params.proxy_eur(o).quantize(CENT)) for o in OUTCOMES],
        },
        schema={"outcome": pl.String, "proxy_eur": pl.Float64},
    )
    grid = _leerwinkel_years(years).join(pl.DataFrame({"outcome": list(OUTCOMES)}), how="cross")
    return (
        grid.join(counts, on=["leerwinkel", "year", "outcome"], how="left")
        .join(proxies, on="outcome", how="left")
        .with_columns(
            pl.col("count").fill_null(0),
            pl.col("outcome").replace_strict(
                {o: params.outcome_rates[o].deadweight.value for o in OUTCOMES}, return_dtype=pl.Float64
            ).alias("deadweight"),
            pl.col("outcome").replace_strict(
                {o: params.outcome_rates[o].attribution.value for o in OUTCOMES}, return_dtype=pl.Float64
            ).alias("attribution"),
            pl.lit(params.version, dtype=pl.String).alias("parameter_version"),
        )
        .join(outcome_multipliers(params), on="outcome", how="left")
        .with_columns(value_expr().alias("value_eur"), present_value_expr().alias("present_value_eur"))
        .select(
            "leerwinkel", "year", "outcome", "count", "proxy_eur",
            "deadweight", "attribution", "value_eur", "parameter_version", "present_value_eur",
        )
        .sort("leerwinkel", "year", "outcome")
    )


def _leerwinkel_years(years: list[int], leerwinkels: list[str] | None = None) -> pl.DataFrame:
    """The key grid: every Leerwinkel (default: the six and `all`) x every year."""
    codes = [*LEERWINKELS, NETWORK] if leerwinkels is None else leerwinkels
    return pl.DataFrame({"leerwinkel": codes}, schema={"leerwinkel": pl.String}).join(
        pl.DataFrame({"year": years}, schema={"year": pl.Int64}), how="cross"
    )


def _active_pairs(trajectories: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """(leerwinkel, year) where the Leerwinkel has a trajectory active in that year."""
    year_frame = pl.DataFrame({"year": years}, schema={"year": pl.Int64})
    return (
        trajectories.filter(pl.col("leerwinkel").is_in(LEERWINKELS))
        .select(
            "leerwinkel",
            pl.col("intake_date").dt.year().cast(pl.Int64).alias("first"),
            pl.col("closed_date").dt.year().cast(pl.Int64).alias("last"),
        )
        .join(year_frame, how="cross")
        .filter(
            (pl.col("first") <= pl.col("year"))
            & (pl.col("last").is_null() | (pl.col("last") >= pl.col("year")))
        )
        .select("leerwinkel", "year")
        .unique()
    )


def _cost_rows(costs: pl.DataFrame) -> pl.DataFrame:
    """leerwinkel, year, cost_eur (staff + operating), one row per Leerwinkel-year."""
    return (
        costs.filter(pl.col("leerwinkel").is_in(LEERWINKELS))
        .with_columns(pl.col("year").cast(pl.Int64))
        .group_by("leerwinkel", "year")
        .agg(
            (pl.col("staff_cost").fill_null(0) + pl.col("operating_cost").fill_null(0))
            .sum()
            .alias("cost_eur")
        )
    )


def missing_cost_rows(
    costs: pl.DataFrame, trajectories: pl.DataFrame, as_of: date | str
) -> pl.DataFrame:
    """(leerwinkel, year) in the indicator years where the Leerwinkel has a trajectory
    active in that year but the cost file has no row: its SROI ratio is null and the
    network's (`all`) ratio is computed on the costs present (cost_complete false)."""
    years = indicator_years(trajectories, _as_date(as_of))
    present = _cost_rows(costs).select("leerwinkel", "year")
    return (
        _active_pairs(trajectories, years)
        .join(present, on=["leerwinkel", "year"], how="anti")
        .sort("leerwinkel", "year")
    )


def build_sroi(
    sroi_inputs: pl.DataFrame,
    costs: pl.DataFrame,
    params: SroiParameters,
    *,
    trajectories: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`ind_sroi`: per leerwinkel and year the value (first-year impact), the present value,
    the cost, the net present value and the SROI ratio (present value / cost), central and
    with the low/high deadweight and attribution.

    `cost_complete` says whether every cost row needed is present: for a Leerwinkel its
    own; for `all` those of every Leerwinkel with a trajectory active that year (given
    `trajectories`) or, without `trajectories`, of all six Leerwinkels.
    """
    versions = sroi_inputs.get_column("parameter_version").unique().to_list()
    if any(v != params.version for v in versions):
        raise ValueError(
            f"sroi_inputs were built with parameter version(s) {sorted(map(str, versions))}, "
            f"not with {params.version} ({params.path}): rebuild them with these parameters"
        )
    sroi_inputs = sroi_inputs.with_columns(pl.col("year").cast(pl.Int64))
    years = sorted(sroi_inputs.get_column("year").unique().to_list())
    keys = ["leerwinkel", "year"]
    values = (
        sroi_inputs.group_by(keys)
        .agg(pl.col("value_eur").sum().round(2), pl.col("present_value_eur").sum().round(2))
        .join(present_values(sroi_inputs, params, scenario_variant(params, "low"))
              .rename({"present_value_eur": "value_low"}), on=keys, how="left")
        .join(present_values(sroi_inputs, params, scenario_variant(params, "high"))
              .rename({"present_value_eur": "value_high"}), on=keys, how="left")
    )

    cost_rows = _cost_rows(costs).filter(pl.col("year").is_in(years))
    network_cost = cost_rows.group_by("year").agg(
        pl.lit(NETWORK).alias("leerwinkel"), pl.col("cost_eur").sum()
    )
    all_costs = pl.concat([cost_rows, network_cost.select(cost_rows.columns)])

    if trajectories is not None:
        expected = _active_pairs(trajectories, years)
    else:
        expected = _leerwinkel_years(years, LEERWINKELS)
    missing = expected.join(cost_rows, on=["leerwinkel", "year"], how="anti")
    incomplete = pl.concat(
        [missing, missing.select(pl.lit(NETWORK).alias("leerwinkel"), "year")]
    ).unique().with_columns(pl.lit(False).alias("cost_complete"))

    def ratio(value: str) -> pl.Expr:
        return pl.when(pl.col("cost_eur") > 0).then(pl.col(value) / pl.col("cost_eur"))

    return (
        values.join(all_costs, on=["leerwinkel", "year"], how="left")
        .join(incomplete, on=["leerwinkel", "year"], how="left")
        # the ratios divide the published (cent) figures: the network's cost is a float sum
        # whose last bit depends on the order of its parts, which must not reach the ratio
        .with_columns(pl.col("cost_eur").round(2))
        .with_columns(
            ratio("present_value_eur").alias("sroi_ratio"),
            (pl.col("present_value_eur") - pl.col("cost_eur")).round(2).alias("net_present_value_eur"),
            ratio("value_low").alias("sroi_ratio_low"),
            ratio("value_high").alias("sroi_ratio_high"),
            pl.col("cost_complete").fill_null(True),
            pl.lit(params.version, dtype=pl.String).alias("parameter_version"),
            pl.lit(assumptions_text(params), dtype=pl.String).alias("assumptions"),
        )
        .select(
            "leerwinkel", "year", "value_eur", "cost_eur", "sroi_ratio", "sroi_ratio_low",
            "sroi_ratio_high", "cost_complete", "parameter_version", "assumptions",
            "present_value_eur", "net_present_value_eur",
        )
        .sort("leerwinkel", "year")
    )


# --------------------------------------------------------------------------- case studies


def case_study_table(params: SroiParameters) -> pl.DataFrame:
    """`sroi_case_studies`: case, item, benefits, costs — the study's items as in the
    parameter file, then `total` (column sums) and `net_effect_government` (total
    benefits minus total costs, in the benefits column; costs null). Sums in Decimal."""
    rows: list[dict[str, Any]] = []

    def money(amount: Decimal | None) -> float | None:
        return None if amount is None else float(amount.quantize(CENT))

    for case in params.case_studies:
        for item in case.items:
            rows.append(
                {"case": case.name, "item": item.item,
                 "benefits": money(item.benefits), "costs": money(item.costs)}
            )
        rows.append(
            {"case": case.name, "item": "total",
             "benefits": money(case.total_benefits), "costs": money(case.total_costs)}
        )
        rows.append(
            {"case": case.name, "item": "net_effect_government",
             "benefits": money(case.net_effect_government), "costs": None}
        )
    return pl.DataFrame(
        rows,
        schema={"case": pl.String, "item": pl.String, "benefits": pl.Float64, "costs": pl.Float64},
    )
