"""Runs of the consolidation keep no step's output in memory until the run ends (issue 21)."""

import dagster as dg
import polars as pl
import pytest

from leerwinkels.run.in_process import execute_without_output_capture

parts = dg.StaticPartitionsDefinition(["genk", "gent"])


@dg.asset(partitions_def=parts, io_manager_key="mem")
def staged(context: dg.AssetExecutionContext) -> pl.DataFrame:
    return pl.DataFrame({"leerwinkel": [context.partition_key]})


@dg.asset_check(asset=staged)
def has_rows(staged: pl.DataFrame) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=staged.height == 1)


def _job() -> dg.JobDefinition:
    defs = dg.Definitions(assets=[staged], asset_checks=[has_rows], jobs=[dg.define_asset_job("ingest", selection=[staged])],
                          resources={"mem": dg.InMemoryIOManager()})
    return defs.resolve_job_def("ingest")


def test_a_job_runs_as_execute_in_process_does_but_keeps_no_outputs():
    instance = dg.DagsterInstance.ephemeral()
    job = _job()
    result = execute_without_output_capture(job, instance=instance, partition_key="gent", tags={"trigger": "test"})
    reference = job.execute_in_process(instance=instance, partition_key="gent", tags={"trigger": "test"})
    assert result.success and reference.success
    assert [e.event_type_value for e in result.all_events] == [e.event_type_value for e in reference.all_events]
    run = instance.get_run_by_id(result.run_id)
    assert run.tags["dagster/partition"] == "gent" and run.tags["trigger"] == "test"
    # the run as recorded (what the UI shows, re-executes from) is the one execute_in_process records
    recorded = instance.get_run_by_id(reference.run_id)
    for field in ("job_name", "tags", "run_config", "asset_selection", "asset_check_selection", "op_selection", "status"):
        assert getattr(run, field) == getattr(recorded, field), field
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [dg.AssetKey("staged")]
    assert [e.passed for e in result.get_asset_check_evaluations()] == [True]
    assert reference.output_for_node("staged").height == 1  # execute_in_process keeps it ...
    assert result._output_capture == {}  # ... this does not


def test_a_failing_step_is_a_failed_result_not_an_exception():
    @dg.asset
    def broken() -> None:
        raise ValueError("no")

    job = dg.Definitions(assets=[broken], jobs=[dg.define_asset_job("j")]).resolve_job_def("j")
    result = execute_without_output_capture(job, instance=dg.DagsterInstance.ephemeral())
    assert not result.success and any(e.is_step_failure for e in result.all_events)


def test_an_unknown_partition_is_refused_as_execute_in_process_refuses_it():
    instance = dg.DagsterInstance.ephemeral()
    with pytest.raises(dg.DagsterUnknownPartitionError):
        execute_without_output_capture(_job(), instance=instance, partition_key="atlantis")
    assert instance.get_runs() == []  # refused before a run is recorded
