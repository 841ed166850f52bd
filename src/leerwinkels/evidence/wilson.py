"""The Wilson score interval of a share k / n (95 %: z = 1.959964), as polars expressions.

Wilson rather than the normal approximation: it stays inside [0, 1] and is honest for the
small n and the shares near 0 or 1 that a Leerwinkel-year gives. Null when n = 0 (or null).
"""

from __future__ import annotations

import polars as pl

Z_95 = 1.959964


def wilson_bounds(successes: pl.Expr, n: pl.Expr, z: float = Z_95) -> tuple[pl.Expr, pl.Expr]:
    """(low, high) of the Wilson interval of ``successes / n``; both null where n is 0 or null."""
    n_f = n.cast(pl.Float64)
    p = successes.cast(pl.Float64) / n_f
    z2 = z * z
    denominator = 1.0 + z2 / n_f
    centre = (p + z2 / (2.0 * n_f)) / denominator
    half = z * ((p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt()) / denominator
    valid = n_f > 0
    low = pl.when(valid).then((centre - half).clip(0.0, 1.0))
    high = pl.when(valid).then((centre + half).clip(0.0, 1.0))
    return low, high


def with_share_and_interval(frame: pl.DataFrame | pl.LazyFrame, successes: str, n: str, share: str):
    """``share``, ``<share>_low``, ``<share>_high`` added: successes / n with its Wilson interval."""
    low, high = wilson_bounds(pl.col(successes), pl.col(n))
    return frame.with_columns(
        pl.when(pl.col(n) > 0).then(pl.col(successes).cast(pl.Float64) / pl.col(n)).cast(pl.Float64).alias(share),
        low.cast(pl.Float64).alias(f"{share}_low"),
        high.cast(pl.Float64).alias(f"{share}_high"),
    )
