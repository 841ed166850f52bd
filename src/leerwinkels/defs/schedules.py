"""The nightly schedule: one ingest run per Leerwinkel; the model and tables follow through
the consolidation_automation sensor (defs/sensors.py) once those runs have finished."""

import dagster as dg

from leerwinkels.defs.jobs import INGEST_JOB_NAME, LEERWINKEL_TAG, TRIGGER_TAG
from leerwinkels.ingest.source_specs import PARTITIONS

NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Europe/Brussels"


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
        yield dg.RunRequest(run_key=f"nightly:{stamp}:{code}", partition_key=code, tags={TRIGGER_TAG: "schedule", LEERWINKEL_TAG: code})
