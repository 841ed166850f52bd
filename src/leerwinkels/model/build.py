"""The model step: the staged Leerwinkels together as one network model, the survey linked to
its trajectories, and the data-quality tables of the run."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from leerwinkels.ingest.delivery_guard import STAGE_INFO, STATE_ACCEPTED, STATE_CURRENT, STATE_MISSING
from leerwinkels.ingest.source_specs import LEERWINKELS, NETWORK_FOLDER, all_specs
from leerwinkels.ingest.staged_tables import SCHEMAS, conform, empty

INTERNAL_COLUMNS = ("link_key",)

FOLLOWUP_COLUMNS = [
    "trajectory_key", "response_date", "training_started", "situation", "qualification",
    "insight_labour_market", "insight_strengths", "insight_barriers", "insight_learning", "satisfaction",
]


def _concat(staged: dict[str, dict[str, pl.DataFrame]], table: str) -> pl.DataFrame:
    frames = [conform(parts[table], table) for parts in staged.values() if parts and table in parts]
    return pl.concat(frames) if frames else empty(table)


def _survey_header() -> str:
    for file_spec in all_specs()[NETWORK_FOLDER].files:
        for sheet in file_spec.sheets:
            if sheet.role == "survey":
                return sheet.columns["trajectory_id"]
    return "Dossiernummer"


def link_survey(survey: pl.DataFrame, trajectories: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Link responses on Leerwinkel + Dossiernummer; the latest response per trajectory counts.

    Returns (followups, quarantine rows for unlinked responses, per file/sheet counts of
    loaded / quarantined / superseded responses).
    """
    linked = survey.join(trajectories.select("link_key", "trajectory_key"), on="link_key", how="left")
    unlinked = linked.filter(pl.col("trajectory_key").is_null())
    kept = linked.filter(pl.col("trajectory_key").is_not_null()).sort("response_date", "row_number", nulls_last=False)
    latest = kept.group_by("trajectory_key", maintain_order=True).last()
    superseded = kept.join(latest.select("file_name", "sheet", "row_number"), on=["file_name", "sheet", "row_number"], how="anti")
    quarantine = unlinked.select(
        pl.lit(NETWORK_FOLDER).alias("leerwinkel"), "file_name", "sheet", "row_number",
        pl.lit("unlinked").alias("rule"), pl.lit(_survey_header()).alias("column"),
        pl.lit("names no loaded trajectory (Leerwinkel + Dossiernummer)").alias("message"),
    )
    counts = pl.concat([
        latest.select("file_name", "sheet", pl.lit("loaded").alias("fate")),
        unlinked.select("file_name", "sheet", pl.lit("quarantined").alias("fate")),
        superseded.select("file_name", "sheet", pl.lit("duplicate").alias("fate")),
    ]).group_by("file_name", "sheet").agg(
        (pl.col("fate") == "loaded").sum().alias("loaded"),
        (pl.col("fate") == "quarantined").sum().alias("quarantined"),
        (pl.col("fate") == "duplicate").sum().alias("duplicate"),
    )
    followups = latest.with_columns(pl.col("response_date").dt.date()).select(FOLLOWUP_COLUMNS).sort("trajectory_key")
    return followups, conform(quarantine, "quarantine"), counts


def with_days_after_closing(followups: pl.DataFrame, trajectories: pl.DataFrame) -> pl.DataFrame:
    """``days_after_closing`` (issue 16, EVIDENCE.md): the response date minus the trajectory's
    closing date in days; null for an open trajectory or a response without date."""
    closing = trajectories.select("trajectory_key", pl.col("closed_date").alias("_closed_date"))
    return followups.join(closing, on="trajectory_key", how="left").with_columns(
        days_after_closing=(pl.col("response_date") - pl.col("_closed_date")).dt.total_days().cast(pl.Int64)
    ).drop("_closed_date").sort("trajectory_key")


def build_clients(trajectories: pl.DataFrame) -> pl.DataFrame:
    return (
        trajectories.group_by("client_key")
        .agg(
            pl.col("leerwinkel").n_unique().cast(pl.Int64).alias("leerwinkels"),
            pl.col("intake_date").min().alias("first_intake_date"),
            pl.len().cast(pl.Int64).alias("trajectories"),
        )
        .sort("client_key")
    )


