"""The frames one Leerwinkel's staging hands to the model: their columns and types, and the
quarantine rules in MODEL.md's order."""

from __future__ import annotations

import polars as pl

# Rules in MODEL.md's order: where several apply, the first is recorded.
RULES = ("missing_id", "bad_date", "date_order", "future_date", "age_out_of_range", "duplicate_id", "orphan", "unlinked")
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "trajectories": {
        "trajectory_key": pl.String, "client_key": pl.String, "leerwinkel": pl.String,
        "intake_date": pl.Date, "closed_date": pl.Date, "status": pl.String,
        "inflow_channel": pl.String, "learning_question": pl.String, "gender": pl.String,
        "birth_year": pl.Int32, "age_at_intake": pl.Int32, "age_band": pl.String,
        "postcode": pl.String, "education_level": pl.String, "dutch_level": pl.String,
        "labour_status": pl.String, "vulnerable": pl.Boolean, "contacts": pl.Int64,
        "guidance_minutes": pl.Float64, "link_key": pl.String,
    },
    "contacts": {"trajectory_key": pl.String, "contact_date": pl.Date, "contact_type": pl.String, "minutes": pl.Float64},
    "contact_events": {"leerwinkel": pl.String, "trajectory_key": pl.String, "event_date": pl.Date, "contacts": pl.Int64, "minutes": pl.Float64},
    "referrals": {"trajectory_key": pl.String, "referral_date": pl.Date, "destination": pl.String},
    "survey": {
        "file_name": pl.String, "sheet": pl.String, "row_number": pl.Int64, "leerwinkel": pl.String,
        "link_key": pl.String, "response_date": pl.Datetime("us"), "training_started": pl.String,
        "situation": pl.String, "qualification": pl.Boolean, "insight_labour_market": pl.Int32,
        "insight_strengths": pl.Int32, "insight_barriers": pl.Int32, "insight_learning": pl.Int32,
        "satisfaction": pl.Int32,
    },
    "costs": {"leerwinkel": pl.String, "year": pl.Int32, "staff_cost": pl.Float64, "operating_cost": pl.Float64, "fte": pl.Float64},
    "source_files": {
        "leerwinkel": pl.String, "file_name": pl.String, "sheet": pl.String, "sha256": pl.String,
        "modified_time": pl.Datetime("us"), "rows_read": pl.Int64, "rows_loaded": pl.Int64,
        "rows_quarantined": pl.Int64, "rows_duplicate": pl.Int64, "invalid_national_numbers": pl.Int64,
        "values_ignored": pl.Int64, "control_chars_removed": pl.Int64, "run_id": pl.String,
    },
    "quarantine": {
        "leerwinkel": pl.String, "file_name": pl.String, "sheet": pl.String, "row_number": pl.Int64,
        "rule": pl.String, "column": pl.String, "message": pl.String,
    },
    "unmapped": {"leerwinkel": pl.String, "column": pl.String, "value": pl.String, "rows": pl.Int64, "rows_at": pl.String},
    "deliveries": {
        "leerwinkel": pl.String, "pattern": pl.String, "file_name": pl.String, "modified_time": pl.Datetime("us"),
        "status": pl.String, "message": pl.String, "ignored_sheets": pl.String,
    },
}


def empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[table])


def conform(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    schema = SCHEMAS[table]
    return frame.select([pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c) for c, t in schema.items()])
