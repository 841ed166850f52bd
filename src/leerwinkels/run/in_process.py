"""Run a job in this process as ``JobDefinition.execute_in_process`` does, without keeping
every step's output value in memory until the run ends.

``execute_in_process`` captures each output (for ``result.output_for_node``, which the
consolidation never asks for): every model and indicator frame stays alive until the last
step, on top of what the step in progress holds. At 1,000,000 trajectories that held ~1 GB
of the run's 3.9 GB peak (bench/run.py; docs/benchmarks.md, issue 21). The outputs are in the
staging folder all the same: the IO manager writes them, and the next step reads them there
(or from this run's frame memo).

This is the body of ``execute_in_process`` with ``output_capturing_enabled=False``, through
Dagster's internal ``core_execute_in_process``; its signature is checked when this module is
imported, so a Dagster upgrade that changes it fails at once (and in the tests), never
halfway through a run. The result is Dagster's own ``ExecuteInProcessResult``: events,
success, run id; only ``output_for_node`` has nothing to give.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

import dagster as dg
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.definitions.partitions.context import partition_loading_context
from dagster._core.execution.execute_in_process import (
    core_execute_in_process,
    merge_run_tags,
    type_check_and_normalize_args,
)

_EXPECTED = {"run_config", "job", "instance", "output_capturing_enabled", "raise_on_error", "run_tags", "asset_selection"}
_missing = _EXPECTED - set(inspect.signature(core_execute_in_process).parameters)
if _missing:  # pragma: no cover - only after a Dagster upgrade
    raise ImportError(f"dagster's core_execute_in_process lost {sorted(_missing)}: update leerwinkels/run/in_process.py")


def execute_without_output_capture(
    job: dg.JobDefinition,
    *,
    instance: dg.DagsterInstance,
    partition_key: str | None = None,
    run_config: Mapping[str, object] | None = None,
    tags: Mapping[str, str] | None = None,
    raise_on_error: bool = False,
) -> dg.ExecuteInProcessResult:
    """``job.execute_in_process(...)`` for a job whose resources are bound, outputs not captured."""
    config, _, _, _, partition_key, _ = type_check_and_normalize_args(run_config=run_config, partition_key=partition_key)
    ephemeral_job = job.as_ephemeral_job(resource_defs={}, input_values={}, op_selection=None, asset_selection=None)
    if partition_key and ephemeral_job.partitions_def:
        with partition_loading_context(dynamic_partitions_store=instance) as ctx:
            ephemeral_job.validate_partition_key(partition_key=partition_key, selected_asset_keys=set(), context=ctx)
    if not config and ephemeral_job.partitioned_config and partition_key:
        config = ephemeral_job.partitioned_config.get_run_config_for_partition_key(partition_key)
    return core_execute_in_process(
        job=InMemoryJob(job_def=ephemeral_job),
        run_config=config,
        instance=instance,
        output_capturing_enabled=False,
        raise_on_error=raise_on_error,
        run_tags=merge_run_tags(job_def=job, partition_key=partition_key, tags=tags, asset_selection=[],
                                instance=instance, run_config=config),
        asset_selection=frozenset(),  # recorded as execute_in_process records it (the whole job)
    )
