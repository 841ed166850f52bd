"""The network's Value Map (Social Value UK format; SROI.md, "Value Map").

Per year the network's (`all`) outcomes in the Value Map's order -- stakeholder, outcome,
indicator, quantity, duration, financial proxy and its source, deadweight, displacement,
attribution, drop-off, impact, present value -- then the totals: total present value,
cost, net present value and the ratio. The figures are read from `ind_sroi_inputs` and
`ind_sroi` as given (the exact tables, or the published ones in the publication), never
computed again, so the Value Map's totals are those of `ind_sroi` and add nothing to it.
"""

from __future__ import annotations

import polars as pl

from leerwinkels.indicators.tables import NETWORK
from leerwinkels.sroi.parameters import OUTCOMES, SroiParameters

OUTCOME_COLUMNS = [
    "year", "stakeholder", "outcome", "indicator", "quantity", "duration_years", "proxy_eur", "proxy_source",
    "deadweight", "displacement", "attribution", "drop_off", "impact_eur", "present_value_eur",
]
TOTAL_COLUMNS = ["year", "present_value_eur", "cost_eur", "net_present_value_eur", "sroi_ratio", "parameter_version"]


def proxy_source(params: SroiParameters, outcome: str) -> str:
    """The distinct sources of the outcome's items, in the file's order."""
    return "; ".join(dict.fromkeys(params.items[n].source for n in params.outcomes[outcome]))


def _outcome_facts(params: SroiParameters) -> pl.DataFrame:
    rows = []
    for order, outcome in enumerate(OUTCOMES):
        rates = params.outcome_rates[outcome]
        rows.append({
            "outcome": outcome, "__order": order, "stakeholder": rates.stakeholder, "indicator": rates.indicator,
            "duration_years": rates.duration.years, "proxy_source": proxy_source(params, outcome),
            "displacement": rates.displacement.value, "drop_off": rates.drop_off.value,
        })
    return pl.DataFrame(rows, schema={
        "outcome": pl.String, "__order": pl.Int64, "stakeholder": pl.String, "indicator": pl.String,
        "duration_years": pl.Int64, "proxy_source": pl.String, "displacement": pl.Float64, "drop_off": pl.Float64,
    })


def value_map_outcomes(sroi_inputs: pl.DataFrame, params: SroiParameters) -> pl.DataFrame:
    """One row per year and outcome of the network, in :data:`OUTCOME_COLUMNS`."""
    return (
        sroi_inputs.filter(pl.col("leerwinkel") == NETWORK)
        .with_columns(pl.col("year").cast(pl.Int64))
        .join(_outcome_facts(params), on="outcome", how="left")
        .sort("year", "__order")
        .select(
            "year", "stakeholder", "outcome", "indicator", pl.col("count").alias("quantity"), "duration_years",
            "proxy_eur", "proxy_source", "deadweight", "displacement", "attribution", "drop_off",
            pl.col("value_eur").alias("impact_eur"), "present_value_eur",
        )
    )


def value_map_totals(ind_sroi: pl.DataFrame) -> pl.DataFrame:
    """The network's totals per year, in :data:`TOTAL_COLUMNS` (from `ind_sroi` as given)."""
    return (
        ind_sroi.filter(pl.col("leerwinkel") == NETWORK)
        .with_columns(pl.col("year").cast(pl.Int64))
        .sort("year")
        .select(TOTAL_COLUMNS)
    )


__all__ = ["OUTCOME_COLUMNS", "TOTAL_COLUMNS", "proxy_source", "value_map_outcomes", "value_map_totals"]
