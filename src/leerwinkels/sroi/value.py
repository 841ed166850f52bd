"""The value of an outcome: impact and present value (SROI.md, "Present value").

    impact        = count x proxy x (1 - deadweight) x (1 - attribution) x (1 - displacement)
    present value = sum over t = 0 .. duration - 1 of impact x (1 - drop_off)^t / (1 + discount_rate)^t

The first year is not discounted, so with duration 1 the present value is the impact, and
with displacement 0 the impact is the first version's value to the cent (the factors are
multiplied in the first version's order; x 1.0 changes no bit).

A `Variant` moves parameters away from the file's central values: the low/high scenarios
of `ind_sroi` and the one-at-a-time moves of `ind_sroi_sensitivity`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from leerwinkels.sroi.parameters import OUTCOMES, SroiParameters


@dataclass(frozen=True)
class Variant:
    """Parameters set for every outcome (None: each outcome's own central value)."""

    deadweight: float | None = None
    attribution: float | None = None
    displacement: float | None = None
    drop_off: float | None = None
    discount_rate: float | None = None
    duration_years: int | None = None
    # proxy of an outcome multiplied by this factor (the tornado's +-25 %)
    proxy_factor: dict[str, float] = field(default_factory=dict)


CENTRAL = Variant()


def scenario_variant(params: SroiParameters, scenario: str) -> Variant:
    """`central`, or `low` / `high`: the sensitivity section's deadweight and attribution."""
    if scenario == "central":
        return CENTRAL
    rates = {"low": params.low, "high": params.high}[scenario]
    return Variant(deadweight=rates.deadweight, attribution=rates.attribution)


def discount_factor(duration_years: int, drop_off: float, discount_rate: float) -> float:
    """sum over t < duration of (1 - drop_off)^t / (1 + discount_rate)^t; 1.0 for one year."""
    total = 0.0
    for t in range(duration_years):
        total += (1 - drop_off) ** t / (1 + discount_rate) ** t
    return total


def outcome_multipliers(params: SroiParameters, variant: Variant = CENTRAL) -> pl.DataFrame:
    """Per outcome: `proxy_factor`, `impact_factor` and `present_value_factor` (impact factor
    x discount factor): value = count x proxy x factor."""
    rows = []
    for outcome in OUTCOMES:
        rates = params.outcome_rates[outcome]
        dw = rates.deadweight.value if variant.deadweight is None else variant.deadweight
        at = rates.attribution.value if variant.attribution is None else variant.attribution
        dis = rates.displacement.value if variant.displacement is None else variant.displacement
        drop = rates.drop_off.value if variant.drop_off is None else variant.drop_off
        rate = params.discount_rate.value if variant.discount_rate is None else variant.discount_rate
        years = rates.duration.years if variant.duration_years is None else variant.duration_years
        impact = (1 - dw) * (1 - at) * (1 - dis)
        rows.append({
            "outcome": outcome,
            "proxy_factor": variant.proxy_factor.get(outcome, 1.0),
            "impact_factor": impact,
            "present_value_factor": impact * discount_factor(years, drop, rate),
        })
    return pl.DataFrame(rows, schema={
        "outcome": pl.String, "proxy_factor": pl.Float64, "impact_factor": pl.Float64,
        "present_value_factor": pl.Float64,
    })


def _money(amount: pl.Expr) -> pl.Expr:
    return amount.round(2, mode="half_away_from_zero")


def value_expr(proxy: str = "proxy_eur") -> pl.Expr:
    """count x proxy x impact factor, in cents rounded half up (the first year's impact)."""
    return _money(pl.col("count") * pl.col(proxy) * pl.col("impact_factor"))


def present_value_expr(proxy: str = "proxy_eur") -> pl.Expr:
    """count x proxy x present value factor, in cents rounded half up."""
    return _money(pl.col("count") * pl.col(proxy) * pl.col("present_value_factor"))


def present_values(sroi_inputs: pl.DataFrame, params: SroiParameters, variant: Variant = CENTRAL) -> pl.DataFrame:
    """leerwinkel, year, present_value_eur: the sum of the outcomes' present values (each
    rounded to cents, as `ind_sroi_inputs`) under ``variant``."""
    proxy = pl.col("proxy_eur") * pl.col("proxy_factor")
    return (
        sroi_inputs.join(outcome_multipliers(params, variant), on="outcome", how="left")
        .with_columns(
            pl.when(pl.col("proxy_factor") == 1.0).then(pl.col("proxy_eur")).otherwise(proxy).alias("__proxy")
        )
        .group_by("leerwinkel", "year")
        .agg(present_value_expr("__proxy").sum().round(2).alias("present_value_eur"))
    )


__all__ = [
    "CENTRAL",
    "Variant",
    "discount_factor",
    "outcome_multipliers",
    "present_value_expr",
    "present_values",
    "scenario_variant",
    "value_expr",
]
