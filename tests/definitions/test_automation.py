"""The nightly schedule, the delivery sensor and the automation conditions downstream of the
ingest: evaluated as the Dagster daemon would, without starting it."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from leerwinkels.definitions import defs
from leerwinkels.defs.assets.ingest import STAGED_KEY
from leerwinkels.defs.resources import LandingFolder
from leerwinkels.defs.schedules import nightly_consolidation
from leerwinkels.defs.sensors import leerwinkel_deliveries
from leerwinkels.ingest.delivery_files import DEFAULT_SETTLE_SECONDS
from leerwinkels.ingest.source_specs import PARTITIONS

DOWNSTREAM = {k for k in defs.resolve_asset_graph().get_all_asset_keys() if k != STAGED_KEY}


def test_definitions_load_and_validate_with_schedule_and_sensors():
    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert {s.name for s in repo.schedule_defs} == {"nightly_consolidation"}
    sensors = {s.name: s for s in repo.sensor_defs}
    # no automation conditions, so Dagster adds no (stopped) default automation sensor
    assert set(sensors) == {"leerwinkel_deliveries", "consolidation_automation"}
    assert sensors["consolidation_automation"].default_status == dg.DefaultSensorStatus.RUNNING
    assert sensors["leerwinkel_deliveries"].default_status == dg.DefaultSensorStatus.RUNNING
    assert sensors["leerwinkel_deliveries"].job_name == "ingest_leerwinkel"
    # the automation runs the named job, not Dagster's anonymous __ASSET_JOB
    assert sensors["consolidation_automation"].job_name == "consolidate_network"
    graph = defs.resolve_asset_graph()
    for key in {STAGED_KEY, *DOWNSTREAM}:
        assert graph.get(key).automation_condition is None, key
    # a run is one process (the downstream run takes seconds, not minutes of per-step imports)
    assert defs.resolve_job_def("consolidate_network").executor_def.name == dg.in_process_executor.name
    # the jobs are unchanged
    assert defs.resolve_job_def("ingest_leerwinkel").partitions_def is not None
    assert defs.resolve_job_def("consolidate_network").partitions_def is None


def test_nightly_schedule_at_two_in_brussels_requests_every_leerwinkel():
    schedule = defs.resolve_schedule_def("nightly_consolidation")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/Brussels"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "ingest_leerwinkel"

    tick = datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    context = dg.build_schedule_context(scheduled_execution_time=tick, repository_def=defs.get_repository_def())
    requests = nightly_consolidation.evaluate_tick(context).run_requests
    assert [r.partition_key for r in requests] == list(PARTITIONS)
    assert len({r.run_key for r in requests}) == len(PARTITIONS)
    assert all(r.tags["dagster/partition"] == r.partition_key for r in requests)
    assert all(r.tags["leerwinkels/trigger"] == "schedule" for r in requests)
    assert all(r.tags["leerwinkels/leerwinkel"] == r.partition_key for r in requests)
    # the next night gets other run keys (a schedule's run key is per tick)
    next_night = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 28, 2, 0, tzinfo=ZoneInfo("Europe/Brussels")),
                                           repository_def=defs.get_repository_def())
    assert not {r.run_key for r in requests} & {r.run_key for r in nightly_consolidation.evaluate_tick(next_night).run_requests}


def _tick(landing, cursor=None) -> dg.SensorResult:
    context = dg.build_sensor_context(cursor=cursor, resources={"landing": LandingFolder(path=str(landing))},
                                      repository_def=defs.get_repository_def())
    result = leerwinkel_deliveries.evaluate_tick(context)
    assert result.cursor is not None
    return result


def _write(path, data: bytes, age_seconds: float = 600) -> None:
    path.write_bytes(data)
    past = time.time() - age_seconds
    os.utime(path, (past, past))


def test_delivery_sensor_requests_each_new_or_changed_file_once(tmp_path):
    landing = tmp_path / "landing"
    (landing / "brussel").mkdir(parents=True)
    (landing / "genk").mkdir()
    empty = _tick(landing)
    assert not empty.run_requests

    delivery = landing / "brussel" / "Leerwinkel_Brussel_2026-12-01.xlsx"
    _write(delivery, b"first version")
    first = _tick(landing, empty.cursor)
    assert [r.partition_key for r in first.run_requests] == ["brussel"]
    # per file pattern with counts, never the file's name (it may hold a client's name)
    assert first.run_requests[0].tags["leerwinkels/files"] == "Leerwinkel_Brussel_*.xlsx: 1 new"

    # the same folder again, with the returned cursor: nothing
    again = _tick(landing, first.cursor)
    assert not again.run_requests

    # files the ingest does not read trigger nothing: an Excel lock file, a stray note
    _write(landing / "brussel" / "~$Leerwinkel_Brussel_2026-12-01.xlsx", b"lock")
    _write(landing / "brussel" / "notes.txt", b"hello")
    assert not _tick(landing, again.cursor).run_requests

    # the file changes (new size and modification time): one more request, with a new run key
    _write(delivery, b"second, longer version", age_seconds=300)
    changed = _tick(landing, again.cursor)
    assert [r.partition_key for r in changed.run_requests] == ["brussel"]
    assert changed.run_requests[0].run_key != first.run_requests[0].run_key
    assert not _tick(landing, changed.cursor).run_requests

    # a new file at another Leerwinkel requests only that Leerwinkel
    _write(landing / "genk" / "klanten_20261201.csv", b"a,b\n")
    genk = _tick(landing, changed.cursor)
    assert [r.partition_key for r in genk.run_requests] == ["genk"]
    # the files themselves are never touched
    assert delivery.read_bytes() == b"second, longer version"


def test_delivery_sensor_waits_until_a_file_has_settled(tmp_path, monkeypatch):
    monkeypatch.delenv("LEERWINKELS_SETTLE_SECONDS", raising=False)  # the default: 120 s
    landing = tmp_path / "landing"
    (landing / "gent").mkdir(parents=True)
    start = _tick(landing)
    copying = landing / "gent" / "export_registraties_2026-12-01.csv"
    _write(copying, b"half", age_seconds=0)  # still being copied
    waiting = _tick(landing, start.cursor)
    assert not waiting.run_requests
    assert json.loads(waiting.cursor)["leerwinkels"]["gent"]["files"] == {}
    _write(copying, b"half and the rest", age_seconds=DEFAULT_SETTLE_SECONDS - 30)  # older than the old 60 s
    waiting = _tick(landing, waiting.cursor)
    assert not waiting.run_requests
    _write(copying, b"half and the rest", age_seconds=DEFAULT_SETTLE_SECONDS + 5)
    assert [r.partition_key for r in _tick(landing, waiting.cursor).run_requests] == ["gent"]


def test_delivery_sensor_settle_time_comes_from_the_environment(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "gent").mkdir(parents=True)
    start = _tick(landing)
    _write(landing / "gent" / "export_registraties_2026-12-01.csv", b"a,b\n", age_seconds=20)
    monkeypatch.setenv("LEERWINKELS_SETTLE_SECONDS", "30")
    assert not _tick(landing, start.cursor).run_requests
    monkeypatch.setenv("LEERWINKELS_SETTLE_SECONDS", "10")
    assert [r.partition_key for r in _tick(landing, start.cursor).run_requests] == ["gent"]


def test_delivery_sensor_first_tick_on_the_samples_requests_every_leerwinkel_once(sample_landing):
    past = time.time() - 600
    for path in sample_landing.rglob("*"):
        os.utime(path, (past, past))
    first = _tick(sample_landing)
    assert sorted(r.partition_key for r in first.run_requests) == sorted(PARTITIONS)
    assert not _tick(sample_landing, first.cursor).run_requests


# ---------------------------------------------------------------- automation conditions


def _in_progress_ingest(instance: dg.DagsterInstance, partition: str) -> dg.DagsterRun:
    """A queued ingest run of one partition."""
    return instance.create_run_for_job(job_def=defs.resolve_job_def("ingest_leerwinkel"), tags={"dagster/partition": partition})


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def _evaluate(instance: dg.DagsterInstance) -> list[dg.RunRequest]:
    sensor = defs.resolve_sensor_def("consolidation_automation")
    return list(sensor.evaluate_tick(dg.build_sensor_context(instance=instance, repository_def=defs.get_repository_def())).run_requests)


def _consolidation_started(instance: dg.DagsterInstance, request: dg.RunRequest) -> None:
    """What the daemon does with the request: a run of the named job (finished here at once)."""
    run = instance.create_run_for_job(job_def=defs.resolve_job_def("consolidate_network"), tags=request.tags)
    instance.report_run_canceled(run)


def test_consolidate_network_runs_once_after_the_ingest_runs_have_finished(instance):
    assert not _evaluate(instance)  # nothing staged yet: nothing to build from

    # the nightly runs are queued: the consolidation waits while any of them is in progress
    runs = {code: _in_progress_ingest(instance, code) for code in PARTITIONS}
    assert not _evaluate(instance)
    for code in PARTITIONS[:-1]:
        instance.report_runless_asset_event(dg.AssetMaterialization(STAGED_KEY, partition=code))
        instance.report_run_canceled(runs[code])  # finished (its materialisation is reported above)
        assert not _evaluate(instance), f"requested while {PARTITIONS[-1]} is still in progress"

    # the last one fails: consolidate_network runs now, once, with its tags
    instance.report_run_failed(runs[PARTITIONS[-1]])
    requests = _evaluate(instance)
    assert len(requests) == 1 and requests[0].job_name in (None, "consolidate_network")
    assert requests[0].tags["leerwinkels/trigger"] == "sensor"
    assert requests[0].run_key == _evaluate(instance)[0].run_key  # a tick evaluated again: the same run key
    _consolidation_started(instance, requests[0])
    assert not _evaluate(instance)

    # a single Leerwinkel's new delivery (the delivery sensor's run): consolidate_network once more
    genk = _in_progress_ingest(instance, "genk")
    assert not _evaluate(instance)
    instance.report_run_failed(genk)
    again = _evaluate(instance)
    assert len(again) == 1 and again[0].run_key != requests[0].run_key
    _consolidation_started(instance, again[0])
    assert not _evaluate(instance)


def test_a_cli_consolidation_leaves_the_automation_nothing_to_do(instance):
    instance.report_runless_asset_event(dg.AssetMaterialization(STAGED_KEY, partition="genk"))
    instance.report_run_failed(_in_progress_ingest(instance, "genk"))  # the CLI's ingest run ...
    running = instance.create_run_for_job(job_def=defs.resolve_job_def("consolidate_network"))  # ... then its own
    assert not _evaluate(instance)  # in progress
    instance.report_run_canceled(running)
    assert not _evaluate(instance)


# ------------------------------------------------- the delivery sensor: content, not mtime


def test_delivery_sensor_a_restored_good_file_runs_again_and_a_touch_does_not(tmp_path):
    import shutil

    landing = tmp_path / "landing"
    (landing / "brussel").mkdir(parents=True)
    kept = tmp_path / "kept"
    kept.mkdir()
    delivery = landing / "brussel" / "Leerwinkel_Brussel_2026-12-01.xlsx"
    _write(delivery, b"the good workbook", age_seconds=3600)
    shutil.copy2(delivery, kept / delivery.name)  # the steward's copy, with its modification time
    keys = []

    good = _tick(landing)
    assert [r.partition_key for r in good.run_requests] == ["brussel"]
    keys.append(good.run_requests[0].run_key)

    # a bad version of the same file: a run (which fails that partition)
    _write(delivery, b"a damaged workbook", age_seconds=600)
    bad = _tick(landing, good.cursor)
    assert [r.partition_key for r in bad.run_requests] == ["brussel"]
    keys.append(bad.run_requests[0].run_key)

    # the good file restored as `cp -a` does: same name, size and old modification time as
    # the first delivery -> a run again, under a run key Dagster has not seen
    shutil.copy2(kept / delivery.name, delivery)
    restored = _tick(landing, bad.cursor)
    assert [r.partition_key for r in restored.run_requests] == ["brussel"]
    assert restored.run_requests[0].tags["leerwinkels/files"] == "Leerwinkel_Brussel_*.xlsx: 1 changed"
    keys.append(restored.run_requests[0].run_key)
    assert len(set(keys)) == 3

    # nothing changed: no run
    still = _tick(landing, restored.cursor)
    assert not still.run_requests

    # the same content touched (new modification time, same sha256): no run
    _write(delivery, b"the good workbook", age_seconds=300)
    touched = _tick(landing, still.cursor)
    assert not touched.run_requests
    assert not _tick(landing, touched.cursor).run_requests

    # a tick evaluated again with the same cursor (the daemon restarted before saving it)
    # asks for the same run key: Dagster starts that run once
    assert _tick(landing, bad.cursor).run_requests[0].run_key == restored.run_requests[0].run_key


def test_delivery_sensor_hashes_a_file_only_when_its_name_size_or_mtime_changed(tmp_path, monkeypatch):
    import leerwinkels.defs.sensors as automation
    from leerwinkels.ingest.delivery_files import content_sha256

    hashed: list[str] = []

    def counting_sha256(path):
        hashed.append(path.name)
        return content_sha256(path)

    monkeypatch.setattr(automation, "content_sha256", counting_sha256)
    landing = tmp_path / "landing"
    (landing / "genk").mkdir(parents=True)
    _write(landing / "genk" / "klanten_20261201.csv", b"a,b\n")
    _write(landing / "genk" / "contacten_20261201.csv", b"c,d\n")
    first = _tick(landing)
    assert sorted(hashed) == ["contacten_20261201.csv", "klanten_20261201.csv"]
    hashed.clear()
    assert not _tick(landing, first.cursor).run_requests
    assert hashed == []
    _write(landing / "genk" / "klanten_20261201.csv", b"a,b\n1,2\n")
    assert [r.partition_key for r in _tick(landing, first.cursor).run_requests] == ["genk"]
    assert hashed == ["klanten_20261201.csv"]


def test_delivery_sensor_matches_names_case_insensitively_and_xlsm_for_xlsx(tmp_path):
    landing = tmp_path / "landing"
    for code in ("brussel", "genk", "leuven"):
        (landing / code).mkdir(parents=True)
    start = _tick(landing)
    _write(landing / "brussel" / "LEERWINKEL_BRUSSEL_2026-12-01.XLSX", b"upper case")
    _write(landing / "genk" / "Klanten_20261201.CSV", b"a,b\n")
    _write(landing / "leuven" / "Leerwinkel Leuven dossiers 2026-12.xlsm", b"with macros")
    result = _tick(landing, start.cursor)
    assert sorted(r.partition_key for r in result.run_requests) == ["brussel", "genk", "leuven"]


def test_delivery_sensor_takes_over_a_cursor_of_the_previous_version_without_runs(tmp_path):
    landing = tmp_path / "landing"
    (landing / "brussel").mkdir(parents=True)
    delivery = landing / "brussel" / "Leerwinkel_Brussel_2026-12-01.xlsx"
    _write(delivery, b"known")
    stat = delivery.stat()
    old_cursor = json.dumps({"brussel": {delivery.name: [stat.st_size, stat.st_mtime_ns]}})
    taken_over = _tick(landing, old_cursor)
    assert not taken_over.run_requests
    _write(delivery, b"new content")
    assert [r.partition_key for r in _tick(landing, taken_over.cursor).run_requests] == ["brussel"]
