"""The Dagster definitions of the Leerwinkels consolidation (loaded by workspace.yaml)."""

from __future__ import annotations

import os

import dagster as dg

from leerwinkels.defs import checks

from leerwinkels.defs.assets import indicators

from leerwinkels.defs.assets import ingest

from leerwinkels.defs.assets import model

from leerwinkels.defs.assets import publish

from leerwinkels.defs.assets import revisions
from leerwinkels.defs.automation import SCHEDULES, SENSORS
from leerwinkels.ingest.delivery_files import settle_seconds
from leerwinkels.ingest.delivery_guard import ACCEPT_TAG, shrink_limit
from leerwinkels.ingest.readers import read_delivery
from leerwinkels.defs.resources import LandingFolder, PseudonymKey, RunSettings, StagingIOManager, StagingStore, Warehouse

DEFAULT_DATABASE_URL = "sqlite:///data/warehouse.sqlite"


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def build_resources(
    *,
    sources: str | None = None,
    database_url: str | None = None,
    as_of: str | None = None,
    staging_dir: str | None = None,
    publication_dir: str | None = None,
) -> dict:
    """The resources of a run, from arguments or else the LEERWINKELS_* environment variables."""
    staging = staging_dir or _env("LEERWINKELS_STAGING_DIR", "data/staging")
    landing = sources or _env("LEERWINKELS_SOURCES", "data/landing")
    return {
        "landing": LandingFolder(path=landing),
        "pseudonym_key": PseudonymKey(key=dg.EnvVar("LEERWINKELS_PSEUDONYM_KEY"), landing_path=landing),
        "settings": RunSettings(
            as_of=as_of if as_of is not None else _env("LEERWINKELS_AS_OF", ""),
            freshness_days=int(_env("LEERWINKELS_FRESHNESS_DAYS", "35")),
            quarantine_warn_share=float(_env("LEERWINKELS_QUARANTINE_WARN_SHARE", "0.05")),
            revision_warn_share=float(_env("LEERWINKELS_REVISION_WARN_SHARE", "0.05")),
            publication_dir=publication_dir or _env("LEERWINKELS_PUBLICATION_DIR", "data/publication"),
            settle_seconds=settle_seconds(),
            shrink_limit=shrink_limit(),
        ),
        # from the environment as an EnvVar: the UI then shows the variable's name, not a password
        "warehouse": Warehouse(url=database_url) if database_url
        else Warehouse(url=dg.EnvVar("LEERWINKELS_DATABASE_URL")) if "LEERWINKELS_DATABASE_URL" in os.environ
        else Warehouse(url=DEFAULT_DATABASE_URL),
        "io_manager": StagingIOManager(base_dir=staging),
        "staging_store": StagingStore(base_dir=staging),
        # how the ingest reads a delivered file; a CLI run puts its read-ahead here (run/runner.py)
        "delivery_reader": read_delivery,
    }


ALL_ASSETS = [
    ingest.staged_leerwinkel,
    model.network_model,
    *dg.load_assets_from_modules([indicators]),
    revisions.dq_revisions,
    publish.warehouse_tables,
    publish.publication_export,
]
ALL_CHECKS = [
    checks.accounting_adds_up,
    checks.quarantine_share_within_limit,
    checks.deliveries_fresh,
    checks.no_held_deliveries,
    checks.no_unmapped_labels,
    checks.sroi_costs_complete,
    checks.publication_suppresses_small_cells,
    *checks.personal_data_checks,
    revisions.revisions_within_limit,
    revisions.no_personal_data_in_revisions,
]

ingest_job = dg.define_asset_job(
    "ingest_leerwinkel",
    selection=dg.AssetSelection.assets(ingest.STAGED_KEY),
    description="Read, check and pseudonymise one Leerwinkel's delivery (one partition).",
)
consolidate_job = dg.define_asset_job(
    "consolidate_network",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(ingest.STAGED_KEY),
    description="Build the model, indicators, warehouse tables and publication export from every Leerwinkel's latest good staged data.",
)

accept_job = dg.define_asset_job(
    "accept_held_delivery",
    selection=dg.AssetSelection.assets(ingest.STAGED_KEY),
    tags={ACCEPT_TAG: "true"},
    description=(
        "A steward accepts one Leerwinkel's held delivery (launch it for that partition): its current files are recorded "
        "as accepted by sha256 and staged although a guard held them. Same as `leerwinkels accept LEERWINKEL`."
    ),
)

defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=[ingest_job, consolidate_job, accept_job],
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources=build_resources(),
    # One process per run: the downstream run (model, 8 indicator tables, warehouse, publication
    # and ~25 checks) takes seconds in-process, minutes when every step imports the code anew.
    executor=dg.in_process_executor,
)
