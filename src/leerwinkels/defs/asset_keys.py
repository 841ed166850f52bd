"""Asset keys that more than one defs module names: the assets, the automation conditions,
the jobs and the runner refer to them here, so none of them imports an asset module for a key."""

import dagster as dg

STAGED_KEY = dg.AssetKey("staged_leerwinkel")
"""One Leerwinkel's staged delivery (partitioned): made by defs/assets/ingest.py."""

WAREHOUSE_PREFIX = "warehouse"
"""The warehouse tables' keys: ``warehouse/<table>`` (defs/assets/publish.py); the frame each
is written from keeps the bare table name."""


def warehouse_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([WAREHOUSE_PREFIX, table])
