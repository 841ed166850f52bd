"""Role ``contact_rows`` (Gent): one row per contact; the trajectory is built from its rows."""

from __future__ import annotations

import polars as pl

from leerwinkels.ingest import parsing as p
from leerwinkels.ingest.fields import (
    CODE_FIELDS,
    Context,
    code_of,
    combine_sheets,
    contact_minutes,
    date_of,
    datetime_of,
    header_of,
    number_of,
)
from leerwinkels.ingest.readers import ROW
from leerwinkels.ingest.roles.base import Earlier, RoleOutput, RoleSheets, fate_rows, trajectory_places
from leerwinkels.ingest.roles.persons import person_fields, with_age
from leerwinkels.ingest.roles.trajectories import status_expr, trajectory_model, trajectory_rules
from leerwinkels.ingest.rules import COLUMN, FATE, FILE, MESSAGE, RULE, SHEET, rule_chain, with_fate
from leerwinkels.ingest.source_specs import FileSpec, SheetSpec
from leerwinkels.ingest.staged_tables import conform
from leerwinkels.ingest.unmapped import status_unmapped_fields, unmapped_labels


def stage_contact_rows(sheets, sheet_spec: SheetSpec, file_spec: FileSpec, ctx: Context):
    """Gent: one row per contact. A row with an empty id or unreadable contact date is
    quarantined; the trajectory is built from the rows that remain: intake = first contact,
    the latest row holds the current value of every field (``current_values: latest_contact``),
    referrals dated by their contact."""
    if sheet_spec.current_values != "latest_contact":  # the only way a contact_rows sheet is read so far
        raise ValueError(f"current_values {sheet_spec.current_values!r}: only latest_contact is implemented")
    frame = combine_sheets(sheets, sheet_spec)
    frame = frame.with_columns(
        p.clean_text(pl.col("trajectory_id")).alias("_id"),
        datetime_of("contact_date").alias("_contact_at"),
        pl.int_range(pl.len()).alias("_order"),
    )
    row_rules = [
        ("missing_id", pl.col("_id").is_null(), header_of(sheet_spec, "trajectory_id"), "trajectory id is empty"),
        ("bad_date", pl.col("_contact_at").is_null(), header_of(sheet_spec, "contact_date"), "contact date is missing or not a readable date"),
    ]
    frame = with_fate(frame, row_rules)
    # The latest row of each trajectory, found on three columns and then gathered whole: sorting
    # and grouping every column copied the delivery twice (at 1,000,000 trajectories Gent's
    # 880,000 rows: ~1 GB above the frame itself).
    picked = (
        frame.lazy().filter(pl.col(FATE) == "loaded").select("_id", "_contact_at", "_order")
        .sort("_contact_at", "_order").group_by("_id", maintain_order=True).agg(
            pl.col("_order").last().alias("_latest"), pl.col("_contact_at").min().dt.date().alias("intake_date_parsed"))
        .collect()
    )
    latest = frame.drop("_contact_at", "_order")[picked.get_column("_latest")].with_columns(
        picked.get_column("intake_date_parsed"))
    latest = latest.with_columns(
        p.clean_text(pl.col("closed_date")).alias("_closed_text"),
        date_of("closed_date").alias("closed_date_parsed"),
    )
    latest = with_age(person_fields(latest, ctx.spec, sheet_spec, False))
    whole_trajectory_rules = [r for r in trajectory_rules(sheet_spec, ctx) if r[0] != "missing_id"]
    verdict = latest.with_columns(rule_chain(whole_trajectory_rules)).select("_id", pl.col(RULE).alias("_t_rule"), pl.col(COLUMN).alias("_t_col"), pl.col(MESSAGE).alias("_t_msg"))
    # the verdict of each row's trajectory, in the rows' order (a join of every column would copy the delivery)
    verdicts = frame.select("_id").join(verdict, on="_id", how="left", maintain_order="left").drop("_id")
    frame = frame.with_columns(verdicts).with_columns(
        pl.when((pl.col(FATE) == "loaded") & pl.col("_t_rule").is_not_null()).then(pl.lit("quarantined")).otherwise(pl.col(FATE)).alias(FATE),
        *[pl.when((pl.col(FATE) == "loaded") & pl.col("_t_rule").is_not_null()).then(pl.col(t)).otherwise(pl.col(c)).alias(c)
          for c, t in ((RULE, "_t_rule"), (COLUMN, "_t_col"), (MESSAGE, "_t_msg"))],
    )
    if not frame.get_column(ROW).is_sorted():  # rows of several sheets: in row-number order, as before
        frame = frame.sort(ROW, maintain_order=True)
    good = latest.join(verdict.filter(pl.col("_t_rule").is_null()), on="_id", how="semi")
    good = good.with_columns(status_expr(good, sheet_spec, ctx.spec).alias("status"))
    trajectories = trajectory_model(good, sheet_spec, ctx, pl.col("_id"))
    used = [c for c in ("_id", "_contact_at", "contact_type", "minutes", "referrals", FILE, SHEET, ROW) if c in frame.columns]
    rows = frame.lazy().filter(pl.col(FATE) == "loaded").select(used).collect().join(trajectories.select("_id", "trajectory_key"), on="_id", how="inner")
    contacts = rows.select(
        "trajectory_key", pl.col("_contact_at").dt.date().alias("contact_date"),
        pl.coalesce(code_of("contact_type", ctx.spec, "contact_type"), pl.lit("unknown")).alias("contact_type"),
        contact_minutes(number_of("minutes")).alias("minutes"),
    )
    referral_rows = rows.filter(p.clean_text(pl.col("referrals")).is_not_null())
    referrals = referral_rows.select(
        "trajectory_key", pl.col("_contact_at").dt.date().alias("referral_date"),
        pl.coalesce(code_of("referrals", ctx.spec, "destination"), pl.lit("unknown")).alias("destination"),
    )
    unmapped = pl.concat([
        unmapped_labels(rows, ctx.spec, [("contact_type", "contact_type")]),
        unmapped_labels(referral_rows.rename({"referrals": "destination"}), ctx.spec, [("destination", "destination")]),
    ])
    return frame, trajectories, conform(contacts, "contacts"), conform(referrals, "referrals"), unmapped


def stage(sheets: RoleSheets, ctx: Context, earlier: Earlier) -> RoleOutput:
    frame, trajectories, contacts, referrals, unmapped = stage_contact_rows(sheets.raws, sheets.sheet_spec, sheets.file_spec, ctx)
    out = RoleOutput(fates=[fate_rows(frame)], tables={"trajectories": [trajectories], "contacts": [contacts], "referrals": [referrals],
                                                      "trajectory_places": [trajectory_places(trajectories)]})
    coded = [(f, f) for f in CODE_FIELDS if f in sheets.sheet_spec.columns] + status_unmapped_fields(sheets.sheet_spec)
    out.unmapped += [unmapped, unmapped_labels(frame, ctx.spec, coded, where=pl.col(FATE) == "loaded")]
    if "_nn" in trajectories.columns:  # a contact_rows sheet without national numbers has none invalid
        out.count(sheets.raws[0], "invalid_national_numbers", trajectories.filter(pl.col("_nn").is_not_null() & ~pl.col("_nn_valid")).height)
    return out
