"""pandera (polars) schemas of the shared model tables, derived from the contract catalogue.

The columns, types, nullability, code lists and value checks are the catalogue's
(src/leerwinkels/contract/tables.py); only the checks that span several columns are written here.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from leerwinkels.contract.code_lists import CODE_LISTS, UNKNOWN
from leerwinkels.contract.tables import BY_NAME, MODEL_TABLES, ColumnFacts


def codes(code_list: str, *, with_unknown: bool = True) -> list[str]:
    return [*CODE_LISTS[code_list], UNKNOWN] if with_unknown else list(CODE_LISTS[code_list])


def column_checks(column: ColumnFacts) -> list[pa.Check]:
    """The catalogue's value checks of one column as pandera checks."""
    checks: list[pa.Check] = []
    if column.code_list is not None:
        checks.append(pa.Check.isin(codes(column.code_list, with_unknown=column.with_unknown)))
    if column.length is not None:
        checks.append(pa.Check.str_length(column.length, column.length))
    if column.value_range is not None:
        checks.append(pa.Check.in_range(*column.value_range))
    if column.at_least is not None:
        checks.append(pa.Check.ge(column.at_least))
    if column.pattern is not None:
        checks.append(pa.Check.str_matches(column.pattern))
    return checks


def _closed_not_before_intake(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select((pl.col("closed_date").is_null() | (pl.col("closed_date") >= pl.col("intake_date"))).alias("ok"))


# checks across columns: these stay code
TABLE_CHECKS: dict[str, list[pa.Check]] = {
    "trajectories": [pa.Check(_closed_not_before_intake, name="closed_not_before_intake")],
}


def model_schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of a model table; internal columns (never written) are not checked."""
    facts = BY_NAME[table]
    columns = {
        c.name: pa.Column(c.dtype, checks=column_checks(c), nullable=c.nullable, unique=c.unique)
        for c in facts.columns if not c.internal
    }
    return pa.DataFrameSchema(columns, checks=TABLE_CHECKS.get(table, []), name=table)


MODEL_SCHEMAS: dict[str, pa.DataFrameSchema] = {name: model_schema(name) for name in MODEL_TABLES}


def validate_model(tables: dict[str, pl.DataFrame]) -> None:
    """Raise pandera's SchemaErrors (all failures at once) when a model table breaks its schema."""
    for name, schema in MODEL_SCHEMAS.items():
        if name in tables:
            schema.validate(tables[name], lazy=True)
