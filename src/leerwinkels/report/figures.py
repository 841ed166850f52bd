"""The figures of the impact report: read from the PUBLISHED CSV files of a release (the
protected figures, exactly as a reader downloads them), never from the exact ``ind_*``
frames, and put in the long shape the charts draw: one row per mark, with Dutch labels and a
description a screen reader reads (the SVG's ``aria-label``; the browser test reads it too).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from leerwinkels.publication.workbook import TABLES, dutch_labels

NETWORK = "all"
DESCRIPTION_SEPARATOR = "; "


def read_published(folder: Path) -> dict[str, pl.DataFrame]:
    """Every ``<table>.csv`` of a publication folder that :data:`TABLES` describes, with its
    key columns as text (the year as a number)."""
    frames: dict[str, pl.DataFrame] = {}
    for name, table in TABLES.items():
        path = Path(folder) / f"{name}.csv"
        if not path.is_file():
            continue
        text_keys = {k: pl.String for k in table.key if k != "year"}
        frames[name] = pl.read_csv(path, infer_schema_length=None, schema_overrides=text_keys)
    return frames


def _fixed(value: pl.Expr, decimals: int) -> pl.Expr:
    """``value`` with ``decimals`` decimals behind a decimal comma, rounded half up as a reader
    (and Excel's number format) rounds: 0.8565 as a percentage is 85,7 (not the 85,6 of its
    binary value 85.6499...), 1 as a ratio 1,00."""
    scale = 10**decimals
    scaled = ((value.abs() * scale).round(6) + 0.5).floor().cast(pl.Int64)
    sign = pl.when((value < 0) & (scaled > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    return sign + (scaled // scale).cast(pl.String) + pl.lit(",") + (scaled % scale).cast(pl.String).str.zfill(decimals)


def shown(kind: str) -> pl.Expr:
    """``value`` as the report shows it, in Dutch notation: a count whole, a share as a
    percentage with one decimal, a ratio with two, euro whole."""
    value = pl.col("value")
    if kind == "share":
        text = _fixed(value * 100, 1) + pl.lit("%")
    elif kind in {"ratio", "mean", "hours"}:
        text = _fixed(value, 2)
    elif kind == "euro":
        text = pl.lit("EUR ") + value.round(0).cast(pl.Int64).cast(pl.String)
    else:
        text = value.round(0).cast(pl.Int64).cast(pl.String)
    return text


def marks(frame: pl.DataFrame, table_name: str, values: list[str]) -> pl.DataFrame:
    """One row per (row of ``frame``, column of ``values``): the table's key columns as Dutch
    labels (and ``<key>_code`` with the codes), ``column``, ``measure`` (its Dutch header),
    ``value``, ``shown`` and ``description`` (the key labels, then "measure: shown").
    Null values are left out (no mark for a figure that cannot be computed)."""
    table = TABLES[table_name]
    key = list(table.key)
    codes = frame.with_columns(pl.col(k).alias(f"{k}_code") for k in key if k != "year")
    labelled = dutch_labels(codes, table_name)
    # unpivoted under names no table uses (evidence_assumptions has a column `value`), then renamed
    long = labelled.unpivot(
        index=[*key, *[f"{k}_code" for k in key if k != "year"]], on=values, variable_name="__column", value_name="__value"
    ).rename({"__column": "column", "__value": "value"}).filter(pl.col("value").is_not_null())
    long = long.with_columns(pl.col("value").cast(pl.Float64))
    measures = {c: table.column(c).label for c in values}
    kinds = {c: table.column(c).kind for c in values}
    parts = []
    for column in values:
        part = long.filter(pl.col("column") == column).with_columns(
            pl.lit(measures[column]).alias("measure"), shown(kinds[column]).alias("shown")
        )
        parts.append(part)
    out = pl.concat(parts) if parts else long.with_columns(measure=pl.lit(None, pl.String), shown=pl.lit(None, pl.String))
    return out.with_columns(
        pl.concat_str(
            [*[pl.col(k).cast(pl.String) for k in key], pl.col("measure") + pl.lit(": ") + pl.col("shown")],
            separator=DESCRIPTION_SEPARATOR,
        ).alias("description")
    )


def complete_year(years: list[int], data_year: int | None) -> int | None:
    """The last calendar year with all its data: the newest year, unless it is the year the
    data runs into (then still going on), then the year before."""
    if not years:
        return None
    newest = max(years)
    if data_year is not None and newest >= data_year and newest - 1 in years:
        return newest - 1
    return newest


__all__ = ["DESCRIPTION_SEPARATOR", "NETWORK", "complete_year", "marks", "read_published", "shown"]
