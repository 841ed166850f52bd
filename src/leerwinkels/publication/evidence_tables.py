"""The grade of the published `evidence_assumptions` (issue 16; EVIDENCE.md): computed again
from the published figures, so that it says nothing the published figures do not.

The exact table grades the exact n, response rate, interval and SROI ratios: published next to
a perturbed n, a grade reveals what the noise hides (every row published with n = 0 but graded
"indications" had an exact n >= 1). The publication grades, with the same rubric
(src/leerwinkels/evidence/grading.py): the published n, the width of the published interval,
the response rate of the published counts of `ind_outcome_bounds` (responses in the window /
closed trajectories) and, for A4, the published ratios and cost flag of `ind_sroi`. The
warehouse's exact `evidence_assumptions` keeps the exact grade.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

KEYS = ["leerwinkel", "year"]


def published_grades(frame: pl.DataFrame, published: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """``frame`` (the published `evidence_assumptions`: perturbed n, intervals from the perturbed
    counts) with `grade` computed again from the published figures (``Table.derive``)."""
    from leerwinkels.evidence import grading
    from leerwinkels.evidence.parameters import load_parameters

    missing = [n for n in ("ind_outcome_bounds", "ind_sroi") if n not in published]
    if missing:
        raise ValueError(f"evidence_assumptions: its grade is published from {missing}: publish them with it")
    params = load_parameters()
    versions = sorted(map(str, frame.get_column("rubric_version").unique().to_list()))
    if any(v != params.version for v in versions):
        raise ValueError(
            f"evidence_assumptions: graded with rubric version(s) {versions}, the rubric file is "
            f"{params.version}: rebuild the evidence tables before publishing"
        )
    dtypes = {k: frame.schema[k] for k in KEYS}
    bounds = published["ind_outcome_bounds"]
    rate = bounds.select(
        *[pl.col(k).cast(dtypes[k]) for k in KEYS],
        pl.when(pl.col("closed_trajectories") > 0)
        .then((pl.col("responses_in_window") / pl.col("closed_trajectories")).clip(0.0, 1.0))
        .alias("__rate"),
    )
    sroi = published["ind_sroi"].select(
        *[pl.col(k).cast(dtypes[k]) for k in KEYS],
        pl.col("sroi_ratio").alias("__central"), pl.col("sroi_ratio_low").alias("__low"),
        pl.col("sroi_ratio_high").alias("__high"), pl.col("cost_complete").alias("__cost_complete"),
    )
    joined = (
        frame.join(rate, on=KEYS, how="left", maintain_order="left")
        .join(sroi, on=KEYS, how="left", maintain_order="left")
    )
    grade = grading.grade(
        params, pl.col("assumption"), pl.col("n"), pl.col("__rate"), pl.col("ci_high") - pl.col("ci_low"),
        pl.col("__low"), pl.col("__central"), pl.col("__high"), pl.col("__cost_complete"),
    )
    return frame.with_columns(joined.select(grade.alias("grade")))


__all__ = ["published_grades"]
