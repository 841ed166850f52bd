"""`ind_sroi_sensitivity`: the tornado (SROI.md, "Sensitivity").

One parameter at a time moves across its range, the rest stays central: each outcome's
proxy by -/+ `tornado.proxy_change` (25 %), deadweight and attribution across the
`sensitivity` low-high range, displacement, drop-off and the discount rate across their
`tornado` ranges, the duration across `tornado.duration_years` (1-3 years). Every end's
ratio is the present value (the outcomes' cent-rounded present values summed, as
`ind_sroi`) over the cost of `ind_sroi`; `ratio_low` is the lower of the two ends and
`ratio_high` the higher, so each range contains the central ratio (the value moves one
way with each parameter).
"""

from __future__ import annotations

import polars as pl

from leerwinkels.sroi.parameters import OUTCOMES, SroiParameters
from leerwinkels.sroi.value import Variant, present_values

KEYS = ["leerwinkel", "year"]


def tornado_variants(params: SroiParameters) -> list[tuple[str, Variant, Variant]]:
    """(parameter, one end, other end) in the tornado's order."""
    assert params.tornado is not None
    t = params.tornado
    ends: list[tuple[str, Variant, Variant]] = [
        (f"proxy:{o}", Variant(proxy_factor={o: 1 - t.proxy_change}), Variant(proxy_factor={o: 1 + t.proxy_change}))
        for o in OUTCOMES
    ]
    ends += [
        ("deadweight", Variant(deadweight=params.low.deadweight), Variant(deadweight=params.high.deadweight)),
        ("attribution", Variant(attribution=params.low.attribution), Variant(attribution=params.high.attribution)),
        ("displacement", Variant(displacement=t.displacement.low), Variant(displacement=t.displacement.high)),
        ("drop_off", Variant(drop_off=t.drop_off.low), Variant(drop_off=t.drop_off.high)),
        ("discount_rate", Variant(discount_rate=t.discount_rate.low), Variant(discount_rate=t.discount_rate.high)),
        ("duration_years", Variant(duration_years=t.duration_years[0]), Variant(duration_years=t.duration_years[1])),
    ]
    return ends


def build_sroi_sensitivity(sroi_inputs: pl.DataFrame, ind_sroi: pl.DataFrame, params: SroiParameters) -> pl.DataFrame:
    """leerwinkel, year, parameter, ratio_low, ratio_high, parameter_version: every row of
    ``ind_sroi`` x every parameter of the tornado; the ratios null where `ind_sroi` has no
    ratio (no cost)."""
    inputs = sroi_inputs.with_columns(pl.col("year").cast(pl.Int64))
    cost = ind_sroi.select(*KEYS, "cost_eur").with_columns(pl.col("year").cast(pl.Int64))
    variants = tornado_variants(params)

    def ratio(variant: Variant, name: str) -> pl.DataFrame:
        return (
            present_values(inputs, params, variant)
            .join(cost, on=KEYS, how="right")
            .select(*KEYS, pl.when(pl.col("cost_eur") > 0)
                    .then(pl.col("present_value_eur") / pl.col("cost_eur")).alias(name))
        )

    frames = []
    for order, (parameter, one, other) in enumerate(variants):
        ends = ratio(one, "__one").join(ratio(other, "__other"), on=KEYS, how="left")
        frames.append(ends.select(
            *KEYS,
            pl.lit(parameter).alias("parameter"),
            pl.lit(order).alias("__order"),
            pl.min_horizontal("__one", "__other").alias("ratio_low"),
            pl.max_horizontal("__one", "__other").alias("ratio_high"),
        ))
    return (
        pl.concat(frames)
        .sort("leerwinkel", "year", "__order")
        .drop("__order")
        .with_columns(pl.lit(params.version, dtype=pl.String).alias("parameter_version"))
    )


__all__ = ["build_sroi_sensitivity", "tornado_variants"]
