"""Seconds per step and per run, from the step events Dagster recorded for a set of runs.

Used by ``leerwinkels consolidate --timings FILE`` and by the benchmark: the events come
from whichever instance ran the steps (the in-memory one of a CLI run without
``DAGSTER_HOME``, or the one in ``DAGSTER_HOME``)."""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg
from dagster import DagsterEventType

_RUN_END = (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE)
_STEP_END = (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE)


def run_timings(instance: dg.DagsterInstance, run_ids: Iterable[str] | None = None) -> dict:
    """``{"runs": [...], "steps": [...]}``: per run its partition and seconds from RUN_START to
    RUN_SUCCESS/FAILURE; per step its key, the run's partition, its start (epoch seconds)
    and seconds from STEP_START to STEP_SUCCESS/FAILURE. Default: every run of the instance."""
    if run_ids is None:
        run_ids = [run.run_id for run in instance.get_runs()]
    runs: list[dict] = []
    steps: list[dict] = []
    for run_id in run_ids:
        run = instance.get_run_by_id(run_id)
        partition = run.tags.get("dagster/partition") if run else None
        started: dict[str, float] = {}
        run_start = run_end = None
        for entry in instance.all_logs(run_id):
            event = entry.dagster_event
            if event is None:
                continue
            kind = event.event_type
            if kind == DagsterEventType.RUN_START:
                run_start = entry.timestamp
            elif kind in _RUN_END:
                run_end = entry.timestamp
            elif kind == DagsterEventType.STEP_START and event.step_key is not None:
                started[event.step_key] = entry.timestamp
            elif kind in _STEP_END and event.step_key in started:
                steps.append({
                    "run_id": run_id,
                    "step": event.step_key,
                    "partition": partition,
                    "start": started[event.step_key],
                    "seconds": entry.timestamp - started[event.step_key],
                    "success": kind == DagsterEventType.STEP_SUCCESS,
                })
        runs.append({
            "run_id": run_id,
            "partition": partition,
            "start": run_start,
            "seconds": (run_end - run_start) if run_start is not None and run_end is not None else None,
        })
    steps.sort(key=lambda s: s["start"])
    return {"runs": runs, "steps": steps}
