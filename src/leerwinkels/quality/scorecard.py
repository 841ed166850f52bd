"""``dq_scorecard``: per Leerwinkel and run, how complete, clean and timely its registrations
are, each measure against its target (``dq/targets.yaml``) with a status green / orange / red.

Pure polars over the model (``trajectories``, ``contacts``), the quality tables
(``dq_source_files``, ``dq_unmapped_values``) and what staging kept for this issue (each
trajectory's place and national-number validity, the first-seen ledger). Counts and shares
only: no row of a Leerwinkel leaves here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from leerwinkels.ingest.source_specs import LEERWINKELS, SourceSpec
from leerwinkels.quality.first_seen import late_expr
from leerwinkels.quality.targets import MEASURES, Targets, status_expr

TABLE = "dq_scorecard"
RED_CHECK_PREFIX = "scorecard_not_red_"  # + the Leerwinkel: the WARN check of a Leerwinkel with a measure in red
NETWORK_MEDIAN = "network_median"

#: completeness measure -> (the source fields that deliver it, the model condition "missing")
COMPLETENESS: dict[str, tuple[tuple[str, ...], pl.Expr]] = {
    "missing_gender": (("gender",), pl.col("gender").is_null() | (pl.col("gender") == "unknown")),
    "missing_age": (("birth_date", "birth_year"), pl.col("age_at_intake").is_null()),
    "missing_postcode": (("postcode", "municipality"), pl.col("postcode").is_null()),
    "missing_education_level": (("education_level",), pl.col("education_level").is_null() | (pl.col("education_level") == "unknown")),
    "missing_dutch_level": (("dutch_level",), pl.col("dutch_level").is_null() | (pl.col("dutch_level") == "unknown")),
    "missing_labour_status": (("labour_status",), pl.col("labour_status").is_null() | (pl.col("labour_status") == "unknown")),
    "missing_inflow_channel": (("inflow_channel",), pl.col("inflow_channel").is_null() | (pl.col("inflow_channel") == "unknown")),
    "missing_learning_question": (("learning_question",), pl.col("learning_question").is_null() | (pl.col("learning_question") == "unknown")),
    "missing_national_number": (("national_number",), ~pl.col("national_number_valid").fill_null(False)),
}
PERSON_ROLES = ("trajectories", "clients", "contact_rows")

#: the count columns kept beside the measures (numerators and denominators, so a reader can recount)
COUNTS = ("trajectories", "rows_read", "rows_quarantined", "rows_duplicate", "judged_contacts", "late_contacts",
          "judged_closings", "late_closings", "open_trajectories", "forgotten_dossiers")
#: the share measures other than completeness (whose whole is "trajectories"): measure -> (part, whole) among COUNTS
SHARE_OF: dict[str, tuple[str, str]] = {
    "quarantine_share": ("rows_quarantined", "rows_read"),
    "duplicate_share": ("rows_duplicate", "rows_read"),
    "late_contacts_share": ("late_contacts", "judged_contacts"),
    "late_closings_share": ("late_closings", "judged_closings"),
    "forgotten_dossiers_share": ("forgotten_dossiers", "open_trajectories"),
}


def red_measures(row: Mapping[str, Any]) -> list[str]:
    """The measures in red of one Leerwinkel's scorecard row, in the order of MEASURES."""
    return [m for m in MEASURES if row[f"{m}_status"] == "red"]


def delivered_fields(spec: SourceSpec) -> set[str]:
    """The model fields a Leerwinkel's source descriptions read (a field it does not deliver is not judged)."""
    return {field for f in spec.files for s in f.sheets if s.role in PERSON_ROLES for field in s.columns}


def delivers(fields: dict[str, set[str]]) -> pl.DataFrame:
    """Per Leerwinkel and completeness measure: whether its sources deliver the field."""
    return pl.DataFrame(
        [{"leerwinkel": lw, **{m: bool(set(src) & fields.get(lw, set())) for m, (src, _) in COMPLETENESS.items()}} for lw in LEERWINKELS],
        schema={"leerwinkel": pl.String, **dict.fromkeys(COMPLETENESS, pl.Boolean)},
    )


