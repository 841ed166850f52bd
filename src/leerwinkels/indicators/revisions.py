"""Revisions of published years: which indicator figures of an earlier year changed since
the previous successful load (DELIVERIES.md, "Revisions of published years").

Pure polars, no Dagster: ``find_revisions`` compares one table's previous rows (what the
warehouse holds) with this run's, ``revisions_above_limit`` picks the ones a steward must
look at. ``src/leerwinkels/defs/assets/revisions.py`` feeds them and writes ``dq_revisions``.

What counts as a figure: every numeric column that is not a key (counts, shares, means,
euros, ratios). Text and boolean columns (``parameter_version``, ``assumptions``,
``cost_complete``) describe a figure; when they change, the figures they describe change
too. Only columns present in both loads are compared: a column added by a new release is
not a revision of every past year.

Values are stored as **Float64** (``previous_value``, ``new_value``): every figure is a
number, counts up to 2**53 are exact as floats, and one type keeps the table simple to
query. NaN is read as null (SQLite stores NaN as NULL, so a NaN would otherwise differ
from itself after a round trip). Null and 0 differ: a share that becomes computable, a
ratio that gets its cost row, are revisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import polars as pl

from leerwinkels.contract.tables import KEYED_TABLES, PUBLISHED_TABLES

#: The indicator tables that are compared, with their key columns (INDICATORS.md, SROI.md).
# the published indicator tables, each with its key from the contract catalogue
REVISION_KEYS: dict[str, list[str]] = {table: KEYED_TABLES[table] for table in PUBLISHED_TABLES}

#: Two floats closer than this (relative to the previous value, at least absolutely) are the
#: same figure: a sum taken in another order may differ in its last bits.
TOLERANCE = 1e-9

REVISION_SCHEMA: dict[str, pl.DataType] = {
    "table_name": pl.String(),
    "leerwinkel": pl.String(),
    "year": pl.Int64(),
    "key": pl.String(),  # every key column as text: "leerwinkel=genk, year=2024, dimension=gender, category=female"
    "column_name": pl.String(),
    "change": pl.String(),  # changed | added (row new in this load) | removed (row gone)
    "previous_value": pl.Float64(),
    "new_value": pl.Float64(),
    "relative_change": pl.Float64(),  # (new - previous) / |previous|; null from/to 0 or null
    "run_id": pl.String(),
    "loaded_at": pl.Datetime("us", "UTC"),
}


def empty_revisions() -> pl.DataFrame:
    return pl.DataFrame(schema=REVISION_SCHEMA)


def _figure_columns(frame: pl.DataFrame, keys: Sequence[str]) -> list[str]:
    return [name for name, dtype in frame.schema.items() if name not in keys and dtype.is_numeric()]


def _long(frame: pl.DataFrame, keys: list[str], columns: list[str], before_year: int, value: str) -> pl.LazyFrame:
    """One row per key and figure column of the years before ``before_year``; keys as text."""
    return (
        frame.lazy()
        .filter(pl.col("year").cast(pl.Int64) < before_year)
        .select(
            *[pl.col(k).cast(pl.String) for k in keys],
            *[pl.col(c).cast(pl.Float64).fill_nan(None) for c in columns],
        )
        .unpivot(index=keys, on=columns, variable_name="column_name", value_name=value)
        .with_columns(pl.lit(True).alias(f"_in_{value}"))
    )


def find_revisions(
    table: str,
    previous: pl.DataFrame | None,
    new: pl.DataFrame,
    *,
    keys: Sequence[str],
    before_year: int,
    run_id: str,
    loaded_at: datetime,
) -> pl.DataFrame:
    """The figures of years before ``before_year`` (the as-of date's year) that differ
    between the ``previous`` load of ``table`` and the ``new`` one, one row per key and
    column (REVISION_SCHEMA). A row that appears or disappears gives one row per figure
    column, with the missing side null. ``previous`` None (a first load) or without the
    key columns (another layout): no revisions."""
    keys = list(keys)
    if previous is None or any(k not in previous.columns for k in keys) or any(k not in new.columns for k in keys):
        return empty_revisions()
    previous_columns = set(_figure_columns(previous, keys))
    columns = [c for c in _figure_columns(new, keys) if c in previous_columns]
    if not columns:
        return empty_revisions()
    before = _long(previous, keys, columns, before_year, "previous_value")
    after = _long(new, keys, columns, before_year, "new_value")
    p, n = pl.col("previous_value"), pl.col("new_value")
    in_before, in_after = pl.col("_in_previous_value").fill_null(False), pl.col("_in_new_value").fill_null(False)
    differs = (p.is_null() != n.is_null()) | ((p - n).abs() > TOLERANCE * pl.max_horizontal(p.abs(), pl.lit(1.0))).fill_null(False)
    key_text = pl.concat_str([pl.lit(f"{k}=") + pl.col(k).fill_null("") for k in keys], separator=", ")
    return (
        before.join(after, on=[*keys, "column_name"], how="full", coalesce=True, nulls_equal=True)
        .with_columns(
            pl.when(~in_before).then(pl.lit("added"))
            .when(~in_after).then(pl.lit("removed"))
            .when(differs).then(pl.lit("changed"))
            .otherwise(None)
            .alias("change")
        )
        .filter(pl.col("change").is_not_null())
        .select(
            pl.lit(table, dtype=pl.String).alias("table_name"),
            pl.col("leerwinkel").cast(pl.String),
            pl.col("year").cast(pl.Int64),
            key_text.alias("key"),
            "column_name",
            "change",
            p,
            n,
            pl.when(p.is_not_null() & n.is_not_null() & (p != 0)).then((n - p) / p.abs()).otherwise(None).alias("relative_change"),
            pl.lit(run_id, dtype=pl.String).alias("run_id"),
            pl.lit(loaded_at, dtype=pl.Datetime("us", "UTC")).alias("loaded_at"),
        )
        .sort("year", "key", "column_name")
        .collect()
    )


def find_all_revisions(
    previous: Mapping[str, pl.DataFrame],
    new: Mapping[str, pl.DataFrame],
    *,
    before_year: int,
    run_id: str,
    loaded_at: datetime,
    keys: Mapping[str, Sequence[str]] = REVISION_KEYS,
) -> pl.DataFrame:
    """``find_revisions`` of every table in ``keys`` that this run has (a table missing from
    ``previous`` has no revisions), in table order."""
    found = [
        find_revisions(table, previous.get(table), new[table], keys=table_keys, before_year=before_year,
                       run_id=run_id, loaded_at=loaded_at)
        for table, table_keys in keys.items() if table in new
    ]
    return pl.concat([empty_revisions(), *found], how="vertical") if found else empty_revisions()


def with_history(history: pl.DataFrame | None, revisions: pl.DataFrame) -> pl.DataFrame:
    """The table as it is written: the revisions recorded by earlier loads, then this
    load's. Earlier rows keep their values; columns this version no longer has are dropped,
    ones it added are null in old rows."""
    if history is None or history.height == 0:
        return revisions
    known = [c for c in REVISION_SCHEMA if c in history.columns]
    old = history.select(
        [pl.col(c).cast(REVISION_SCHEMA[c], strict=False) for c in known]
        + [pl.lit(None, dtype=REVISION_SCHEMA[c]).alias(c) for c in REVISION_SCHEMA if c not in history.columns]
    ).select(list(REVISION_SCHEMA))
    if old.schema["loaded_at"] != REVISION_SCHEMA["loaded_at"]:
        old = old.with_columns(pl.col("loaded_at").cast(REVISION_SCHEMA["loaded_at"]))
    return pl.concat([old, revisions.select(list(REVISION_SCHEMA))], how="vertical")


def revisions_above_limit(revisions: pl.DataFrame, share: float) -> pl.DataFrame:
    """The revisions a steward must look at: a figure that moved by more than ``share`` of
    its previous value, or from or to 0 or null (a row that appeared or disappeared)."""
    return revisions.filter(pl.col("relative_change").is_null() | (pl.col("relative_change").abs() > share))


def revision_summary(revisions: pl.DataFrame, limit: int = 10) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Counts per table, and the ``limit`` largest changes (keys, column, relative change;
    a change from 0/null first). Aggregate figures only."""
    counts = revisions.group_by("table_name").agg(pl.len().alias("revisions")).sort("table_name")
    largest = (
        revisions.with_columns(pl.col("relative_change").abs().fill_null(float("inf")).alias("_size"))
        .sort("_size", "table_name", "key", "column_name", descending=[True, False, False, False])
        .head(limit)
        .select("table_name", "key", "column_name", "change", "previous_value", "new_value", "relative_change")
    )
    return counts, largest
