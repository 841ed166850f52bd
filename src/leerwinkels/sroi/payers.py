"""`ind_sroi_by_payer`: who gains the present value (SROI.md, "Who gains").

Every item of a proxy names the payer that saves or earns it (`payer` in
sroi/parameters.yaml). Per Leerwinkel, year and scenario (central, low, high) the present
value is split over the four payers: each payer's share of an outcome is the sum of its
items. The split is computed in cents and the rounding rest (at most a few cents) goes to
the payer with the largest share, so that the payers add up to the cent to the scenario's
present value (`ind_sroi.present_value_eur` for `central`). Cents / 100 is rounded again to
2 decimals: 80396.29000000001 would be written out in full (and look like a national number).
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from leerwinkels.sroi.parameters import CENT, OUTCOMES, PAYERS, SroiParameters
from leerwinkels.sroi.value import outcome_multipliers, present_value_expr, scenario_variant

SCENARIOS = ("central", "low", "high")
KEYS = ["leerwinkel", "year"]


def payer_proxies(params: SroiParameters) -> pl.DataFrame:
    """outcome, payer, payer_proxy_eur: every outcome x every payer (0 where it has no item)."""
    rows = []
    for outcome in OUTCOMES:
        for payer in PAYERS:
            amount = sum(
                (params.items[n].amount_eur for n in params.outcomes[outcome] if params.items[n].payer == payer),
                Decimal(0),
            )
            rows.append({"outcome": outcome, "payer": payer, "payer_proxy_eur": float(amount.quantize(CENT))})
    return pl.DataFrame(rows, schema={"outcome": pl.String, "payer": pl.String, "payer_proxy_eur": pl.Float64})


def _scenario_split(sroi_inputs: pl.DataFrame, params: SroiParameters, scenario: str) -> pl.DataFrame:
    with_factors = sroi_inputs.join(
        outcome_multipliers(params, scenario_variant(params, scenario)), on="outcome", how="left"
    )
    totals = with_factors.group_by(KEYS).agg(
        (present_value_expr().sum().round(2) * 100).round(0).cast(pl.Int64).alias("__total_cents")
    )
    raw = (
        with_factors.join(payer_proxies(params), on="outcome", how="left")
        .group_by([*KEYS, "payer"])
        .agg((pl.col("count") * pl.col("payer_proxy_eur") * pl.col("present_value_factor")).sum().alias("__raw"))
        .with_columns((pl.col("__raw") * 100).round(0).cast(pl.Int64).alias("__cents"))
    )
    payer_order = pl.col("payer").replace_strict({p: i for i, p in enumerate(PAYERS)}, return_dtype=pl.Int64)
    largest = (
        pl.struct(pl.col("__raw").abs().neg(), payer_order).rank("ordinal").over(KEYS) == 1
    )
    return (
        raw.join(totals, on=KEYS, how="left")
        .with_columns((pl.col("__total_cents") - pl.col("__cents").sum().over(KEYS)).alias("__rest"))
        .with_columns(
            (pl.col("__cents") + pl.when(largest).then(pl.col("__rest")).otherwise(0)).alias("__cents")
        )
        .select(*KEYS, "payer", pl.lit(scenario).alias("scenario"), (pl.col("__cents") / 100).round(2).alias("value_eur"))
    )


def build_sroi_by_payer(sroi_inputs: pl.DataFrame, params: SroiParameters) -> pl.DataFrame:
    """leerwinkel, year, payer, scenario, value_eur, parameter_version: every Leerwinkel and
    year of ``sroi_inputs`` x the four payers x the three scenarios (zero rows included)."""
    inputs = sroi_inputs.with_columns(pl.col("year").cast(pl.Int64))
    order = {
        "payer": {p: i for i, p in enumerate(PAYERS)},
        "scenario": {s: i for i, s in enumerate(SCENARIOS)},
    }
    return (
        pl.concat([_scenario_split(inputs, params, s) for s in SCENARIOS])
        .with_columns(pl.lit(params.version, dtype=pl.String).alias("parameter_version"))
        .sort(
            "leerwinkel", "year",
            pl.col("payer").replace_strict(order["payer"], return_dtype=pl.Int64),
            pl.col("scenario").replace_strict(order["scenario"], return_dtype=pl.Int64),
        )
    )


__all__ = ["SCENARIOS", "build_sroi_by_payer", "payer_proxies"]
