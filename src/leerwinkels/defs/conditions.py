"""The assets downstream of the ingest carry no automation condition.

Runs that automation conditions start are anonymous in the UI (`__ASSET_JOB`), and a job
cannot mix the partitioned ingest with the unpartitioned model. So the nightly schedule and
the delivery sensor (defs/schedules.py, defs/sensors.py) start ingest runs of the job
``ingest_leerwinkel``, one per Leerwinkel, and the sensor ``consolidation_automation``
starts the named job ``consolidate_network`` once they have finished (succeeded or failed,
none queued or running): the rule the conditions here used to express.

The asset modules still pass these names (``None``: no condition, and so no default
automation sensor that Dagster would add for them).

This module imports no asset module: the asset modules import it.
"""

import dagster as dg

AFTER_INGEST: dg.AutomationCondition | None = None
"""The model (and the reference tables without inputs): run by consolidate_network."""

DOWNSTREAM: dg.AutomationCondition | None = None
"""The indicators, warehouse tables and publication: run by consolidate_network."""
