"""Role ``costs``: the network's yearly costs per Leerwinkel (for the SROI)."""

from __future__ import annotations

import polars as pl

from leerwinkels.ingest import parsing as p
from leerwinkels.ingest.fields import Context, combine_sheets, header_of, int_of, label_of, number_of
from leerwinkels.ingest.roles.base import Earlier, RoleOutput, RoleSheets, fate_rows
from leerwinkels.ingest.rules import FATE, mark_duplicate_ids, with_fate
from leerwinkels.ingest.source_specs import SheetSpec, display_names
from leerwinkels.ingest.staged_tables import conform


def stage_costs(sheets, sheet_spec: SheetSpec, ctx: Context):
    frame = combine_sheets(sheets, sheet_spec)
    names = {p.label_key_py(name): code for name, code in display_names().items()}
    frame = frame.with_columns(
        label_of("leerwinkel_name").replace_strict(names, default=None, return_dtype=pl.String).alias("leerwinkel"),
        int_of("year").cast(pl.Int32, strict=False).alias("_year"),
    ).with_columns(pl.concat_str([pl.col("leerwinkel"), pl.col("_year").cast(pl.String)], separator=":").alias("_id"))
    frame = mark_duplicate_ids(frame)
    frame = with_fate(frame, [
        ("missing_id", pl.col("_year").is_null(), header_of(sheet_spec, "year"), "year is empty or not a whole number"),
        ("duplicate_id", pl.col("_dup_id"), header_of(sheet_spec, "year"), "an earlier row has the same Leerwinkel and year with other values"),
        ("unlinked", pl.col("leerwinkel").is_null(), header_of(sheet_spec, "leerwinkel_name"), "Leerwinkel name is not one of the six display names"),
    ])
    loaded = frame.filter(pl.col(FATE) == "loaded")
    costs = loaded.select(
        "leerwinkel", pl.col("_year").alias("year"),
        number_of("staff_cost").alias("staff_cost"),
        number_of("operating_cost").alias("operating_cost"),
        number_of("fte").alias("fte"),
    )
    return frame, conform(costs, "costs")


def stage(sheets: RoleSheets, ctx: Context, earlier: Earlier) -> RoleOutput:
    frame, costs = stage_costs(sheets.raws, sheets.sheet_spec, ctx)
    return RoleOutput(fates=[fate_rows(frame)], tables={"costs": [costs]})
