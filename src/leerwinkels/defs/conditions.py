"""When the assets downstream of the ingest run by themselves: the automation conditions.

A job cannot mix the partitioned ingest with the unpartitioned model, so the work is split:
the nightly schedule and the delivery sensor (defs/schedules.py, defs/sensors.py) only start
ingest runs, one per Leerwinkel; everything downstream carries a condition from here.
``AFTER_INGEST`` (on the model, and on the two reference tables without inputs so every
consolidation rebuilds them too) waits while any Leerwinkel's ingest is queued or running,
then requests the model once; ``DOWNSTREAM`` (eager) makes the indicators, the warehouse
tables and the publication follow in the same run. The sensor ``consolidation_automation``
evaluates them.

This module imports no asset module (only their keys): the asset modules import it.
"""

import dagster as dg

from leerwinkels.defs.asset_keys import STAGED_KEY


def _staged(condition: dg.AutomationCondition, label: str) -> dg.AutomationCondition:
    """The condition holds for at least one Leerwinkel partition of ``staged_leerwinkel``."""
    return dg.AutomationCondition.asset_matches(STAGED_KEY, condition).with_label(label)


AFTER_INGEST = (
    (
        dg.AutomationCondition.newly_missing()
        | _staged(dg.AutomationCondition.newly_updated(), "a Leerwinkel was staged")
        # a failed ingest also re-runs the model, so dq_deliveries marks that Leerwinkel stale now
        | _staged(dg.AutomationCondition.execution_failed().newly_true(), "a Leerwinkel's ingest failed")
    ).since_last_handled()
    # eager() would wait until every partition has been staged once; the model can do without
    # a Leerwinkel that never delivered readable data (dq_deliveries reports it), so it only
    # needs one
    & _staged(~dg.AutomationCondition.missing(), "some Leerwinkel has staged data")
    & ~_staged(dg.AutomationCondition.in_progress(), "a Leerwinkel's ingest is queued or running")
    & ~dg.AutomationCondition.in_progress()
).with_label("after_ingest")
"""The model (and the reference tables without inputs): once after the ingest runs finish."""

DOWNSTREAM = dg.AutomationCondition.eager()
"""The indicators, warehouse tables and publication: after their inputs, in the same run."""
