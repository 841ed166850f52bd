"""Shared fixtures: the sample landing folder (a copy of shared/samples), its expected
figures, a test pseudonymisation key, and per session one consolidation of the samples in
this process (``sample_run``, with ``after_sample_run`` to go on from a copy of it) and one
by the CLI in its own process (``cli_sample_run``, its runs recorded). A test that goes on
from a shared run works on a copy: the shared folders are only read.

The tests come in layers, one folder each, marked by the folder they are in (so that
`uv run pytest -m unit` runs the fast ones):

- unit/: one function or component against real files or a real SQLite file; no Dagster run;
- definitions/: the Dagster definitions: assets and checks called directly, automation,
  schedules, sensors, metadata;
- e2e/: whole consolidations (runner, CLI, webserver, hostile deliveries);
- postgres/: against a real PostgreSQL server the tests start themselves.

Tests that take tens of seconds are also marked `slow` (`-m "not slow"` leaves them out).
Frame builders and warehouse helpers shared by several modules are in tests/factories.py."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

# Tests write their deliveries just before they run them: no settle time (DELIVERIES.md) unless
# a test sets one. Set for the whole session, also for module fixtures and subprocesses.
os.environ["LEERWINKELS_SETTLE_SECONDS"] = "0"
# The CLI records its runs in the project's data/dagster_home by default; a test's CLI runs
# stay in memory unless the test gives them a DAGSTER_HOME of its own.
os.environ["LEERWINKELS_RECORD_RUNS"] = "0"
# Most runs need no report.pdf (a Chromium start each); the report tests print it (tests/e2e/test_report_*.py).
os.environ["LEERWINKELS_REPORT_PDF"] = "0"

from tests.factories import FIXTURES  # after the setting above, which imports must see

SAMPLES = FIXTURES / "samples"
LAYERS = ("unit", "definitions", "e2e", "postgres")
# modules whose tests take tens of seconds each (measured with --durations)
SLOW_MODULES = frozenset({"test_disclosure_attack.py", "test_webserver.py"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each test gets the marker of its layer folder, and `slow` where its module is slow."""
    tests_dir = Path(__file__).parent
    for item in items:
        path = Path(str(item.fspath)).resolve()
        layer = path.relative_to(tests_dir).parts[0] if path.is_relative_to(tests_dir) else None
        if layer not in LAYERS:
            raise pytest.UsageError(f"{path.name}: a test module belongs in one of the layer folders {', '.join(LAYERS)}")
        item.add_marker(getattr(pytest.mark, layer))
        if path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
AS_OF = "2026-11-26"
TEST_KEY = "test-only-key-0123456789abcdef0123456789"


@pytest.fixture(scope="session")
def expected() -> dict:
    return json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def personal_values(expected) -> list[str]:
    return expected["personal_values"]


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch):
    monkeypatch.setenv("LEERWINKELS_PSEUDONYM_KEY", TEST_KEY)
    # tests never record into a developer's (or `make`'s) Dagster instance
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return TEST_KEY


@pytest.fixture
def sample_landing(tmp_path) -> Path:
    """A private copy of the sample landing folder that a test may change."""
    target = tmp_path / "landing"
    shutil.copytree(SAMPLES / "landing", target)
    return target


def read_warehouse(url: str) -> dict[str, pl.DataFrame]:
    """Every table of the warehouse, typed as the tables declare them (booleans, dates)."""
    from leerwinkels.defs.resources import Warehouse

    warehouse = Warehouse(url=url)
    try:
        return warehouse.read_tables()
    finally:
        warehouse.dispose()


class SampleRun:
    def __init__(self, root: Path, result, log: str, materialisations: dict[tuple[str, str | None], dict]):
        self.root = root
        self.result = result
        self.log = log
        # (asset key, partition) -> the metadata of its materialisation, as the UI shows it
        self.materialisations = materialisations
        self.database_url = f"sqlite:///{root / 'warehouse.sqlite'}"
        self.tables = read_warehouse(self.database_url)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> SampleRun:
    """The samples consolidated once through the whole Dagster graph into a SQLite file."""
    import logging

    import dagster as dg

    from leerwinkels.run.runner import consolidate

    root = tmp_path_factory.mktemp("sample_run")
    mp = pytest.MonkeyPatch()
    mp.setenv("LEERWINKELS_PSEUDONYM_KEY", TEST_KEY)
    mp.delenv("DAGSTER_HOME", raising=False)
    records: list[str] = []
    materialisations: dict[tuple[str, str | None], dict] = {}

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Capture(level=logging.DEBUG)
    logging.getLogger().addHandler(handler)
    instance = dg.DagsterInstance.ephemeral()
    try:
        result = consolidate(
            sources=SAMPLES / "landing", database_url=f"sqlite:///{root / 'warehouse.sqlite'}", as_of=AS_OF,
            staging_dir=root / "staging", publication_dir=root / "publication", instance=instance,
        )
        # every event of the runs, with its metadata (previews, quarantine tables, messages)
        for run_id in result.run_ids:
            records.extend(f"{e.message} {e.dagster_event!r}" for e in instance.all_logs(run_id))
            for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
                m = record.dagster_event.event_specific_data.materialization
                materialisations[(m.asset_key.to_user_string(), m.partition)] = dict(m.metadata)
    finally:
        logging.getLogger().removeHandler(handler)
        instance.dispose()
        mp.undo()
    assert result.success, result.error
    return SampleRun(root, result, "\n".join(records), materialisations)


@pytest.fixture
def after_sample_run(sample_run, tmp_path) -> Path:
    """``tmp_path`` as a clean consolidation of the samples leaves it -- ``warehouse.sqlite`` and
    ``staging/`` (every Leerwinkel's last good data) -- copied from the session's ``sample_run``
    (whose folder stays untouched), for a test whose first run is that clean run."""
    source = sqlite3.connect(sample_run.root / "warehouse.sqlite")
    target = sqlite3.connect(tmp_path / "warehouse.sqlite")
    try:
        source.backup(target)  # a consistent copy, whatever is still in the WAL
    finally:
        target.close()
        source.close()
    shutil.copytree(sample_run.root / "staging", tmp_path / "staging")
    return tmp_path


class CliSampleRun:
    def __init__(self, root: Path, done: subprocess.CompletedProcess[str]):
        self.root = root  # w.sqlite, staging/, publication/ and dagster_home/ of the run
        self.done = done  # its exit code, stdout and stderr
        self.dagster_home = root / "dagster_home"


@pytest.fixture(scope="session")
def cli_sample_run(tmp_path_factory) -> CliSampleRun:
    """``leerwinkels consolidate`` on the samples in a process of its own, as a steward runs it,
    once per session: recording its runs (LEERWINKELS_RECORD_RUNS unset) in a DAGSTER_HOME that
    is not there yet (the CLI creates it). Its folder is only read; a test that goes on from it
    copies what it needs."""
    root = tmp_path_factory.mktemp("cli_sample_run")
    env = {**os.environ, "DAGSTER_HOME": str(root / "dagster_home"), "LEERWINKELS_PSEUDONYM_KEY": TEST_KEY}
    env.pop("LEERWINKELS_RECORD_RUNS", None)
    done = subprocess.run(
        [sys.executable, "-m", "leerwinkels.cli", "consolidate", "--sources", str(SAMPLES / "landing"), "--as-of", AS_OF,
         "--database", f"sqlite:///{root / 'w.sqlite'}", "--staging", str(root / "staging"),
         "--publication", str(root / "publication")],
        cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )
    return CliSampleRun(root, done)
