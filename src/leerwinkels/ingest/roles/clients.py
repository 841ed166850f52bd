"""Role ``clients``: one row per client (West-Vlaanderen), joined to trajectories by client id."""

from __future__ import annotations

import polars as pl

from leerwinkels.ingest import parsing as p
from leerwinkels.ingest.fields import CODE_FIELDS, Context, code_of, combine_sheets, header_of, postcode_of
from leerwinkels.ingest.readers import RawSheet
from leerwinkels.ingest.roles.base import Earlier, RoleOutput, RoleSheets, fate_rows, invalid_national_number
from leerwinkels.ingest.roles.persons import client_keys, person_fields
from leerwinkels.ingest.rules import FATE, mark_duplicate_ids, with_fate
from leerwinkels.ingest.source_specs import FileSpec, SheetSpec
from leerwinkels.ingest.unmapped import unmapped_labels

# ---------------------------------------------------------------- roles


def stage_clients(sheets: list[RawSheet], sheet_spec: SheetSpec, file_spec: FileSpec, ctx: Context) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    frame = combine_sheets(sheets, sheet_spec)
    frame = frame.with_columns(p.clean_text(pl.col("client_id")).alias("_id"))
    frame = mark_duplicate_ids(frame)
    frame = with_fate(frame, [
        ("missing_id", pl.col("_id").is_null(), header_of(sheet_spec, "client_id"), "client id is empty"),
        ("duplicate_id", pl.col("_dup_id"), header_of(sheet_spec, "client_id"), "an earlier row has the same client id with other values"),
    ])
    frame = person_fields(frame, ctx.spec, sheet_spec, file_spec.excel_serial_dates)
    codes = [pl.coalesce(code_of(f, ctx.spec, f), pl.lit("unknown")).alias(f) for f in CODE_FIELDS if f in frame.columns]
    loaded = frame.filter(pl.col(FATE) == "loaded")
    unmapped = unmapped_labels(loaded, ctx.spec, [(f, f) for f in CODE_FIELDS if f in loaded.columns])
    postcode = postcode_of("postcode") if "postcode" in loaded.columns else pl.lit(None, pl.String)
    loaded = client_keys(loaded.with_columns(*codes, postcode.alias("postcode")), ctx, pl.col("_id"))
    return frame, loaded, unmapped


def stage(sheets: RoleSheets, ctx: Context, earlier: Earlier) -> RoleOutput:
    frame, clients, unmapped = stage_clients(sheets.raws, sheets.sheet_spec, sheets.file_spec, ctx)
    earlier.clients = clients
    return RoleOutput(fates=[fate_rows(frame, invalid_national_number(frame))], unmapped=[unmapped])
