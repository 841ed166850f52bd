"""The row-fate rule engine: every data row of a sheet ends as loaded, quarantined (the first
rule it fails, the column, a message that never quotes a cell) or an exact duplicate."""

from __future__ import annotations

from typing import Any

import polars as pl

FILE, SHEET, FATE, RULE, COLUMN, MESSAGE = "_file", "_sheet", "_fate", "_rule", "_column", "_message"


# ---------------------------------------------------------------- row fates


def rule_chain(rules: list[tuple[str, pl.Expr, str, str]]) -> list[pl.Expr]:
    """First failing rule, its column and a message (never a cell value) per row."""
    rule: Any = None  # pl.when(...).then(...), chained once per rule
    column: Any = None
    message: Any = None
    for name, failed, col, text in rules:
        if rule is None:
            rule, column, message = pl.when(failed).then(pl.lit(name)), pl.when(failed).then(pl.lit(col)), pl.when(failed).then(pl.lit(text))
        else:
            rule, column, message = rule.when(failed).then(pl.lit(name)), column.when(failed).then(pl.lit(col)), message.when(failed).then(pl.lit(text))
    if rule is None:
        return [pl.lit(None, pl.String).alias(RULE), pl.lit(None, pl.String).alias(COLUMN), pl.lit(None, pl.String).alias(MESSAGE)]
    return [rule.otherwise(None).alias(RULE), column.otherwise(None).alias(COLUMN), message.otherwise(None).alias(MESSAGE)]


def with_fate(frame: pl.DataFrame, rules: list[tuple[str, pl.Expr, str, str]]) -> pl.DataFrame:
    """Set the fate of every non-duplicate row: quarantined (with rule) or loaded."""
    frame = frame.with_columns(rule_chain(rules))
    return frame.with_columns(
        pl.when(pl.col(FATE) == "duplicate").then(pl.lit("duplicate"))
        .when(pl.col(RULE).is_not_null()).then(pl.lit("quarantined"))
        .otherwise(pl.lit("loaded")).alias(FATE),
        *[pl.when(pl.col(FATE) == "duplicate").then(None).otherwise(pl.col(c)).alias(c) for c in (RULE, COLUMN, MESSAGE)],
    )


def mark_duplicate_ids(frame: pl.DataFrame) -> pl.DataFrame:
    live = pl.col(FATE) != "duplicate"
    # an earlier live row with the same id: the id (of live rows only) is not first distinct
    return frame.with_columns(
        (live & pl.col("_id").is_not_null() & ~pl.when(live).then(pl.col("_id")).is_first_distinct()).alias("_dup_id")
    )
