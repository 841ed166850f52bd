"""`dq_revisions`: figures of earlier (published) years that this load changes, compared
with what the warehouse holds now, and the WARN check a steward looks at.

The comparison itself is ``leerwinkels.indicators.revisions`` (pure polars); this module only reads the
previous tables, stamps the run and writes metadata. ``warehouse_tables`` writes the table
in the same transaction as the indicator tables it describes, so a failed run leaves both
as they were and the next run compares against the same previous load again.
"""

from datetime import UTC, datetime

import dagster as dg
import polars as pl

from leerwinkels.defs.assets.common import OWNERS, definition_metadata, markdown_table
from leerwinkels.defs.checks import PERSONAL_DATA_CHECK, personal_data_result
from leerwinkels.defs.conditions import DOWNSTREAM
from leerwinkels.defs.resources import RunSettings, Warehouse
from leerwinkels.indicators import revisions as rev

TABLE = "dq_revisions"
REVISED_TABLES = tuple(rev.REVISION_KEYS)


def _previous_load(warehouse: Warehouse) -> dict[str, pl.DataFrame]:
    """The indicator tables and the revision history the warehouse holds now (none on a
    first load). A database that cannot be read fails this step with its kind of error only
    (the warehouse write would fail the same way; its text may carry a connection URL)."""
    try:
        present = set(warehouse.table_names())
        return warehouse.read_tables(sorted(present & {*REVISED_TABLES, TABLE}))
    except Exception as exc:  # any driver error: say where, not the driver's text
        raise dg.Failure(
            description=f"could not read the previous indicator tables from {warehouse.describe()} "
            f"({type(exc).__name__}); check that the database is reachable, then run again",
            allow_retries=True,
        ) from None


@dg.asset(
    ins={name: dg.AssetIn() for name in REVISED_TABLES},
    group_name="quality",
    owners=OWNERS,
    kinds={"polars"},
    automation_condition=DOWNSTREAM,
    metadata=definition_metadata(TABLE),
    description=(
        "Revisions of published years: every indicator figure of a year before the as-of year that differs from "
        "the previous successful load (table, keys, column, previous and new value, run, load time). Keeps the "
        "history of earlier loads."
    ),
)
def dq_revisions(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: RunSettings,
                 **tables: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    previous = _previous_load(warehouse)
    found = rev.find_all_revisions(
        previous, tables, before_year=settings.as_of_date().year,
        run_id=context.run.run_id, loaded_at=datetime.now(UTC),
    )
    frame = rev.with_history(previous.get(TABLE), found)
    if not previous.keys() & set(REVISED_TABLES):
        context.log.info("no previous indicator tables in the warehouse (first load): no revisions")
    counts, largest = rev.revision_summary(found)
    return dg.Output(frame, metadata={
        "dagster/row_count": dg.MetadataValue.int(frame.height),
        "revisions_this_load": dg.MetadataValue.int(found.height),
        "per_table": dg.MetadataValue.md(markdown_table(counts)),
        "largest_changes": dg.MetadataValue.md(markdown_table(largest)),
    })


def _this_load(context: dg.AssetCheckExecutionContext, revisions: pl.DataFrame) -> pl.DataFrame:
    """The rows of the load that last materialised dq_revisions (this run, when the check runs
    with the asset as it does in every job); the older rows are history."""
    event = context.instance.get_latest_materialization_event(dg.AssetKey(TABLE))
    run_id = event.run_id if event is not None else context.run.run_id
    return revisions.filter(pl.col("run_id") == run_id)


@dg.asset_check(
    asset=TABLE,
    description=(
        "WARN when this load changes a figure of an earlier (published) year by more than the limit "
        "(LEERWINKELS_REVISION_WARN_SHARE, default 5%) of its previous value, or from or to 0 or null."
    ),
)
def revisions_within_limit(context: dg.AssetCheckExecutionContext, dq_revisions: pl.DataFrame,
                           settings: RunSettings) -> dg.AssetCheckResult:
    found = _this_load(context, dq_revisions)
    above = rev.revisions_above_limit(found, settings.revision_warn_share)
    counts, largest = rev.revision_summary(above)
    return dg.AssetCheckResult(
        passed=above.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "limit": dg.MetadataValue.float(settings.revision_warn_share),
            "revisions_this_load": dg.MetadataValue.int(found.height),
            "above_limit": dg.MetadataValue.int(above.height),
            "per_table": dg.MetadataValue.md(markdown_table(counts)),
            "largest_changes": dg.MetadataValue.md(markdown_table(largest)),
        },
    )


@dg.asset_check(asset=TABLE, name=PERSONAL_DATA_CHECK, blocking=True,
                description="No text column looks like a national number, e-mail address or phone number.")
def no_personal_data_in_revisions(dq_revisions: pl.DataFrame) -> dg.AssetCheckResult:
    return personal_data_result(TABLE, dq_revisions)
