"""The warehouse on PostgreSQL as a BI tool sees it: the samples' tables (consolidated once
into SQLite by ``sample_run``) released into PostgreSQL, then looked at through SQLAlchemy
reflection: `date` columns, every documented key, the join-column indexes, the labelled
views, and a second release replacing tables the views depend on."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from leerwinkels.contract.tables import BY_NAME, KEYED_TABLES, PUBLISHED_TABLES
from leerwinkels.contract.views import VIEWS, published_table_name
from leerwinkels.warehouse import WarehouseDatabase

_PUB_KEYS = {published_table_name(t): list(BY_NAME[t].key) for t in PUBLISHED_TABLES}


def _release(url: str, tables: dict[str, pl.DataFrame]) -> None:
    database = WarehouseDatabase(url)
    try:
        database.write_tables(tables, keys={k: v for k, v in _PUB_KEYS.items() if k in tables})
    finally:
        database.dispose()


def test_postgres_warehouse_has_dates_keys_indexes_and_labelled_views(pg_database_url: str, sample_run) -> None:
    tables = {name: frame for name, frame in sample_run.tables.items() if name != "warehouse_loads"}
    _release(pg_database_url, tables)
    # a second release: the views over replaced tables are dropped and created again
    _release(pg_database_url, tables)

    engine = sa.create_engine(pg_database_url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            dates = {c["name"]: c["type"] for c in inspector.get_columns("trajectories")}
            assert isinstance(dates["intake_date"], sa.Date) and not isinstance(dates["intake_date"], sa.DateTime)
            for table, key in KEYED_TABLES.items():
                assert inspector.get_pk_constraint(table)["constrained_columns"] == key, table
            for table, key in _PUB_KEYS.items():
                assert inspector.get_pk_constraint(table)["constrained_columns"] == key, table
            for table, column in [("trajectories", "client_key"), ("contacts", "trajectory_key"), ("referrals", "trajectory_key")]:
                assert [column] in [ix["column_names"] for ix in inspector.get_indexes(table)], table
            assert {v.name for v in VIEWS} <= set(inspector.get_view_names())
            for view in VIEWS:
                n_view = conn.execute(sa.text(f'SELECT count(*) FROM "{view.name}"')).scalar_one()
                n_table = conn.execute(sa.text(f'SELECT count(*) FROM "{view.table}"')).scalar_one()
                assert n_view == n_table, view.name
            missing = conn.execute(sa.text(
                "SELECT count(*) FROM v_ind_referrals WHERE partner_nl IS NULL OR partner_fr IS NULL OR leerwinkel_fr IS NULL"
            )).scalar_one()
            assert missing == 0
            unknown_hours = conn.execute(sa.text(
                "SELECT count(*) FROM pub_ind_reach WHERE leerwinkel = 'leuven' AND contacts > 0 AND guidance_hours IS NULL"
            )).scalar_one()
            assert unknown_hours > 0
    finally:
        engine.dispose()