def last_activity(trajectories: pl.DataFrame, contacts: pl.DataFrame) -> pl.DataFrame:
    """Each trajectory's latest contact, or its intake when it has none later (Mechelen logs none)."""
    latest = contacts.group_by("trajectory_key").agg(pl.col("contact_date").max().alias("last_contact"))
    return trajectories.join(latest, on="trajectory_key", how="left").with_columns(
        pl.max_horizontal("intake_date", "last_contact").alias("last_activity"))


def forgotten_dossiers(trajectories: pl.DataFrame, contacts: pl.DataFrame, as_of: date, idle_days: int) -> pl.DataFrame:
    """Open trajectories with no contact (nor intake) in the ``idle_days`` before the as-of date."""
    active = last_activity(trajectories.filter(pl.col("status") == "open"), contacts)
    return active.filter(pl.col("last_activity") < pl.lit(as_of - timedelta(days=idle_days))).with_columns(
        (pl.lit(as_of) - pl.col("last_activity")).dt.total_days().alias("days_idle"))


def _share(part: str, whole: str) -> pl.Expr:
    return pl.when(pl.col(whole) > 0).then(pl.col(part) / pl.col(whole)).otherwise(None)


def build_scorecard(
    trajectories: pl.DataFrame,
    contacts: pl.DataFrame,
    places: pl.DataFrame,
    ledger: pl.DataFrame,
    source_files: pl.DataFrame,
    unmapped: pl.DataFrame,
    fields: dict[str, set[str]],
    targets: Targets,
    *,
    as_of: date,
    run_id: str,
    measured_at: datetime,
) -> pl.DataFrame:
    """One row per Leerwinkel (all six, also one without data) for this run.

    ``places``: leerwinkel, trajectory_key, national_number_valid (staged ``trajectory_places``);
    ``ledger``: leerwinkel plus the first-seen ledger (staged ``first_seen``);
    ``fields``: per Leerwinkel the fields its sources deliver (:func:`delivered_fields`)."""
    base = pl.DataFrame({"leerwinkel": list(LEERWINKELS)})
    with_nn = trajectories.join(places.select("trajectory_key", "national_number_valid"), on="trajectory_key", how="left")
    completeness = with_nn.group_by("leerwinkel").agg(
        pl.len().cast(pl.Int64).alias("trajectories"),
        *[cond.sum().cast(pl.Int64).alias(f"_n_{m}") for m, (_, cond) in COMPLETENESS.items()],
    )
    files = source_files.group_by("leerwinkel").agg(pl.col("rows_read", "rows_quarantined", "rows_duplicate").sum().cast(pl.Int64))
    labels = unmapped.group_by("leerwinkel").agg(pl.len().cast(pl.Int64).alias("unmapped_labels"))
    judged = ledger.filter(~pl.col("baseline")).with_columns(late_expr(targets.late_days).alias("_late"))
    timely = judged.group_by("leerwinkel").agg(
        (pl.col("kind") == "contact").sum().cast(pl.Int64).alias("judged_contacts"),
        ((pl.col("kind") == "contact") & pl.col("_late")).sum().cast(pl.Int64).alias("late_contacts"),
        (pl.col("kind") == "closing").sum().cast(pl.Int64).alias("judged_closings"),
        ((pl.col("kind") == "closing") & pl.col("_late")).sum().cast(pl.Int64).alias("late_closings"),
    )
    opened = trajectories.filter(pl.col("status") == "open").group_by("leerwinkel").agg(pl.len().cast(pl.Int64).alias("open_trajectories"))
    forgotten = forgotten_dossiers(trajectories, contacts, as_of, targets.idle_days).group_by("leerwinkel").agg(
        pl.len().cast(pl.Int64).alias("forgotten_dossiers"))
    frame = base
    for part in (completeness, files, labels, timely, opened, forgotten):
        frame = frame.join(part, on="leerwinkel", how="left")
    frame = frame.with_columns(pl.col(c).fill_null(0) for c in (*COUNTS, "unmapped_labels", *(f"_n_{m}" for m in COMPLETENESS)))
    frame = frame.join(delivers(fields).rename({m: f"_d_{m}" for m in COMPLETENESS}), on="leerwinkel", how="left")
    # the national number is judged only where the sheets said whether it was valid
    has_nn = with_nn.group_by("leerwinkel").agg(pl.col("national_number_valid").is_not_null().any().alias("_has_nn"))
    frame = frame.join(has_nn, on="leerwinkel", how="left").with_columns(
        (pl.col("_d_missing_national_number") & pl.col("_has_nn").fill_null(False)).alias("_d_missing_national_number"))
    frame = frame.with_columns(
        *[pl.when(pl.col(f"_d_{m}")).then(_share(f"_n_{m}", "trajectories")).otherwise(None).alias(m) for m in COMPLETENESS],
        *[_share(part, whole).alias(m) for m, (part, whole) in SHARE_OF.items()],
    ).with_columns(pl.col(m).cast(pl.Float64) for m in MEASURES if m != "unmapped_labels")
    frame = frame.with_columns(status_expr(m, targets.targets[m]).alias(f"{m}_status") for m in MEASURES)
    statuses = [pl.col(f"{m}_status") for m in MEASURES]
    worst = (pl.when(pl.any_horizontal(s == "red" for s in statuses)).then(pl.lit("red"))
             .when(pl.any_horizontal(s == "orange" for s in statuses)).then(pl.lit("orange"))
             .when(pl.any_horizontal(s == "green" for s in statuses)).then(pl.lit("green"))
             .otherwise(pl.lit(None, pl.String)))
    frame = frame.with_columns(
        pl.lit(run_id).alias("run_id"), pl.lit(as_of).alias("as_of_date"), pl.lit(measured_at).cast(pl.Datetime("us", "UTC")).alias("measured_at"),
        pl.lit(targets.version).alias("targets_version"), pl.lit(targets.late_days, pl.Int64).alias("late_days"),
        pl.lit(targets.idle_days, pl.Int64).alias("idle_days"), worst.alias("status"),
    )
    return frame.select(scorecard_columns()).sort("leerwinkel")


