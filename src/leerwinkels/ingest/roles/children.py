"""Roles ``contacts`` and ``referrals`` on a sheet of their own, pointing at trajectories by id."""

from __future__ import annotations

import polars as pl

from leerwinkels.ingest import parsing as p
from leerwinkels.ingest.fields import Context, code_of, combine_sheets, contact_minutes, date_of, header_of, number_of
from leerwinkels.ingest.roles.base import Earlier, RoleOutput, RoleSheets, fate_rows
from leerwinkels.ingest.rules import FATE, with_fate
from leerwinkels.ingest.source_specs import FileSpec, SheetSpec
from leerwinkels.ingest.staged_tables import conform
from leerwinkels.ingest.unmapped import unmapped_labels


def stage_children(sheets, sheet_spec: SheetSpec, file_spec: FileSpec, ctx: Context, links: pl.DataFrame, kind: str):
    """Contacts or referrals on a sheet of their own, pointing at trajectories by id."""
    frame = combine_sheets(sheets, sheet_spec)
    date_field = "contact_date" if kind == "contacts" else "referral_date"
    serial = file_spec.excel_serial_dates
    frame = frame.with_columns(
        p.clean_text(pl.col("trajectory_id")).alias("_id"),
        p.clean_text(pl.col(date_field)).alias("_date_text"),
        date_of(date_field, serial).alias("_date"),
    ).with_columns(pl.col("_id").str.to_uppercase().alias("_link"))
    frame = frame.join(links, on="_link", how="left")
    # A referral may come without a date (dated later, see INDICATORS.md); a contact may not.
    date_missing = pl.col("_date").is_null() if kind == "contacts" else pl.col("_date_text").is_not_null() & pl.col("_date").is_null()
    frame = with_fate(frame, [
        ("missing_id", pl.col("_id").is_null(), header_of(sheet_spec, "trajectory_id"), "trajectory id is empty"),
        ("bad_date", date_missing, header_of(sheet_spec, date_field), "date is missing or not a readable date"),
        ("orphan", pl.col("trajectory_key").is_null(), header_of(sheet_spec, "trajectory_id"), "points at a trajectory id that was not loaded"),
    ])
    loaded = frame.filter(pl.col(FATE) == "loaded")
    if kind == "contacts":
        minutes = contact_minutes(number_of("minutes", file_spec.decimal_comma) * sheet_spec.minutes_per_unit) if "minutes" in loaded.columns else pl.lit(None, pl.Float64)
        table = loaded.select(
            "trajectory_key", pl.col("_date").alias("contact_date"),
            pl.coalesce(code_of("contact_type", ctx.spec, "contact_type"), pl.lit("unknown")).alias("contact_type"),
            minutes.alias("minutes"),
        )
        unmapped = unmapped_labels(loaded, ctx.spec, [("contact_type", "contact_type")])
    else:
        table = loaded.select(
            "trajectory_key",
            pl.coalesce("_date", "closed_date", "intake_date").alias("referral_date"),
            pl.coalesce(code_of("destination", ctx.spec, "destination"), pl.lit("unknown")).alias("destination"),
        )
        unmapped = unmapped_labels(loaded, ctx.spec, [("destination", "destination")])
    return frame, conform(table, kind), unmapped


def _stager(kind: str):
    def stage(sheets: RoleSheets, ctx: Context, earlier: Earlier) -> RoleOutput:
        frame, table, unmapped = stage_children(sheets.raws, sheets.sheet_spec, sheets.file_spec, ctx, earlier.link_frame(), kind)
        return RoleOutput(fates=[fate_rows(frame)], tables={kind: [table]}, unmapped=[unmapped])
    return stage


stage_contacts = _stager("contacts")
stage_referrals = _stager("referrals")
