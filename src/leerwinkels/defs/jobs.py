"""The jobs a person (or the schedule and sensors) launches."""

import dagster as dg

from leerwinkels.defs.asset_keys import STAGED_KEY
from leerwinkels.ingest.delivery_guard import ACCEPT_TAG

INGEST_JOB_NAME = "ingest_leerwinkel"
"""The schedule and the delivery sensor start runs of this job (one per Leerwinkel partition)."""

ingest_job = dg.define_asset_job(
    INGEST_JOB_NAME,
    selection=dg.AssetSelection.assets(STAGED_KEY),
    description="Read, check and pseudonymise one Leerwinkel's delivery (one partition).",
)

CONSOLIDATE_JOB_NAME = "consolidate_network"
"""Everything downstream of the ingest; the CLI and the automation sensor run this job."""

consolidate_job = dg.define_asset_job(
    CONSOLIDATE_JOB_NAME,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(STAGED_KEY),
    description="Build the model, indicators, warehouse tables and publication export from every Leerwinkel's latest good staged data.",
)

accept_job = dg.define_asset_job(
    "accept_held_delivery",
    selection=dg.AssetSelection.assets(STAGED_KEY),
    tags={ACCEPT_TAG: "true"},
    description=(
        "A steward accepts one Leerwinkel's held delivery (launch it for that partition): its current files are recorded "
        "as accepted by sha256 and staged although a guard held them. Same as `leerwinkels accept LEERWINKEL`."
    ),
)

TRIGGER_TAG = "leerwinkels/trigger"
"""Run tag: what started a run (``cli``, ``schedule``, ``sensor``)."""

LEERWINKEL_TAG = "leerwinkels/leerwinkel"
"""Run tag: the Leerwinkel an ingest run reads (``all`` for consolidate_network)."""

FILES_TAG = "leerwinkels/files"
"""Run tag: the delivery files an ingest run reads or that changed (names masked as in logs)."""
