"""The CLI records its runs (in the project's local instance unless DAGSTER_HOME says
otherwise) as the named jobs, with tags a steward recognises in the UI."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from leerwinkels.defs.jobs import CONSOLIDATE_JOB_NAME, FILES_TAG, INGEST_JOB_NAME, LEERWINKEL_TAG, TRIGGER_TAG
from leerwinkels.ingest.source_specs import PARTITIONS
from leerwinkels.run.instance import DEFAULT_DAGSTER_HOME, recording_home


def test_a_cli_consolidation_records_named_jobs_with_tags(tmp_path: Path, cli_sample_run) -> None:
    done = cli_sample_run.done  # the CLI on the samples with DAGSTER_HOME set, not there before the run
    assert done.returncode == 0, done.stderr[-2000:]
    home = tmp_path / "dagster_home"  # a copy: this test rewrites its dagster.yaml below
    shutil.copytree(cli_sample_run.dagster_home, home)
    assert "telemetry" in (home / "dagster.yaml").read_text(encoding="utf-8")

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert {run.job_name for run in runs} == {INGEST_JOB_NAME, CONSOLIDATE_JOB_NAME}
        ingest_runs = [run for run in runs if run.job_name == INGEST_JOB_NAME]
        assert sorted(run.tags[LEERWINKEL_TAG] for run in ingest_runs) == sorted(PARTITIONS)
        assert all(run.tags[TRIGGER_TAG] == "cli" for run in runs)
        assert all(run.tags["dagster/partition"] == run.tags[LEERWINKEL_TAG] for run in ingest_runs)
        genk = next(run for run in ingest_runs if run.tags[LEERWINKEL_TAG] == "genk")
        assert "klanten_" in genk.tags[FILES_TAG] and "20261120" not in genk.tags[FILES_TAG]  # patterns, not names
        assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
        planned = instance.get_materialized_partitions(dg.AssetKey("staged_leerwinkel"))
        assert planned == set(PARTITIONS)

    # the UI and the daemon read the same files with Dagster's stock storage
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    with dg.DagsterInstance.from_config(str(home)) as stock:
        assert type(stock.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert stock.get_materialized_partitions(dg.AssetKey("staged_leerwinkel")) == set(PARTITIONS)
        latest = stock.get_latest_materialization_event(dg.AssetKey("publication_export"))
        assert latest is not None and latest.run_id in {run.run_id for run in stock.get_runs()}
        assert len(stock.all_logs(latest.run_id)) > 10


def test_where_runs_are_recorded(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("LEERWINKELS_RECORD_RUNS", raising=False)
    assert recording_home(record_by_default=True) == DEFAULT_DAGSTER_HOME  # the CLI
    assert recording_home(record_by_default=False) is None  # the runner called from Python: in memory
    monkeypatch.setenv("LEERWINKELS_RECORD_RUNS", "0")
    assert recording_home(record_by_default=True) is None
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    assert recording_home(record_by_default=False) == tmp_path