def build_model(staged: dict[str, dict[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    """All model tables (with the internal link key still on trajectories) and the survey's
    accounting, from the staged partitions."""
    trajectories = _concat(staged, "trajectories").sort("leerwinkel", "intake_date", "trajectory_key")
    followups, unlinked, survey_counts = link_survey(_concat(staged, "survey"), trajectories)
    followups = with_days_after_closing(followups, trajectories)
    return {
        "trajectories": trajectories,
        "contacts": _concat(staged, "contacts").sort("trajectory_key", "contact_date", "contact_type"),
        "contact_events": _concat(staged, "contact_events"),
        "referrals": _concat(staged, "referrals").sort("trajectory_key", "referral_date", "destination"),
        "followups": followups,
        "clients": build_clients(trajectories),
        "costs": _concat(staged, "costs").sort("leerwinkel", "year"),
        "_survey_quarantine": unlinked,
        "_survey_counts": survey_counts,
    }


def build_quality(
    staged: dict[str, dict[str, pl.DataFrame]],
    survey_quarantine: pl.DataFrame,
    survey_counts: pl.DataFrame,
    stale: dict[str, dict[str, str]],
    as_of: date,
    freshness_days: int,
) -> dict[str, pl.DataFrame]:
    """dq_source_files, dq_quarantine, dq_unmapped_values and dq_deliveries for the run.

    ``stale`` names the Leerwinkels whose new delivery could not be used, with the reason:
    their last good staged data is in the model instead.
    """
    source_files = _concat(staged, "source_files")
    if survey_counts.height:
        source_files = source_files.join(survey_counts, on=["file_name", "sheet"], how="left").with_columns(
            pl.when(pl.col("loaded").is_not_null()).then(pl.col("loaded")).otherwise(pl.col("rows_loaded")).alias("rows_loaded"),
            pl.when(pl.col("loaded").is_not_null()).then(pl.col("quarantined")).otherwise(pl.col("rows_quarantined")).alias("rows_quarantined"),
            (pl.col("rows_duplicate") + pl.col("duplicate").fill_null(0)).alias("rows_duplicate"),
        ).drop("loaded", "quarantined", "duplicate")
    quarantine = pl.concat([_concat(staged, "quarantine"), survey_quarantine]).sort("leerwinkel", "file_name", "sheet", "row_number")
    unmapped = _concat(staged, "unmapped").sort("leerwinkel", "column", "value")
    deliveries = _deliveries(staged, stale, as_of, freshness_days)
    return {
        "dq_source_files": source_files.sort("leerwinkel", "file_name", "sheet"),
        "dq_quarantine": quarantine,
        "dq_unmapped_values": unmapped,
        "dq_deliveries": deliveries,
    }


def _deliveries(staged, stale: dict[str, dict[str, str]], as_of: date, freshness_days: int) -> pl.DataFrame:
    """dq_deliveries: the files of the staged data each Leerwinkel is on, with this run's
    ``state`` of its delivery (DELIVERIES.md): ``current`` or ``accepted`` (by a steward) when the
    delivery was used, else ``missing``, ``arriving``, ``unreadable`` or ``held`` (then ``stale``:
    the rows describe the last good data, ``stale_reason`` says why the new delivery was not used)."""
    rows = _concat(staged, "deliveries")
    known = set(rows.get_column("leerwinkel").to_list())
    never = [
        {"leerwinkel": code, "pattern": None, "file_name": None, "modified_time": None, "status": "missing",
         "message": stale[code]["message"] if code in stale else "no staged data for this Leerwinkel yet"}
        for code in (*LEERWINKELS, NETWORK_FOLDER) if code not in known
    ]
    if never:
        rows = pl.concat([rows, conform(pl.DataFrame(never, schema=SCHEMAS["deliveries"]), "deliveries")])
    info = _stage_infos(staged)
    state = {code: (STATE_ACCEPTED if accepted else STATE_CURRENT) for code, accepted, _ in info.iter_rows()}
    state |= {code: STATE_MISSING for code in (*LEERWINKELS, NETWORK_FOLDER) if code not in state}
    state |= {code: failure["state"] for code, failure in stale.items()}
    reason = {code: failure["message"] + ("; using the last good data" if code in known else "; no earlier data to fall back on")
              for code, failure in stale.items()}
    reason |= {code: f"{accepted}" for code, accepted, _ in info.iter_rows() if accepted and code not in stale}
    limit = pl.lit(as_of - timedelta(days=freshness_days))
    stale_expr = pl.col("leerwinkel").is_in(list(stale))
    return rows.with_columns(
        pl.col("leerwinkel").replace_strict(state, default=STATE_MISSING, return_dtype=pl.String).alias("state"),
        (pl.col("status") == "missing").alias("missing"),
        ((pl.col("status") == "current") & (pl.col("modified_time").dt.date() < limit)).alias("older_than_limit"),
        pl.lit(freshness_days, pl.Int64).alias("freshness_limit_days"),
        stale_expr.alias("stale"),
        pl.when(stale_expr).then(pl.col("leerwinkel").replace_strict(reason, default=None, return_dtype=pl.String)).alias("stale_reason"),
        pl.col("leerwinkel").replace_strict(reason, default=None, return_dtype=pl.String).alias("state_reason"),
        pl.col("leerwinkel").replace_strict(dict(info.select("leerwinkel", "staged_at").iter_rows()), default=None,
                                            return_dtype=pl.Datetime("us")).alias("data_staged_at"),
    ).sort("leerwinkel", "pattern", "status", nulls_last=True)


def _stage_infos(staged) -> pl.DataFrame:
    """leerwinkel, accepted_by_steward, staged_at of every staged partition that records them."""
    frames = [parts[STAGE_INFO].select("leerwinkel", "accepted_by_steward", "staged_at")
              for parts in staged.values() if parts and STAGE_INFO in parts]
    return pl.concat(frames) if frames else pl.DataFrame(schema={"leerwinkel": pl.String, "accepted_by_steward": pl.String, "staged_at": pl.Datetime("us")})
