"""The resources of a run, bound from arguments or else the LEERWINKELS_* environment
variables, and the executor: what the defs folder's assets run with.

The CLI runner calls :func:`build_resources` with its own folders and database; the Dagster
webserver and daemon get the resources of :func:`resources` (from the environment)."""

import os

import dagster as dg

from leerwinkels.defs.resources import LandingFolder, PseudonymKey, RunSettings, StagingIOManager, StagingStore, Warehouse
from leerwinkels.ingest.delivery_files import settle_seconds
from leerwinkels.ingest.delivery_guard import shrink_limit
from leerwinkels.ingest.readers import read_delivery

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
        # not set: a run fails with a message naming the variable (PseudonymKey), not Dagster's config error
        "pseudonym_key": PseudonymKey(key=dg.EnvVar("LEERWINKELS_PSEUDONYM_KEY") if os.environ.get("LEERWINKELS_PSEUDONYM_KEY") else "",
                                      landing_path=landing),
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


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources=build_resources(),
        # One process per run: the downstream run (model, 8 indicator tables, warehouse, publication
        # and ~25 checks) takes seconds in-process, minutes when every step imports the code anew.
        executor=dg.in_process_executor,
    )
