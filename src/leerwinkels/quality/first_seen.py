"""When a contact or a closing first appeared in a Leerwinkel's deliveries: the ledger that
timeliness needs (issue 20).

Every delivery is a complete export (SOURCES.md), so the staged partition alone forgets when a
row first came in. The ledger is kept beside the staged data of the Leerwinkel (``first_seen``
in its staged partition) and carried from one good delivery to the next: a row already in the
previous ledger keeps its first delivery date, a new row gets this delivery's date. Rows are
identified by their pseudonymised trajectory key, date and (for contacts) type and occurrence:
no source value is kept.

A Leerwinkel's first delivery the ledger knows is its *baseline*: its rows were registered
before the pipeline watched, so nobody can say whether they were registered late. They are
kept (with ``baseline`` true) but not judged.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl

LEDGER = "first_seen"  # its name in the staged partition
IDENTITY = ["kind", "trajectory_key", "event_date", "contact_type", "occurrence"]
SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String(), "trajectory_key": pl.String(), "event_date": pl.Date(), "contact_type": pl.String(),
    "occurrence": pl.Int64(), "first_delivered": pl.Date(), "baseline": pl.Boolean(),
}


def empty_ledger() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def delivered_events(trajectories: pl.DataFrame, contacts: pl.DataFrame) -> pl.DataFrame:
    """The contacts and closings of one delivery, each once (two equal contacts are occurrence 0 and 1)."""
    contact_rows = contacts.select(
        pl.lit("contact").alias("kind"), "trajectory_key", pl.col("contact_date").alias("event_date"),
        pl.col("contact_type").fill_null("unknown"),
    ).filter(pl.col("event_date").is_not_null())
    closings = trajectories.filter(pl.col("closed_date").is_not_null()).select(
        pl.lit("closing").alias("kind"), "trajectory_key", pl.col("closed_date").alias("event_date"),
        pl.lit("").alias("contact_type"),
    )
    events = pl.concat([contact_rows, closings])
    return with_occurrence(events, ["kind", "trajectory_key", "event_date", "contact_type"])


def with_occurrence(events: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """``occurrence``: 0 for the first row of equal ``keys``, 1 for the next, in row order.

    Nearly every event is the only one of its keys: the window runs over the few repeated
    rows only (one hash pass to find them; the window over all ~4 million events of a
    1,000,000-trajectory network took 3x as long)."""
    repeated = pl.struct(keys).is_duplicated()
    index = "__row"
    marked = events.with_row_index(index).with_columns(repeated.alias("__repeated"))
    counted = marked.filter(pl.col("__repeated")).select(
        index, pl.int_range(pl.len()).over(keys).cast(pl.Int64).alias("occurrence"))
    return marked.join(counted, on=index, how="left", maintain_order="left").with_columns(
        pl.col("occurrence").fill_null(0)).drop(index, "__repeated")


def delivery_date(source_files: pl.DataFrame, as_of: date) -> date:
    """The day the delivery came in: its newest file's modification day, never after the as-of date."""
    times = source_files.get_column("modified_time").drop_nulls() if "modified_time" in source_files.columns else pl.Series([])
    newest = times.max() if len(times) else None
    return min(newest.date(), as_of) if newest is not None else as_of  # type: ignore[union-attr]


def updated_ledger(events: pl.DataFrame, previous: pl.DataFrame | None, delivered_on: date) -> pl.DataFrame:
    """The ledger after this delivery: its events, each with the first delivery that held it.
    ``previous`` None: this is the first delivery the ledger knows (every row a baseline row)."""
    if previous is None:
        return events.with_columns(pl.lit(delivered_on).alias("first_delivered"), pl.lit(True).alias("baseline")).select(list(SCHEMA))
    known = previous.select(IDENTITY + ["first_delivered", "baseline"])
    joined = events.join(known, on=IDENTITY, how="left", nulls_equal=True)
    return joined.with_columns(
        pl.col("first_delivered").fill_null(delivered_on),
        pl.col("baseline").fill_null(False),
    ).select(list(SCHEMA))


def previous_ledger(partition_dir: Path) -> pl.DataFrame | None:
    """The ledger of the last good staged data of a Leerwinkel; None when there is none yet
    (no staged data, or data staged before the ledger existed)."""
    path = partition_dir / f"{LEDGER}.parquet"
    if not path.exists():
        return None
    return pl.read_parquet(path).select(list(SCHEMA))


def late_expr(late_days: int) -> pl.Expr:
    """A judged event dated more than ``late_days`` before the first delivery that held it."""
    return ~pl.col("baseline") & (pl.col("event_date") < pl.col("first_delivered") - timedelta(days=late_days))
