"""Reading tables back as polars frames, several as one consistent set."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from leerwinkels.warehouse.types import polars_dtype_for


def table_names(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(sa.inspect(conn).get_table_names())


def read_tables(engine: Engine, names: Iterable[str] | None = None) -> dict[str, pl.DataFrame]:
    """Several tables (default: all) read as one consistent set: all of them from before or
    all from after any concurrent write.

    SQLite: one read transaction (one snapshot). PostgreSQL: one transaction that first
    takes ACCESS SHARE locks on all the tables (in name order, as the writer does), so no
    write can replace any of them until the read is done."""
    with engine.connect() as conn, conn.begin():
        wanted = sorted(set(names) if names is not None else sa.inspect(conn).get_table_names())
        if wanted and conn.dialect.name == "postgresql":
            quote = conn.dialect.identifier_preparer.quote_identifier
            conn.exec_driver_sql(f"LOCK TABLE {', '.join(quote(n) for n in wanted)} IN ACCESS SHARE MODE")
        return {name: _read(conn, name) for name in wanted}


def _read(conn: Connection, name: str) -> pl.DataFrame:
    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    # Quote every identifier: SQLAlchemy's reserved-word lists miss some (SQLite's
    # NOTHING, for one), and a column name must never be read as SQL.
    q = conn.dialect.identifier_preparer.quote_identifier
    query = sa.text(
        f"SELECT {', '.join(q(c.name) for c in table.columns)} FROM {q(name)}"
    ).columns(*(sa.column(c.name, c.type) for c in table.columns))
    rows = conn.execute(query).all()
    schema = {c.name: polars_dtype_for(c.type) for c in table.columns}
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row", strict=False)
