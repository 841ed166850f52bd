"""Issue 20: the data-quality scorecard per Leerwinkel (``dq_scorecard``, history kept), the
frames of the feedback workbooks (``dq_feedback``), and a WARN check per Leerwinkel in red.

The measures are ``leerwinkels.quality`` (pure polars); this module gathers the inputs, reads
the scorecard's history from the warehouse (as ``dq_revisions`` does: the warehouse release
writes every table whole, so the history is read back and this run's rows appended) and
writes the metadata the UI plots over time: per Leerwinkel its completeness and quarantine
share (numbers only, never a row).
"""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import dagster as dg
import polars as pl

from leerwinkels.defs.asset_keys import STAGED_KEY
from leerwinkels.defs.assets.common import OWNERS, definition_metadata, table_metadata
from leerwinkels.defs.checks import PERSONAL_DATA_CHECK, personal_data_result
from leerwinkels.defs.conditions import DOWNSTREAM
from leerwinkels.defs.resources import RunSettings, Warehouse
from leerwinkels.defs.resources.staging_store import StagedFrames
from leerwinkels.ingest.source_specs import LEERWINKELS, all_specs
from leerwinkels.ingest.staged_tables import SCHEMAS
from leerwinkels.quality import first_seen
from leerwinkels.quality.feedback import feedback_frames
from leerwinkels.quality.scorecard import (
    COMPLETENESS,
    RED_CHECK_PREFIX,
    TABLE,
    build_scorecard,
    delivered_fields,
    latest_run,
    red_measures,
    with_history,
)
from leerwinkels.quality.targets import MEASURES, TargetsError, load_targets

PLACES = "trajectory_places"


def staged_frames(staged: Mapping[str, Mapping[str, pl.DataFrame]], name: str, schema: dict[str, pl.DataType],
                  narrow: Callable[[pl.LazyFrame], pl.LazyFrame] = lambda frame: frame) -> pl.DataFrame:
    """One staged frame of every Leerwinkel, with its ``leerwinkel`` (empty for data staged before
    it existed). ``narrow`` keeps only the columns and rows a step uses, before a frame is
    read whole (see :meth:`StagedFrames.read`)."""
    def query(code: str) -> Callable[[pl.LazyFrame], pl.LazyFrame]:
        return lambda frame: narrow(frame.select(list(schema)).cast(schema).with_columns(pl.lit(code).alias("leerwinkel")))  # type: ignore[arg-type]

    parts = [frames.read(name, query(code)) if isinstance(frames, StagedFrames) else query(code)(frames[name].lazy()).collect()
             for code, frames in staged.items() if frames and name in frames and code in LEERWINKELS]
    empty = pl.DataFrame(schema={**schema, "leerwinkel": pl.String()})
    return pl.concat(parts) if parts else narrow(empty.lazy()).collect()


def _columns(*names: str) -> Callable[[pl.LazyFrame], pl.LazyFrame]:
    return lambda frame: frame.select("leerwinkel", *names)


def _judged_events(ledger: pl.LazyFrame) -> pl.LazyFrame:
    """What the scorecard counts of the first-seen ledger: the judged events, without their keys."""
    return ledger.filter(~pl.col("baseline")).select("leerwinkel", "kind", "baseline", "event_date", "first_delivered")


def _targets():
    try:
        return load_targets()
    except TargetsError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None


def _previous_scorecard(warehouse: Warehouse) -> pl.DataFrame | None:
    try:
        return warehouse.read_table(TABLE) if TABLE in warehouse.table_names() else None
    except Exception as exc:  # any driver error: say where, not the driver's text (it may carry a URL)
        raise dg.Failure(
            description=f"could not read the scorecard's history from {warehouse.describe()} ({type(exc).__name__}); "
            "check that the database is reachable, then run again", allow_retries=True,
        ) from None


def completeness_percent(row: dict) -> float | None:
    """100 minus the mean share missing over the fields the Leerwinkel delivers (what the UI plots)."""
    shares = [row[m] for m in COMPLETENESS if row[m] is not None]
    return round(100 * (1 - sum(shares) / len(shares)), 2) if shares else None


def scorecard_metadata(run: pl.DataFrame) -> dict[str, dg.MetadataValue]:
    metadata: dict[str, dg.MetadataValue] = {}
    for row in run.iter_rows(named=True):
        code = row["leerwinkel"]
        complete = completeness_percent(row)
        if complete is not None:
            metadata[f"completeness_percent_{code}"] = dg.MetadataValue.float(complete)
        if row["quarantine_share"] is not None:
            metadata[f"quarantine_percent_{code}"] = dg.MetadataValue.float(round(100 * row["quarantine_share"], 2))
        metadata[f"status_{code}"] = dg.MetadataValue.text(row["status"] or "not measured")
    metadata["red_leerwinkels"] = dg.MetadataValue.int(run.filter(pl.col("status") == "red").height)
    return metadata


