"""Run the consolidation in-process through Dagster: every Leerwinkel partition on its own
(a bad delivery fails only its partition), then the model, indicators and publication."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import polars as pl

from leerwinkels.definitions import ALL_ASSETS, ALL_CHECKS, build_resources
from leerwinkels.defs.assets.publish import WAREHOUSE_TABLE_KEYS
from leerwinkels.defs.jobs import (
    CONSOLIDATE_JOB_NAME,
    FILES_TAG,
    INGEST_JOB_NAME,
    LEERWINKEL_TAG,
    TRIGGER_TAG,
    consolidate_job,
    ingest_job,
)
from leerwinkels.defs.resources.staging_store import StagingStore, frame_memo, free_finished_steps, read_frames
from leerwinkels.ingest.delivery_files import delivered_bytes, landing_holds_deliveries, matches_pattern
from leerwinkels.ingest.read_ahead import ReadAhead
from leerwinkels.ingest.source_specs import NETWORK_FOLDER, PARTITIONS, all_specs
from leerwinkels.privacy.pseudonymise import key_from_environment, refuse_demo_key_on_real_data
from leerwinkels.privacy.shown_values import scrub
from leerwinkels.publication.release import current_release, remove_leftovers
from leerwinkels.run.in_process import execute_without_output_capture
from leerwinkels.run.instance import open_instance
from leerwinkels.run.lock import consolidation_lock
from leerwinkels.run.process import frame_memo_budget, plan_run
from leerwinkels.run.staging_leftovers import clear_staging_leftovers


@dataclass
class ConsolidationResult:
    success: bool
    failed_partitions: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    database: str = ""
    publication_dir: str = ""
    run_ids: list[str] = field(default_factory=list)
    timings: dict | None = None  # with collect_timings: see leerwinkels.run.timings
    # What the run changed, for a truthful message when it fails (a run is one release):
    run_id: str = ""  # the downstream run: warehouse_loads.run_id and the release's name
    tables_written: bool = False  # warehouse_tables committed
    published: bool = False  # publication_export switched the publication to this run's release
    failed_step: str | None = None  # the first step that failed
    release: str | None = None  # the release the publication points to after the run
    leftovers: list[str] = field(default_factory=list)  # what an interrupted run had left, cleared
    check_evaluations: list[dg.AssetCheckEvaluation] = field(default_factory=list)  # for the summary (run/summary.py)


def _print_waiting(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _failure_message(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        data = event.step_failure_data if event.is_step_failure else None
        if data and data.user_failure_data and data.user_failure_data.description:
            return data.user_failure_data.description  # our own dg.Failure: already a readable message
        if data and data.error:
            error = data.error
            while error.cause is not None and error.cls_name in {"DagsterExecutionStepExecutionError"}:
                error = error.cause
            # after ingest no client value is left to quote; scrubbed all the same (shown_values.py)
            return scrub(error.message.strip().splitlines()[0]) if error.message else (error.cls_name or "the run failed")
    return "the run failed"


def _partition_line(code: str, result: dg.ExecuteInProcessResult, failure: str | None) -> str:
    """One line of progress for an ingested partition: rows read, trajectories, quarantined
    (from the staged partition's materialization metadata)."""
    if failure is not None:
        return f"{code}: not usable, keeps its last good data ({failure[:80]})"
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        if "rows_read" in metadata:
            read = _count(metadata, "rows_read")
            quarantined = _count(metadata, "rows_quarantined")
            trajectories = _count(metadata, "trajectories")
            what = f"{trajectories:,} trajectories, " if trajectories else ""
            if code == NETWORK_FOLDER:  # its survey rows are matched with the trajectories (and quarantined) in the model step
                return f"{code}: {read:,} rows, quarantine counted with the model"
            return f"{code}: {read:,} rows, {what}{quarantined:,} quarantined"
    return f"{code}: staged"


def _jobs(resources: dict, ingest_resources: dict) -> tuple[dg.JobDefinition, dg.JobDefinition]:
    """The named jobs a consolidation runs (as the UI and the automation do), bound to this
    run's resources: the ingest job once per partition, then ``consolidate_network``."""
    def job(name: str, bound: dict) -> dg.JobDefinition:
        defs = dg.Definitions(assets=ALL_ASSETS, asset_checks=ALL_CHECKS, jobs=[ingest_job, consolidate_job], resources=bound)
        return defs.resolve_job_def(name)
    return job(INGEST_JOB_NAME, ingest_resources), job(CONSOLIDATE_JOB_NAME, resources)


def _delivery_files(landing_path: object, code: str) -> str:
    """The partition's delivery files for the run's tags: per file pattern of its source
    description, how many files match (``klanten_*.csv (1)``). Not the names: a file name
    may hold a client's name, which is known only once the delivery has been read."""
    if not isinstance(landing_path, str):
        return ""
    spec = all_specs()[code]
    try:
        names = [p.name for p in (Path(landing_path) / spec.folder).iterdir()]
    except OSError:
        return ""
    counts = {f.pattern: sum(matches_pattern(name, f.pattern) for name in names) for f in spec.files}
    return ", ".join(f"{pattern} ({n})" for pattern, n in counts.items() if n)[:200]


def _count(metadata: Mapping[str, dg.MetadataValue], name: str) -> int:
    """A count from materialization metadata; 0 when absent or empty."""
    value = metadata[name].value if name in metadata else None
    return int(value) if isinstance(value, int | float) else 0


def consolidate(
    *,
    sources: str | Path | None = None,
    database_url: str | None = None,
    as_of: str | None = None,
    staging_dir: str | Path | None = None,
    publication_dir: str | Path | None = None,
    instance: dg.DagsterInstance | None = None,
    record_runs: bool = False,
    trigger: str = "cli",
    resources: dict | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    quiet: bool = False,
    read_ahead: ReadAhead | None = None,
    collect_timings: bool = False,
    on_wait: Callable[[str], None] | None = _print_waiting,
) -> ConsolidationResult:
    """``read_ahead``: a :class:`ReadAhead` over the same landing folder that the caller
    started earlier (the CLI starts it before importing Dagster); else one is started here
    (unless ``LEERWINKELS_READ_AHEAD=0``). It is closed when the ingest is done.

    One consolidation at a time per staging folder: while another holds it, ``on_wait``
    gets one line and this run waits up to ``LEERWINKELS_LOCK_WAIT_SECONDS``, then raises
    :class:`leerwinkels.run.lock.ConsolidationInProgress`. Holding the lock, the run first
    clears what an interrupted run left in the staging and publication folders.

    Runs are recorded in ``instance``; else in ``DAGSTER_HOME``'s; else, with ``record_runs``
    (the CLI), in the project's local instance (leerwinkels.run.instance); else in memory.
    They run as the named jobs with tags (``trigger``, Leerwinkel, files)."""
    key_from_environment()  # refuse to start without a usable key, with a message that says how
    resources = resources or build_resources(
        sources=str(sources) if sources else None,
        database_url=database_url,
        as_of=as_of,
        staging_dir=str(staging_dir) if staging_dir else None,
        publication_dir=str(publication_dir) if publication_dir else None,
    )
    landing_path = getattr(resources.get("landing"), "path", None)
    if isinstance(landing_path, str):  # the demo key never on real files: refuse before anything runs or is written
        refuse_demo_key_on_real_data(key_from_environment(), landing_path)
    store = resources.get("staging_store")
    staging_path = Path(store.base_dir) if store is not None else None
    publication = Path(resources["settings"].publication_dir)
    lock = consolidation_lock(staging_path, on_wait=on_wait) if staging_path else contextlib.nullcontext()
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(lock)
        except BaseException:
            if read_ahead:
                read_ahead.close()
            raise
        leftovers = [*(clear_staging_leftovers(staging_path) if staging_path else []), *remove_leftovers(publication)]
        stack.enter_context(frame_memo(frame_memo_budget()))
        outcome = _consolidate_locked(
            resources, instance=instance, progress=progress, quiet=quiet, read_ahead=read_ahead,
            collect_timings=collect_timings, record_runs=record_runs, trigger=trigger,
        )
    outcome.leftovers = leftovers
    outcome.release = current_release(publication)
    return outcome


def _what_changed(outcome: ConsolidationResult, result: dg.ExecuteInProcessResult) -> None:
    """Which parts of the release this run replaced, from the run's own events."""
    outcome.run_id = result.run_id
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    outcome.tables_written = bool(materialized & set(WAREHOUSE_TABLE_KEYS))  # one commit: all of them or none
    outcome.published = dg.AssetKey("publication_export") in materialized
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    outcome.failed_step = failed[0] if failed else None


def _consolidate_locked(
    resources: dict,
    *,
    instance: dg.DagsterInstance | None,
    progress: Callable[[str, int, int], None] | None,
    quiet: bool,
    read_ahead: ReadAhead | None,
    collect_timings: bool,
    record_runs: bool = False,
    trigger: str = "cli",
) -> ConsolidationResult:
    # The CLI prints its own summary; Dagster's console log (with stack traces) stays off there.
    run_config = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}} if quiet else None
    landing = resources.get("landing")
    landing_path = getattr(landing, "path", None)
    if read_ahead is not None and (not isinstance(landing_path, str) or not read_ahead.serves(Path(landing_path))):
        read_ahead.close()
        read_ahead = None
    if read_ahead is None and ReadAhead.enabled() and isinstance(landing_path, str):
        # started first: the first partition's files are read while the Dagster instance comes up
        read_ahead = ReadAhead(Path(landing_path), PARTITIONS).start()
    if isinstance(landing_path, str) and not landing_holds_deliveries(Path(landing_path), [spec.folder for spec in all_specs().values()]):
        # an unmounted share or an emptied folder: not a delivery of six empty Leerwinkels
        if read_ahead is not None:
            read_ahead.close()
        return ConsolidationResult(
            success=False,
            error=(f"the landing folder {landing_path} holds no file in any Leerwinkel folder (an unmounted share or an "
                   "emptied folder?); this is not a run: nothing was read and nothing changed (tables, staging folder and "
                   "publication are as they were). Check the landing folder and run again"),
            database=resources["warehouse"].describe(), publication_dir=resources["settings"].publication_dir,
        )
    own_instance = instance is None
    if instance is None:
        instance = open_instance(record_by_default=record_runs)
    total = len(PARTITIONS) + 1
    outcome = ConsolidationResult(success=True)
    try:
        # One partition after the other, never in threads: Dagster's in-process execution is
        # not thread-safe (shared instance storage gave "database table is locked", and a
        # logging-lock deadlock was seen). Parallel ingest is the daemon's job: one run each.
        # Only the reading of the next partition's files runs ahead, in a thread that does
        # nothing but read (see ReadAhead); the ingest asset reads through it.
        ingest_resources = {**resources, "delivery_reader": read_ahead.read} if read_ahead else resources
        ingest, downstream = _jobs(resources, ingest_resources)
        plan_run(delivered_bytes(Path(landing_path), [spec.folder for spec in all_specs().values()])
                 if isinstance(landing_path, str) else 0)
        try:
            for step, code in enumerate(PARTITIONS, start=1):
                if progress:
                    progress(f"ingest {code}", step - 1, total)
                if read_ahead:
                    read_ahead.partition_started(code)
                tags = {TRIGGER_TAG: trigger, LEERWINKEL_TAG: code, FILES_TAG: _delivery_files(landing_path, code)}
                result = execute_without_output_capture(
                    ingest, partition_key=code, instance=instance, raise_on_error=False, run_config=run_config, tags=tags,
                )
                outcome.run_ids.append(result.run_id)
                free_finished_steps()  # this partition's frames, before the next one is ingested
                if not result.success:
                    outcome.failed_partitions[code] = _failure_message(result)
                if progress:
                    progress(_partition_line(code, result, outcome.failed_partitions.get(code)), step, total)
        finally:
            if read_ahead:
                read_ahead.close()
        if progress:
            progress("model, indicators and publication", len(PARTITIONS), total)
        result = execute_without_output_capture(
            downstream, instance=instance, raise_on_error=False, run_config=run_config,
            tags={TRIGGER_TAG: trigger, LEERWINKEL_TAG: "all"},
        )
        outcome.run_ids.append(result.run_id)
        outcome.check_evaluations = list(result.get_asset_check_evaluations())
        _what_changed(outcome, result)
        if not result.success:
            outcome.success = False
            outcome.error = _failure_message(result)
        else:
            store: StagingStore = resources["staging_store"]
            for name in ("dq_source_files", "dq_deliveries", "dq_unmapped_values", "dq_scorecard", "trajectories", "ind_reach", "ind_sroi"):
                outcome.tables[name] = read_frames(Path(store.base_dir) / name)
        if progress:
            progress("done" if outcome.success else "failed", total, total)
        if collect_timings:
            from leerwinkels.run.timings import run_timings

            outcome.timings = run_timings(instance, outcome.run_ids)
    finally:
        if read_ahead:
            read_ahead.close()
        if own_instance:
            instance.dispose()
    outcome.database = resources["warehouse"].describe()
    outcome.publication_dir = resources["settings"].publication_dir
    return outcome
