"""``warehouse_loads``: one row per table (table_name, rows, run_id, loaded_at in UTC, the
pseudonymisation key's fingerprint -- never the key), rewritten in the same transaction
as the tables it describes."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from leerwinkels.warehouse.session import WriteSession

LOADS_TABLE = "warehouse_loads"


def loads_table() -> sa.Table:
    return sa.Table(
        LOADS_TABLE,
        sa.MetaData(),
        sa.Column("table_name", sa.Text(), primary_key=True),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.Text()),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("key_fingerprint", sa.Text()),
    )


def record_loads(session: WriteSession, counts: dict[str, int], run_id: str | None, fingerprint: str | None) -> None:
    """Replace the rows of ``counts``'s tables in ``warehouse_loads``."""
    loads = loads_table()
    session.execute(sa.schema.CreateTable(loads, if_not_exists=True))
    _add_fingerprint_column(session)
    names = list(counts)
    session.execute(loads.delete().where(loads.c.table_name.in_(names)))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = pl.DataFrame(
        {
            "table_name": names,
            "rows": [counts[t] for t in names],
            "run_id": [run_id] * len(names),
            "loaded_at": [now] * len(names),
            "key_fingerprint": [fingerprint] * len(names),
        },
        schema={"table_name": pl.String, "rows": pl.Int64, "run_id": pl.String,
                "loaded_at": pl.Datetime("us"), "key_fingerprint": pl.String},
    )
    session.ingest(loads, rows)


def _add_fingerprint_column(session: WriteSession) -> None:
    """A warehouse_loads made before fingerprints were recorded gets the column."""
    if session.dialect.name == "postgresql":
        session.execute(sa.text(f"ALTER TABLE {LOADS_TABLE} ADD COLUMN IF NOT EXISTS key_fingerprint TEXT"))
        return
    columns = {row[1] for row in session.execute(sa.text(f"PRAGMA table_info({LOADS_TABLE})"))}
    if "key_fingerprint" not in columns:
        session.execute(sa.text(f"ALTER TABLE {LOADS_TABLE} ADD COLUMN key_fingerprint TEXT"))
