"""The frames one Leerwinkel's staging hands to the model: their columns and types, and the
quarantine rules in MODEL.md's order."""

from __future__ import annotations

import polars as pl

from leerwinkels.contract.tables import BY_NAME

# Rules in MODEL.md's order: where several apply, the first is recorded.
RULES = ("missing_id", "bad_date", "date_order", "future_date", "age_out_of_range", "duplicate_id", "orphan", "unlinked")
# Staged frames that are catalogue tables (model tables, or the quality tables they become) take
# their columns from the catalogue: staged frame name -> catalogue table.
FROM_CATALOGUE = {
    "trajectories": "trajectories",
    "contacts": "contacts",
    "contact_events": "contact_events",
    "referrals": "referrals",
    "costs": "costs",
    "source_files": "dq_source_files",
    "quarantine": "dq_quarantine",
    "unmapped": "dq_unmapped_values",
}
# Frames that exist only between staging and the model step (no table of their own): the survey
# rows before they are linked to trajectories, and the delivery guard's verdicts before the
# model step adds freshness (dq_deliveries).
STAGE_ONLY: dict[str, dict[str, pl.DataType]] = {
    "survey": {
        "file_name": pl.String(), "sheet": pl.String(), "row_number": pl.Int64(), "leerwinkel": pl.String(),
        "link_key": pl.String(), "response_date": pl.Datetime("us"), "training_started": pl.String(),
        "situation": pl.String(), "qualification": pl.Boolean(), "insight_labour_market": pl.Int32(),
        "insight_strengths": pl.Int32(), "insight_barriers": pl.Int32(), "insight_learning": pl.Int32(),
        "satisfaction": pl.Int32(),
    },
    "deliveries": {
        "leerwinkel": pl.String(), "pattern": pl.String(), "file_name": pl.String(), "modified_time": pl.Datetime("us"),
        "status": pl.String(), "message": pl.String(), "ignored_sheets": pl.String(),
    },
    # issue 20 (data-quality feedback): where each loaded trajectory lies in the delivery (so that a
    # Leerwinkel finds a forgotten dossier or a late registration: file, sheet, row as it sees them)
    # and whether its national number was valid (null: the source has no national number column)
    "trajectory_places": {
        "trajectory_key": pl.String(), "file_name": pl.String(), "sheet": pl.String(), "row_number": pl.Int64(),
        "national_number_valid": pl.Boolean(),
    },
}
_ORDER = ("trajectories", "contacts", "contact_events", "referrals", "survey", "costs", "source_files", "quarantine", "unmapped", "deliveries",
          "trajectory_places")
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    frame: dict(BY_NAME[FROM_CATALOGUE[frame]].schema) if frame in FROM_CATALOGUE else STAGE_ONLY[frame] for frame in _ORDER
}


def empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[table])


def conform(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    schema = SCHEMAS[table]
    return frame.select([pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c) for c, t in schema.items()])
