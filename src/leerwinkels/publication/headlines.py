"""The headline series a reader looks at first, taken from the PUBLISHED (protected) frames
(the CSV files, ``pub_*``): the workbook's chart sheet and the impact report draw them, and
the report asset shows them as metadata (issue 18). Pure polars, no I/O.

Never give these functions the exact ``ind_*`` frames: every figure must be one the
publication holds.
"""

from __future__ import annotations

import polars as pl

NETWORK = "all"


def network_reach(reach: pl.DataFrame) -> pl.DataFrame:
    """year, new_trajectories, clients_reached, share_vulnerable of the network, per year."""
    return (
        reach.filter(pl.col("leerwinkel") == NETWORK)
        .select("year", "new_trajectories", "clients_reached", "share_vulnerable")
        .sort("year")
    )


def new_trajectories_by_leerwinkel(reach: pl.DataFrame) -> pl.DataFrame:
    """leerwinkel, year, new_trajectories of each Leerwinkel (not the network row)."""
    return (
        reach.filter(pl.col("leerwinkel") != NETWORK)
        .select("leerwinkel", "year", "new_trajectories")
        .sort("leerwinkel", "year")
    )


def network_sroi(sroi: pl.DataFrame) -> pl.DataFrame:
    """year, sroi_ratio_low, sroi_ratio, sroi_ratio_high of the network, for the years
    with a ratio (a year without a cost row has none)."""
    return (
        sroi.filter((pl.col("leerwinkel") == NETWORK) & pl.col("sroi_ratio").is_not_null())
        .select("year", "sroi_ratio_low", "sroi_ratio", "sroi_ratio_high")
        .sort("year")
    )


__all__ = ["NETWORK", "network_reach", "network_sroi", "new_trajectories_by_leerwinkel"]
