"""Where a consolidation's Dagster runs are recorded. The CLI records them by default in the
project's local instance (``data/dagster_home``, the one `make ui` shows) so that a partition
the CLI has fixed does not stay failed in the UI; ``DAGSTER_HOME`` chooses another instance;
``LEERWINKELS_RECORD_RUNS=0`` keeps them in memory (the tests, the benchmark's baseline)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

from leerwinkels.project_files import PROJECT_ROOT

DEFAULT_DAGSTER_HOME = PROJECT_ROOT / "data" / "dagster_home"


def dagster_yaml(home: Path) -> str:
    """The dagster.yaml of an instance the CLI creates (only where none exists). Telemetry off.
    Events go to Dagster's SQLite files through an engine per file instead of one per event
    (leerwinkels.run.event_storage: what recording cost, measured). Compute logs are not
    captured: every step logs through Dagster's event log (context.log) and prints nothing."""
    return f"""\
telemetry:
  enabled: false
event_log_storage:
  module: leerwinkels.run.event_storage
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {json.dumps(str(home / "history" / "runs"))}
compute_logs:
  module: dagster._core.storage.noop_compute_log_manager
  class: NoOpComputeLogManager
"""


def recording_home(record_by_default: bool) -> Path | None:
    """The instance directory runs are recorded in, or None for an in-memory instance."""
    home = os.environ.get("DAGSTER_HOME")
    if home:
        return Path(home)
    if record_by_default and os.environ.get("LEERWINKELS_RECORD_RUNS", "1").strip() != "0":
        return DEFAULT_DAGSTER_HOME
    return None


def ensure_dagster_home(home: Path) -> Path:
    """Create the instance directory and, if missing, its dagster.yaml (telemetry off)."""
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(dagster_yaml(home), encoding="utf-8")
    return home


def open_instance(record_by_default: bool = False) -> dg.DagsterInstance:
    home = recording_home(record_by_default)
    if home is None:
        return dg.DagsterInstance.ephemeral()
    return dg.DagsterInstance.from_config(str(ensure_dagster_home(home)))
