"""A real dagster-webserver on workspace.yaml: its GraphQL API lists every asset (with the
Leerwinkel partitions), every asset check, the nightly schedule and the sensors of ``defs``.

Starting the server and loading the code location costs ~15 s: the tests of this module share
one server (a module-scoped fixture) and the one answer to the repository query."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from leerwinkels.definitions import defs
from leerwinkels.ingest.source_specs import PARTITIONS
from tests.conftest import TEST_KEY
from tests.factories import REPO_ROOT as PROJECT

STARTUP_TIMEOUT = 50  # seconds: loading the code location takes ~15 s here


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _webserver_command(port: int) -> list[str]:
    script = Path(sys.executable).parent / "dagster-webserver"  # the project's environment (as `uv run` gives)
    base = [str(script)] if script.exists() else ["uv", "run", "dagster-webserver"]
    return [*base, "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]


def _graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body["errors"]
    return body["data"]


LOCATION_QUERY = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory):
    """The URL of one dagster-webserver, started for the tests of this module."""
    tmp_path = tmp_path_factory.mktemp("webserver")
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "LEERWINKELS_PSEUDONYM_KEY": TEST_KEY,
        # nothing runs (no daemon), but keep every path of the definitions away from data/
        "LEERWINKELS_SOURCES": str(tmp_path / "landing"),
        "LEERWINKELS_STAGING_DIR": str(tmp_path / "staging"),
        "LEERWINKELS_DATABASE_URL": f"sqlite:///{tmp_path / 'warehouse.sqlite'}",
        "LEERWINKELS_PUBLICATION_DIR": str(tmp_path / "publication"),
    }
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "webserver.log").open("wb")
    process = subprocess.Popen(_webserver_command(port), cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)  # its own process group: the code server goes with it
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            assert process.poll() is None, (tmp_path / "webserver.log").read_text(errors="replace")
            try:
                entries = _graphql(url, LOCATION_QUERY)["workspaceOrError"]["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, "dagster-webserver did not answer in time:\n" + (tmp_path / "webserver.log").read_text(errors="replace")
            time.sleep(0.5)
        errors = [e["locationOrLoadError"] for e in entries if e["locationOrLoadError"]["__typename"] == "PythonError"]
        assert not errors, errors
        yield url
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass
        log.close()
        shutil.rmtree(tmp_path / "dagster_home", ignore_errors=True)


REPOSITORY_QUERY = """
{
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes {
        name
        schedules { name cronSchedule executionTimezone pipelineName scheduleState { status } }
        sensors { name sensorType sensorState { status } }
        assetNodes {
          assetKey { path }
          groupName
          isPartitioned
          partitionKeys
          automationCondition { label }
          assetChecksOrError { ... on AssetChecks { checks { name blocking } } }
        }
      }
    }
  }
}
"""


@pytest.fixture(scope="module")
def repository(webserver) -> dict:
    """The webserver's one repository, as its GraphQL API describes it."""
    (node,) = _graphql(webserver, REPOSITORY_QUERY)["repositoriesOrError"]["nodes"]
    return node


@pytest.fixture(scope="module")
def nodes(repository) -> dict[str, dict]:
    return {"/".join(n["assetKey"]["path"]): n for n in repository["assetNodes"]}


def test_the_webserver_lists_every_asset(nodes):
    graph = defs.resolve_asset_graph()
    assert set(nodes) == {k.to_user_string() for k in graph.get_all_asset_keys()}

    staged = nodes["staged_leerwinkel"]
    assert staged["isPartitioned"] and staged["partitionKeys"] == list(PARTITIONS)
    assert staged["groupName"] == "ingest" and staged["automationCondition"] is None
    for key, node in nodes.items():
        assert node["groupName"] == graph.get(next(k for k in graph.get_all_asset_keys() if k.to_user_string() == key)).group_name
        assert node["automationCondition"] is None, key  # the sensors start the named jobs (defs/conditions.py)


def test_the_webserver_lists_every_asset_check(nodes):
    graph = defs.resolve_asset_graph()
    checks = {(key, c["name"], c["blocking"]) for key, n in nodes.items() for c in n["assetChecksOrError"]["checks"]}
    expected_checks = {
        (k.asset_key.to_user_string(), k.name, bool(graph.get(k).blocking)) for k in graph.asset_check_keys
    }
    assert checks == expected_checks
    assert ("dq_source_files", "accounting_adds_up", True) in checks
    assert ("trajectories", "no_personal_data", True) in checks


def test_the_webserver_lists_the_nightly_schedule(repository):
    repo_def = defs.get_repository_def()
    schedules = {s["name"]: s for s in repository["schedules"]}
    assert set(schedules) == {s.name for s in repo_def.schedule_defs}
    nightly = schedules["nightly_consolidation"]
    assert (nightly["cronSchedule"], nightly["executionTimezone"], nightly["pipelineName"]) == ("0 2 * * *", "Europe/Brussels", "ingest_leerwinkel")
    assert nightly["scheduleState"]["status"] == "RUNNING"  # default_status, on a fresh instance


def test_the_webserver_lists_the_sensors(repository):
    repo_def = defs.get_repository_def()
    sensors = {s["name"]: s for s in repository["sensors"]}
    assert set(sensors) == {s.name for s in repo_def.sensor_defs} == {"leerwinkel_deliveries", "consolidation_automation"}
    assert all(s["sensorState"]["status"] == "RUNNING" for s in sensors.values())
    assert sensors["consolidation_automation"]["sensorType"] == "STANDARD"  # a sensor that runs the job consolidate_network
