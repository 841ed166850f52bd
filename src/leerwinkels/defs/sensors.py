"""The sensors: new deliveries start a Leerwinkel's ingest run; consolidation_automation then
runs the job consolidate_network once the ingest runs have finished."""

import hashlib
import json
import time
from pathlib import Path

import dagster as dg

from leerwinkels.defs.asset_keys import STAGED_KEY
from leerwinkels.defs.jobs import CONSOLIDATE_JOB_NAME, FILES_TAG, INGEST_JOB_NAME, LEERWINKEL_TAG, TRIGGER_TAG
from leerwinkels.defs.resources import LandingFolder
from leerwinkels.ingest.delivery_files import changes_by_pattern, content_sha256, matches_pattern, settle_seconds
from leerwinkels.ingest.source_specs import PARTITIONS, all_specs

# ---------------------------------------------------------------- after the ingest runs
#
# Runs started by automation conditions are anonymous (`__ASSET_JOB`); this sensor starts the
# named job `consolidate_network` instead, by the rule the conditions had: once no ingest is
# queued or running, when an ingest run (succeeded, failed or canceled: a failed one marks
# its Leerwinkel stale) finished after the last consolidation was created. The rule reads
# only the runs, so it needs no cursor: a CLI consolidation (its ingest runs, then its own
# consolidate_network run) leaves nothing to do; the run key is the newest ingest run's id,
# so one tick evaluated twice starts one run.

UNFINISHED = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
              dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def _finished_at(record) -> float:
    return record.end_time or record.update_timestamp.timestamp()


def consolidation_request(instance: dg.DagsterInstance) -> dg.RunRequest | dg.SkipReason:
    """The consolidate_network run to start now, or why not."""
    if instance.get_run_records(dg.RunsFilter(job_name=INGEST_JOB_NAME, statuses=UNFINISHED), limit=1):
        return dg.SkipReason("a Leerwinkel's ingest is queued or running")
    if instance.get_run_records(dg.RunsFilter(job_name=CONSOLIDATE_JOB_NAME, statuses=UNFINISHED), limit=1):
        return dg.SkipReason("a consolidation is queued or running")
    finished = instance.get_run_records(dg.RunsFilter(job_name=INGEST_JOB_NAME, statuses=FINISHED), limit=50)
    if not finished:
        return dg.SkipReason("no ingest run has finished yet")
    newest = max(finished, key=_finished_at)
    last = instance.get_run_records(dg.RunsFilter(job_name=CONSOLIDATE_JOB_NAME), limit=1)
    if last and last[0].create_timestamp.timestamp() >= _finished_at(newest):
        return dg.SkipReason("the last consolidation came after the last ingest run")
    if not instance.get_materialized_partitions(STAGED_KEY):
        return dg.SkipReason("no Leerwinkel has staged data yet")
    return dg.RunRequest(
        run_key=f"after_ingest:{newest.dagster_run.run_id}",
        tags={TRIGGER_TAG: "sensor", LEERWINKEL_TAG: "all"},
    )


@dg.sensor(
    name="consolidation_automation",
    job_name=CONSOLIDATE_JOB_NAME,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Runs consolidate_network (model, indicators, warehouse tables and publication) once the "
        "Leerwinkels' ingest runs have finished (succeeded or failed), and none is queued or running."
    ),
)
def automation_sensor(context: dg.SensorEvaluationContext):
    return consolidation_request(context.instance)


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
            # per file pattern with counts, never the names (a name may hold a client's name)
            changes = changes_by_pattern(old_contents, new_contents, [f.pattern for f in spec.files])
            digest = hashlib.sha256(json.dumps(new_contents, sort_keys=True).encode()).hexdigest()[:16]
            context.log.info(f"{code}: {changes}")
            requests.append(dg.RunRequest(
                run_key=f"delivery:{code}:{deliveries}:{digest}",
                partition_key=code,
                tags={TRIGGER_TAG: "sensor", LEERWINKEL_TAG: code, FILES_TAG: changes[:200]},
            ))
        cursor[code] = {"files": after, "deliveries": deliveries}
    return dg.SensorResult(
        run_requests=requests,
        cursor=json.dumps({"version": CURSOR_VERSION, "leerwinkels": cursor}, sort_keys=True),
        skip_reason=None if requests else "no new or changed delivery",
    )