def scorecard_columns() -> list[str]:
    return ["leerwinkel", "run_id", "as_of_date", "measured_at", "targets_version", "late_days", "idle_days", "status",
            *[c for m in MEASURES for c in (m, f"{m}_status")], *COUNTS]


def with_history(previous: pl.DataFrame | None, current: pl.DataFrame) -> pl.DataFrame:
    """The earlier runs' rows (as the warehouse holds them) followed by this run's: a run that is
    repeated replaces its own rows."""
    if previous is None or previous.height == 0:
        return current
    kept = previous.filter(~pl.col("run_id").is_in(current.get_column("run_id").unique().to_list()))
    # columns this version added are null in older rows; ones it dropped are gone
    kept = kept.select([pl.col(c).cast(t, strict=False) if c in kept.columns else pl.lit(None, t).alias(c) for c, t in current.schema.items()])
    return pl.concat([kept, current]).sort("measured_at", "leerwinkel")


def latest_run(scorecard: pl.DataFrame) -> pl.DataFrame:
    """The rows of the newest run in a scorecard with history."""
    if scorecard.height == 0:
        return scorecard
    newest = scorecard.sort("measured_at").get_column("run_id")[-1]
    return scorecard.filter(pl.col("run_id") == newest)


def network_median(scorecard_run: pl.DataFrame) -> dict[str, float | None]:
    """Per measure the median over the Leerwinkels that have a value (what a Leerwinkel may see of the others)."""
    medians = scorecard_run.select(pl.col(m).cast(pl.Float64).median() for m in MEASURES).row(0, named=True)
    return {m: medians[m] for m in MEASURES}