@dg.asset(
    ins={"staged": dg.AssetIn(key=STAGED_KEY), "trajectories": dg.AssetIn(), "contacts": dg.AssetIn(),
         "dq_source_files": dg.AssetIn(), "dq_unmapped_values": dg.AssetIn()},
    group_name="quality", owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM,
    metadata=definition_metadata(TABLE),
    description=(
        "Data quality per Leerwinkel against dq/targets.yaml: completeness of each field it delivers, quarantine and "
        "duplicate share, unmapped labels, late registrations, forgotten dossiers, each green/orange/red. Keeps the "
        "history of earlier runs (one block of rows per run)."
    ),
)
def dq_scorecard(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: RunSettings, staged: dict,
                 trajectories: pl.DataFrame, contacts: pl.DataFrame, dq_source_files: pl.DataFrame,
                 dq_unmapped_values: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    targets = _targets()
    current = build_scorecard(
        trajectories, contacts, staged_frames(staged, PLACES, SCHEMAS[PLACES], _columns("trajectory_key", "national_number_valid")),
        staged_frames(staged, first_seen.LEDGER, first_seen.SCHEMA, _judged_events), dq_source_files, dq_unmapped_values,
        {code: delivered_fields(spec) for code, spec in all_specs().items() if code in LEERWINKELS},
        targets, as_of=settings.as_of_date(), run_id=context.run.run_id, measured_at=datetime.now(UTC),
    )
    frame = with_history(_previous_scorecard(warehouse), current)
    preview = current.select("leerwinkel", "status", *MEASURES)
    return dg.Output(frame, metadata=table_metadata(
        frame, preview, table=TABLE, targets_version=dg.MetadataValue.text(targets.version), **scorecard_metadata(current)))


@dg.asset(
    ins={"staged": dg.AssetIn(key=STAGED_KEY), "dq_scorecard": dg.AssetIn(), "dq_quarantine": dg.AssetIn(),
         "dq_unmapped_values": dg.AssetIn(), "trajectories": dg.AssetIn(), "contacts": dg.AssetIn()},
    group_name="quality", owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM,
    description=(
        "What each Leerwinkel gets back (feedback/<leerwinkel>.xlsx beside the publication, not public): its scorecard "
        "with the network's median, quarantined rows with what to do, unmapped labels, forgotten dossiers and late "
        "registrations by file and row. One frame per sheet, each row with its Leerwinkel."
    ),
)
def dq_feedback(settings: RunSettings, staged: dict, dq_scorecard: pl.DataFrame, dq_quarantine: pl.DataFrame,
                dq_unmapped_values: pl.DataFrame, trajectories: pl.DataFrame, contacts: pl.DataFrame) -> dg.Output[dict]:
    targets = _targets()  # only the late registrations of the ledger are read (the sheet lists those)
    frames = feedback_frames(
        dq_scorecard, dq_quarantine, dq_unmapped_values, trajectories, contacts,
        staged_frames(staged, PLACES, SCHEMAS[PLACES], _columns("trajectory_key", "file_name", "sheet", "row_number")),
        staged_frames(staged, first_seen.LEDGER, first_seen.SCHEMA, lambda ledger: ledger.filter(first_seen.late_expr(targets.late_days))),
        targets, settings.as_of_date(),
    )
    counts = {name: frame.group_by("leerwinkel").len() for name, frame in frames.items() if "leerwinkel" in frame.columns}
    metadata: dict[str, dg.MetadataValue] = {"dagster/row_count": dg.MetadataValue.int(sum(f.height for f in frames.values()))}
    for name, per in counts.items():
        for code, n in per.iter_rows():
            metadata[f"{name}_rows_{code}"] = dg.MetadataValue.int(n)
    return dg.Output(frames, metadata=metadata)


def _red_check(code: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=TABLE, name=f"{RED_CHECK_PREFIX}{code}",
                    description=f"WARN when {code}'s scorecard of this run has a measure in red (dq/targets.yaml).")
    def _check(dq_scorecard: pl.DataFrame) -> dg.AssetCheckResult:
        row = latest_run(dq_scorecard).filter(pl.col("leerwinkel") == code)
        red = red_measures(row.row(0, named=True)) if row.height else []
        return dg.AssetCheckResult(
            passed=not red, severity=dg.AssetCheckSeverity.WARN,
            # the count is what the run summary prints (numbers only); the names for the UI
            metadata={"red_measures": dg.MetadataValue.int(len(red)), "red_measure_names": dg.MetadataValue.text(", ".join(red) or "none"),
                      "status": dg.MetadataValue.text((row.get_column("status")[0] if row.height else None) or "not measured")},
        )
    return _check


scorecard_red_checks = [_red_check(code) for code in LEERWINKELS]


@dg.asset_check(asset=TABLE, name=PERSONAL_DATA_CHECK, blocking=True,
                description="No text column looks like a national number, e-mail address or phone number.")
def no_personal_data_in_scorecard(dq_scorecard: pl.DataFrame) -> dg.AssetCheckResult:
    return personal_data_result(TABLE, dq_scorecard)
