"""The published SROI tables that follow from the outcome counts (issue 17).

`ind_sroi_by_payer` and `ind_sroi_sensitivity` are sums of outcome counts x proxies: their
exact figures would give a small count away (a tornado end minus the central value is
25 % of one outcome's value, hence its count). They are therefore published as computed
again, by the same functions as the exact tables, from the published (perturbed) outcome
counts of `ind_sroi_inputs` and the cost of the published `ind_sroi`, so that they hold
nothing the published tables do not (src/leerwinkels/publication/disclosure.py calls these
through ``Table.recompute``). The parameter file must be the version the tables were built
with.

`ind_sroi_inputs`' value and present value and `ind_sroi`'s ratios are computed the same way
(``Table.derive``): value = published count x proxy x the outcome's factors, rounded to the cent
as the exact value (sroi/value.py), and ratio = the scenario's present value of the published
counts / cost (sroi/calculate.py ``with_sroi_ratios``). Scaling the exact figure by published /
exact count instead kept the exact value's cent rounding (and low / central the exact present
values' ratio), which told the exact count apart from its neighbours.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from leerwinkels.sroi.calculate import with_sroi_ratios
from leerwinkels.sroi.parameters import SroiParameters, load_parameters
from leerwinkels.sroi.payers import build_sroi_by_payer
from leerwinkels.sroi.sensitivity import build_sroi_sensitivity
from leerwinkels.sroi.value import outcome_multipliers, present_value_expr, value_expr

PAYER_LABELS = {
    "federal_social_security": "Federale sociale zekerheid",
    "federal_tax": "Federale belastingen",
    "flemish": "Vlaamse overheid",
    "local": "Lokaal bestuur (OCMW)",
}
SCENARIO_LABELS = {"central": "Centraal", "low": "Laag", "high": "Hoog"}


def _needed(published: Mapping[str, pl.DataFrame], table: str, *needs: str) -> list[pl.DataFrame]:
    missing = [n for n in needs if n not in published]
    if missing:
        raise ValueError(f"{table}: is published from {list(needs)}; publish {missing} with it")
    return [published[n] for n in needs]


def parameters_for(inputs: pl.DataFrame, table: str) -> SroiParameters:
    """The parameter file, refused when the tables were built with another version."""
    params = load_parameters()
    versions = sorted(map(str, inputs.get_column("parameter_version").unique().to_list()))
    if any(v != params.version for v in versions):
        raise ValueError(
            f"{table}: ind_sroi_inputs were built with parameter version(s) {versions}, the parameter "
            f"file {params.path} is {params.version}: rebuild the SROI tables before publishing"
        )
    return params


def published_input_values(frame: pl.DataFrame, published: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """``ind_sroi_inputs`` with its published (perturbed) counts: value_eur and present_value_eur
    computed again from them, by the exact table's expressions (``Table.derive``)."""
    params = parameters_for(frame, "ind_sroi_inputs")
    factors = outcome_multipliers(params)
    with_factors = frame.join(factors, on="outcome", how="left", maintain_order="left")
    return frame.with_columns(
        with_factors.select(value_expr().alias("value_eur"), present_value_expr().alias("present_value_eur"))
    )


def published_sroi_ratios(frame: pl.DataFrame, published: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """``ind_sroi`` with its published present value (the sum of the published outcomes'): the
    central, low and high ratio computed again from the published ``ind_sroi_inputs``."""
    (inputs,) = _needed(published, "ind_sroi", "ind_sroi_inputs")
    return with_sroi_ratios(frame, inputs, parameters_for(inputs, "ind_sroi"))


def published_by_payer(published: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    (inputs,) = _needed(published, "ind_sroi_by_payer", "ind_sroi_inputs")
    return build_sroi_by_payer(inputs, parameters_for(inputs, "ind_sroi_by_payer"))


def published_sensitivity(published: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    inputs, sroi = _needed(published, "ind_sroi_sensitivity", "ind_sroi_inputs", "ind_sroi")
    return build_sroi_sensitivity(inputs, sroi, parameters_for(inputs, "ind_sroi_sensitivity"))


__all__ = [
    "PAYER_LABELS", "SCENARIO_LABELS", "parameters_for", "published_by_payer", "published_input_values",
    "published_sensitivity", "published_sroi_ratios",
]
