"""The pieces of a release: the frames checked before anything is written, each table
dropped and created from the contract's DDL, its key and indexes added."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl
import sqlalchemy as sa

from leerwinkels.contract.ddl import catalogue_indexes, catalogue_key, sqlalchemy_table
from leerwinkels.contract.views import VIEWS, view_sql
from leerwinkels.warehouse.loads import LOADS_TABLE
from leerwinkels.warehouse.session import WriteSession
from leerwinkels.warehouse.types import sqlalchemy_type_for

#: PostgreSQL truncates identifiers to 63 bytes; refuse longer names everywhere.
MAX_IDENTIFIER_BYTES = 63


def table_keys(frames: Iterable[str], given: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Each table's primary key: the one given, else the catalogue's (if any)."""
    keys = {name: catalogue_key(name) for name in frames}
    keys.update({name: list(columns) for name, columns in given.items()})
    return {name: columns for name, columns in keys.items() if columns}


def table_indexes(
    frames: Mapping[str, pl.DataFrame | pl.LazyFrame], given: Mapping[str, Iterable[Iterable[str]]]
) -> dict[str, list[list[str]]]:
    """Each table's indexes: the ones given, else the catalogue's (join columns) that the frame has."""
    indexes = {
        name: [c for c in catalogue_indexes(name) if set(c) <= set(frame.collect_schema().names())]
        for name, frame in frames.items()
    }
    indexes.update({name: [list(c) for c in cols] for name, cols in given.items()})
    return {name: cols for name, cols in indexes.items() if cols}


def validate(
    tables: Mapping[str, pl.DataFrame | pl.LazyFrame],
    keys: dict[str, list[str]],
    indexes: dict[str, list[list[str]]],
) -> dict[str, pl.DataFrame]:
    """The frames to write, collected; raises (before anything is written) on a bad name,
    a column type the warehouse cannot store, unknown key/index columns, and nulls or
    duplicates in a key."""
    frames: dict[str, pl.DataFrame] = {}
    for name, table in tables.items():
        if not isinstance(name, str) or not name.strip() or "\x00" in name:
            raise ValueError(f"bad table name {name!r}")
        if len(name.encode()) > MAX_IDENTIFIER_BYTES:
            raise ValueError(f"table name {name!r} is longer than 63 bytes")
        if name == LOADS_TABLE:
            raise ValueError(f"{LOADS_TABLE} is the warehouse's own bookkeeping table")
        df = table.collect() if isinstance(table, pl.LazyFrame) else table
        if not isinstance(df, pl.DataFrame):
            raise TypeError(f"table {name}: expected a polars DataFrame, got {type(df)}")
        if df.width == 0:
            raise ValueError(f"table {name}: a table needs at least one column")
        for column, dtype in df.schema.items():
            if len(column.encode()) > MAX_IDENTIFIER_BYTES or not column:
                raise ValueError(f"table {name}: bad column name {column!r}")
            try:
                sqlalchemy_type_for(dtype)
            except TypeError as exc:
                raise TypeError(f"table {name}, column {column}: {exc}") from None
        frames[name] = df

    key_lists = {t: [c] for t, c in keys.items()}
    for kind, spec in (("keys", key_lists), ("indexes", indexes)):
        for name, column_lists in spec.items():
            if name not in frames:
                raise ValueError(f"{kind} given for {name!r}, which is not being written")
            for columns in column_lists:
                missing = [c for c in columns if c not in frames[name].columns]
                if not columns or missing:
                    raise ValueError(f"{kind} of {name}: unknown columns {missing or columns}")
    for name, columns in keys.items():
        key_frame = frames[name].select(columns)
        nulls = [c for c in columns if key_frame[c].null_count()]
        if nulls:
            raise ValueError(f"primary key of {name}: nulls in {nulls}")
        if key_frame.height and key_frame.is_duplicated().any():
            dup = key_frame.filter(key_frame.is_duplicated()).head(3).rows()
            raise ValueError(f"primary key of {name} {columns}: duplicate values, e.g. {dup}")
    return frames


def replace_table(
    session: WriteSession, metadata: sa.MetaData, name: str, df: pl.DataFrame, key: list[str]
) -> sa.Table:
    """Drop ``name`` and create it with ``df``'s columns. SQLite declares the primary key
    here (it cannot add one later); PostgreSQL adds it after the load (one index build
    instead of index maintenance for every row)."""
    table = sqlalchemy_table(
        name, metadata, {col: sqlalchemy_type_for(dtype) for col, dtype in df.schema.items()}, key,
        primary_key=session.dialect.name != "postgresql",
    )
    session.execute(sa.schema.DropTable(table, if_exists=True))
    session.execute(sa.schema.CreateTable(table))
    return table


def add_keys_and_indexes(
    session: WriteSession, table: sa.Table, key: list[str], indexes: Iterable[list[str]]
) -> None:
    if key and session.dialect.name == "postgresql":
        pk = sa.PrimaryKeyConstraint(*key, name=f"{table.name}_pkey")
        table.append_constraint(pk)
        session.execute(sa.schema.AddConstraint(pk))
    for i, columns in enumerate(indexes, start=1):
        index_name = f"ix_{table.name}_{i}"[:MAX_IDENTIFIER_BYTES]
        session.execute(sa.schema.CreateIndex(sa.Index(index_name, *(table.c[c] for c in columns))))


def drop_views(session: WriteSession, tables: Iterable[str]) -> None:
    """Drop the catalogue's views over any of ``tables`` (before those are replaced:
    PostgreSQL refuses to drop a table a view depends on)."""
    replaced = set(tables)
    quote = session.dialect.identifier_preparer.quote_identifier
    for view in VIEWS:
        if replaced & set(view.depends_on):
            session.execute(sa.text(f"DROP VIEW IF EXISTS {quote(view.name)}"))


def create_views(session: WriteSession, tables: Iterable[str]) -> list[str]:
    """Create the catalogue's views whose tables were all written in this release; return their names."""
    written = set(tables)
    quote = session.dialect.identifier_preparer.quote_identifier
    created = []
    for view in VIEWS:
        if set(view.depends_on) <= written:
            session.execute(sa.text(view_sql(view, quote)))
            created.append(view.name)
    return created
