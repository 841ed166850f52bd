"""``ind_outcome_bounds``: the positive-outcome share of the respondents, reweighted for
non-response, and the bounds for those who did not answer (EVIDENCE.md).

Reweighting cells are labour_status × age_band of the trajectories closed in the year (for
``all``: the network's cells). A cell without an in-window response adds nothing to the
weighted share and its closed trajectories are ``closed_unobserved``. The bounds make no
assumption at all: every non-respondent negative (``bound_low``) or positive (``bound_high``).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from leerwinkels.contract.tables import BY_NAME
from leerwinkels.evidence.window import closed_with_responses
from leerwinkels.indicators.tables import _coded, _fill, _finish, _grid, _share, _with_network, indicator_years

WEIGHTING_CELLS = ["labour_status", "age_band"]
COUNTS = ["closed_trajectories", "responses_in_window", "positive_in_window", "closed_unobserved"]
COLUMNS = BY_NAME["ind_outcome_bounds"].column_names


def build_outcome_bounds(
    trajectories: pl.DataFrame, followups: pl.DataFrame, as_of: date, window: tuple[int, int]
) -> pl.DataFrame:
    years = indicator_years(trajectories, as_of)
    keys = ["leerwinkel", "year"]
    closed = _with_network(
        closed_with_responses(trajectories, followups, window).select(
            "leerwinkel", "year", "in_window", "positive", *[_coded(c, c) for c in WEIGHTING_CELLS]
        )
    )
    cells = closed.group_by(*keys, *WEIGHTING_CELLS).agg(
        closed=pl.len(), responses=pl.col("in_window").sum(), positive=pl.col("positive").sum()
    )
    observed = pl.col("responses") > 0
    totals = cells.group_by(keys).agg(
        closed_trajectories=pl.col("closed").sum(),
        responses_in_window=pl.col("responses").sum(),
        positive_in_window=pl.col("positive").sum(),
        closed_unobserved=pl.col("closed").filter(~observed).sum(),
        # Σ_c closed_c × positive_c / responses_c and Σ_c closed_c over the observed cells
        _weighted=(pl.col("closed") * pl.col("positive") / pl.col("responses")).filter(observed).sum(),
        _observed_closed=pl.col("closed").filter(observed).sum(),
    )
    out = _fill(_grid(years), [totals], keys, COUNTS).with_columns(
        share_respondents=_share("positive_in_window", "responses_in_window"),
        share_weighted=pl.when(pl.col("_observed_closed") > 0).then(pl.col("_weighted") / pl.col("_observed_closed")).cast(pl.Float64),
        bound_low=_share("positive_in_window", "closed_trajectories"),
        bound_high=pl.when(pl.col("closed_trajectories") > 0).then(
            (pl.col("positive_in_window") + pl.col("closed_trajectories") - pl.col("responses_in_window")).cast(pl.Float64)
            / pl.col("closed_trajectories")
        ).cast(pl.Float64),
    )
    return _finish(out, COLUMNS, keys)
