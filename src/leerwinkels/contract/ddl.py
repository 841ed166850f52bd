"""The warehouse DDL of a catalogue table: columns, NOT NULL on the key, and its PRIMARY KEY."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from leerwinkels.contract.tables import BY_NAME


def catalogue_key(name: str) -> list[str]:
    """The catalogue's key of a table (empty for a table outside the catalogue or without one)."""
    facts = BY_NAME.get(name)
    return list(facts.key) if facts else []


def catalogue_indexes(name: str) -> list[list[str]]:
    """The catalogue's indexes of a table (join columns), each a column list."""
    facts = BY_NAME.get(name)
    return [list(columns) for columns in facts.indexes] if facts else []


def sqlalchemy_table(
    name: str,
    metadata: sa.MetaData,
    column_types: Mapping[str, sa.types.TypeEngine],
    key: Sequence[str] | None = None,
    *,
    primary_key: bool = True,
) -> sa.Table:
    """The table as SQLAlchemy declares it; ``key`` defaults to the catalogue's. ``primary_key=False`` leaves the constraint out
    (PostgreSQL adds it after the load: one index build instead of one per row)."""
    columns_key = list(key) if key is not None else catalogue_key(name)
    columns = [
        sa.Column(column, sql_type, nullable=column not in columns_key, quote=True)
        for column, sql_type in column_types.items()
    ]
    table = sa.Table(name, metadata, *columns, quote=True)
    if columns_key and primary_key:
        table.append_constraint(sa.PrimaryKeyConstraint(*columns_key, name=f"{name}_pkey"))
    return table
