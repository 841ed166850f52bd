"""The published SROI tables that follow from the outcome counts (issue 17).

`ind_sroi_by_payer` and `ind_sroi_sensitivity` are sums of outcome counts x proxies: their
exact figures would give a small count away (a tornado end minus the central value is
25 % of one outcome's value, hence its count). They are therefore published as computed
again, by the same functions as the exact tables, from the published (perturbed) outcome
counts of `ind_sroi_inputs` and the cost of the published `ind_sroi`, so that they hold
nothing the published tables do not (src/leerwinkels/publication/disclosure.py calls these
through ``Table.recompute``). The parameter file must be the version the tables were built
with.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from leerwinkels.sroi.parameters import SroiParameters, load_parameters
from leerwinkels.sroi.payers import build_sroi_by_payer
from leerwinkels.sroi.sensitivity import build_sroi_sensitivity

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


def published_by_payer(published: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    (inputs,) = _needed(published, "ind_sroi_by_payer", "ind_sroi_inputs")
    return build_sroi_by_payer(inputs, parameters_for(inputs, "ind_sroi_by_payer"))


def published_sensitivity(published: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    inputs, sroi = _needed(published, "ind_sroi_sensitivity", "ind_sroi_inputs", "ind_sroi")
    return build_sroi_sensitivity(inputs, sroi, parameters_for(inputs, "ind_sroi_sensitivity"))


__all__ = ["PAYER_LABELS", "SCENARIO_LABELS", "parameters_for", "published_by_payer", "published_sensitivity"]
