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

This module imports nothing from ``leerwinkels.definitions`` (which imports the asset modules,
which import the conditions from here): the schedule and sensor name their job.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import dagster as dg

from leerwinkels.defs.assets.ingest import STAGED_KEY
from leerwinkels.ingest.delivery_files import content_sha256, matches_pattern, settle_seconds
from leerwinkels.privacy.shown_values import shown_name
from leerwinkels.defs.resources import LandingFolder
from leerwinkels.ingest.source_specs import PARTITIONS, all_specs

INGEST_JOB_NAME = "ingest_leerwinkel"
NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Europe/Brussels"
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
#
# A delivery is identified by its content (sha256), not by its name, size and modification
# time: the old sensor keyed each run on a digest of the folder's (name, size, mtime) state.
# A good file restored with its old modification time (`cp -a`) after a bad one gave the
# folder state of the first delivery again, so the same run key; Dagster never launches a
# second run with a run key it has seen, and the cursor had already moved on, so the failed
# partition stayed failed until the nightly run. (A `touch` of an unchanged file, on the
# other hand, started a needless run.) Now the cursor keeps per Leerwinkel its files
# (name -> size, mtime_ns, sha256: the hash is computed only when name, size or mtime
# changed) and a count of the deliveries it requested. A change of content requests one run
# whose key carries that count: a restored older file gets a new key, and a tick that is
# evaluated again with the same cursor (a daemon restart) gets the same key, so Dagster
# starts it once.

CURSOR_VERSION = 2
FileState = list  # [size, mtime_ns, sha256]


def _file_states(folder: Path, patterns: list[str], previous: dict[str, FileState], settled_before: float) -> dict[str, FileState]:
    """Name -> [size, mtime_ns, sha256] of the delivery files in a folder. A file changed
    within the settle time keeps its previous state (or is left out) until it has settled."""
    states: dict[str, FileState] = {}
    if not folder.is_dir():
        return states
    for path in folder.iterdir():
        name = path.name
        if not any(matches_pattern(name, p) for p in patterns):
            continue
        try:
            if not path.is_file():
                continue
            stat = path.stat()
            if stat.st_mtime > settled_before:  # still arriving
                if name in previous:
                    states[name] = previous[name]
                continue
            known = previous.get(name)
            if known and len(known) == 3 and known[:2] == [stat.st_size, stat.st_mtime_ns]:
                states[name] = known
            else:
                states[name] = [stat.st_size, stat.st_mtime_ns, content_sha256(path)]
        except OSError:  # removed or unreadable while we looked: as before
            if name in previous:
                states[name] = previous[name]
    return dict(sorted(states.items()))


def _contents(states: dict[str, FileState]) -> dict[str, str | None]:
    """What a delivery is: its files' names and contents."""
    return {name: (state[2] if len(state) == 3 else None) for name, state in states.items()}


def _changes(before: dict[str, str | None], after: dict[str, str | None]) -> list[str]:
    changed = [f"{name} (new)" if name not in before else name for name, sha in after.items() if before.get(name) != sha]
    return changed + [f"{name} (removed)" for name in before if name not in after]


def _read_cursor(cursor: str | None) -> dict[str, dict]:
    """Per Leerwinkel {"files": {name: state}, "deliveries": n}. A cursor of the previous
    version (name -> [size, mtime_ns]) is taken over: its files count as known when their
    size and mtime are unchanged (their hash is added), so an upgrade starts no runs."""
    data = json.loads(cursor) if cursor else {}
    if data.get("version") == CURSOR_VERSION:
        return data["leerwinkels"]
    return {code: {"files": files, "deliveries": 0} for code, files in data.items() if isinstance(files, dict)}


def _adopt_unhashed(before: dict[str, FileState], after: dict[str, FileState]) -> dict[str, str | None]:
    """The previous contents, where a file of an old cursor (no hash) that has not changed
    takes the hash just computed."""
    contents = _contents(before)
    for name, state in before.items():
        if len(state) == 2 and name in after and after[name][:2] == state:
            contents[name] = after[name][2]
    return contents


@dg.sensor(
    name="leerwinkel_deliveries",
    job_name=INGEST_JOB_NAME,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Watches each Leerwinkel's folder in the landing folder. A new, changed or removed delivery "
        "file (by content: sha256) starts an ingest run of that Leerwinkel only, once; the model and "
        "tables follow via consolidation_automation. A file that is touched but unchanged starts "
        "nothing; an older file restored after a bad one starts a run again."
    ),
)
def leerwinkel_deliveries(context: dg.SensorEvaluationContext, landing: LandingFolder):
    seen = _read_cursor(context.cursor)
    settled_before = time.time() - settle_seconds()
    specs = all_specs()
    root = landing.root()
    requests = []
    cursor: dict[str, dict] = {}
    for code in PARTITIONS:
        spec = specs[code]
        previous = seen.get(code, {"files": {}, "deliveries": 0})
        before = previous.get("files", {})
        after = _file_states(root / spec.folder, [f.pattern for f in spec.files], before, settled_before)
        deliveries = int(previous.get("deliveries", 0))
        old_contents, new_contents = _adopt_unhashed(before, after), _contents(after)
        if new_contents != old_contents:
            deliveries += 1
            changes = [shown_name(c) for c in _changes(old_contents, new_contents)]  # into logs and tags: masked
            digest = hashlib.sha256(json.dumps(new_contents, sort_keys=True).encode()).hexdigest()[:16]
            context.log.info(f"{code}: {', '.join(changes)}")
            requests.append(dg.RunRequest(
                run_key=f"delivery:{code}:{deliveries}:{digest}",
                partition_key=code,
                tags={TRIGGER_TAG: "delivery", "leerwinkels/files": ", ".join(changes)[:200]},
            ))
        cursor[code] = {"files": after, "deliveries": deliveries}
    return dg.SensorResult(
        run_requests=requests,
        cursor=json.dumps({"version": CURSOR_VERSION, "leerwinkels": cursor}, sort_keys=True),
        skip_reason=None if requests else "no new or changed delivery",
    )


SCHEDULES = [nightly_consolidation]
SENSORS = [leerwinkel_deliveries, automation_sensor]
