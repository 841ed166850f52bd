"""How the consolidation runs by itself: the nightly schedule, the delivery sensor and the
automation conditions of everything downstream of the ingest.

Design
------
A job cannot mix the partitioned ingest with the unpartitioned model, so the work is split:

* the **nightly schedule** (02:00 Europe/Brussels) and the **delivery sensor** only start
  runs of the job ``ingest_leerwinkel``, one run per Leerwinkel partition, so a bad delivery
  fails only its own run;
* everything downstream carries an **automation condition**: ``AFTER_INGEST`` on the model
  (and on the two reference tables without inputs, so every consolidation rebuilds them too)
  and ``eager()`` on the indicators, the warehouse tables and the publication. ``AFTER_INGEST``
  waits while any Leerwinkel's ingest is queued or running, and then requests the model once;
  the tables after it follow in the same run. The sensor ``consolidation_automation``
  evaluates these conditions and is on by default.

This module imports nothing from ``pipelines.definitions`` (which imports the asset modules,
which import the conditions from here): the schedule and sensor name their job.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import time
from pathlib import Path

import dagster as dg

from .assets.ingest import STAGED_KEY
from .shown_values import shown_name
from .resources import LandingFolder
from .sources import PARTITIONS, all_specs

INGEST_JOB_NAME = "ingest_leerwinkel"
NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Europe/Brussels"
# A file must be this old (by modification time) before the sensor acts on it, so that a
# delivery still being copied into the landing folder is not read half-written.
DELIVERY_SETTLE_SECONDS = 60
TRIGGER_TAG = "leerwinkels/trigger"


# ------------------------------------------------------------------ automation conditions


def _staged(condition: dg.AutomationCondition) -> dg.AutomationCondition:
    """The condition holds for at least one Leerwinkel partition of ``staged_leerwinkel``."""
    return dg.AutomationCondition.asset_matches(STAGED_KEY, condition)


AFTER_INGEST = (
    (
        dg.AutomationCondition.newly_missing()
        | _staged(dg.AutomationCondition.newly_updated()).with_label("a Leerwinkel was staged")
        # a failed ingest also re-runs the model, so dq_deliveries marks that Leerwinkel stale now
        | _staged(dg.AutomationCondition.execution_failed().newly_true()).with_label("a Leerwinkel's ingest failed")
    ).since_last_handled()
    # eager() would wait until every partition has been staged once; the model can do without
    # a Leerwinkel that never delivered readable data (dq_deliveries reports it), so it only
    # needs one
    & _staged(~dg.AutomationCondition.missing()).with_label("some Leerwinkel has staged data")
    & ~_staged(dg.AutomationCondition.in_progress()).with_label("a Leerwinkel's ingest is queued or running")
    & ~dg.AutomationCondition.in_progress()
).with_label("after_ingest")
"""The model (and the reference tables without inputs): once after the ingest runs finish."""

DOWNSTREAM = dg.AutomationCondition.eager()
"""The indicators, warehouse tables and publication: after their inputs, in the same run."""


automation_sensor = dg.AutomationConditionSensorDefinition(
    "consolidation_automation",
    target=dg.AssetSelection.all() - dg.AssetSelection.assets(STAGED_KEY),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Runs the model, indicators, warehouse tables and publication once the Leerwinkels' ingest runs have finished.",
)


# ------------------------------------------------------------------------ nightly schedule


@dg.schedule(
    name="nightly_consolidation",
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=TIMEZONE,
    job_name=INGEST_JOB_NAME,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Every night at 02:00 (Brussels time): one ingest run per Leerwinkel; the model, indicators, "
        "warehouse tables and publication follow once they have all finished (consolidation_automation)."
    ),
)
def nightly_consolidation(context: dg.ScheduleEvaluationContext):
    tick = context.scheduled_execution_time
    stamp = tick.isoformat() if tick else "manual"
    for code in PARTITIONS:
        yield dg.RunRequest(run_key=f"nightly:{stamp}:{code}", partition_key=code, tags={TRIGGER_TAG: "nightly"})


# ------------------------------------------------------------------------- delivery sensor


def _folder_state(folder: Path, patterns: list[str], previous: dict[str, list[int]], settled_before: float) -> dict[str, list[int]]:
    """Name → [size, mtime_ns] of the delivery files in a folder (what ``find_deliveries``
    would consider). A file changed within the settle time keeps its previous state (or is
    left out) until it has settled."""
    state: dict[str, list[int]] = {}
    if not folder.is_dir():
        return state
    for path in folder.iterdir():
        name = path.name
        if name.startswith(("~$", ".")) or not any(fnmatch.fnmatchcase(name, p) for p in patterns):
            continue
        try:
            stat = path.stat()
        except OSError:  # removed while we looked
            continue
        if not path.is_file():
            continue
        if stat.st_mtime > settled_before:
            if name in previous:
                state[name] = previous[name]
            continue
        state[name] = [stat.st_size, stat.st_mtime_ns]
    return dict(sorted(state.items()))


def _changes(before: dict[str, list[int]], after: dict[str, list[int]]) -> list[str]:
    changed = [f"{name} (new)" if name not in before else name for name, s in after.items() if before.get(name) != s]
    return changed + [f"{name} (removed)" for name in before if name not in after]


@dg.sensor(
    name="leerwinkel_deliveries",
    job_name=INGEST_JOB_NAME,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Watches each Leerwinkel's folder in the landing folder. A new, changed or removed delivery "
        "file (name, size, modification time) starts an ingest run of that Leerwinkel only; the model "
        "and tables follow via consolidation_automation. The same file never triggers twice."
    ),
)
def leerwinkel_deliveries(context: dg.SensorEvaluationContext, landing: LandingFolder):
    seen: dict[str, dict[str, list[int]]] = json.loads(context.cursor) if context.cursor else {}
    settled_before = time.time() - DELIVERY_SETTLE_SECONDS
    specs = all_specs()
    root = landing.root()
    requests = []
    cursor: dict[str, dict[str, list[int]]] = {}
    for code in PARTITIONS:
        spec = specs[code]
        before = seen.get(code, {})
        after = _folder_state(root / spec.folder, [f.pattern for f in spec.files], before, settled_before)
        cursor[code] = after
        if after == before:
            continue
        changes = [shown_name(c) for c in _changes(before, after)]  # into logs and tags: masked (shown_values.py)
        digest = hashlib.sha256(json.dumps(after, sort_keys=True).encode()).hexdigest()[:16]
        context.log.info(f"{code}: {', '.join(changes)}")
        requests.append(dg.RunRequest(
            run_key=f"delivery:{code}:{digest}",
            partition_key=code,
            tags={TRIGGER_TAG: "delivery", "leerwinkels/files": ", ".join(changes)[:200]},
        ))
    return dg.SensorResult(
        run_requests=requests,
        cursor=json.dumps(cursor, sort_keys=True),
        skip_reason=None if requests else "no new or changed delivery",
    )


SCHEDULES = [nightly_consolidation]
SENSORS = [leerwinkel_deliveries, automation_sensor]
