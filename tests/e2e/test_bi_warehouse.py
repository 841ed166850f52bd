"""The warehouse as a BI tool sees it, on the samples consolidated once (``sample_run``):
a second look at the database through SQLAlchemy reflection (what Metabase/Superset read),
and the pub_* tables against the publication CSVs."""

from __future__ import annotations

import polars as pl
import pytest
import sqlalchemy as sa

from leerwinkels.contract.tables import BY_NAME, KEYED_TABLES, PUBLISHED_TABLES
from leerwinkels.contract.views import VIEWS, published_table_name


@pytest.fixture(scope="module")
def inspector(sample_run):
    engine = sa.create_engine(sample_run.database_url)
    try:
        with engine.connect() as conn:
            yield sa.inspect(conn)
    finally:
        engine.dispose()


def test_a_bi_tool_sees_dates_as_dates(inspector):
    for table, column in [("trajectories", "intake_date"), ("trajectories", "closed_date"), ("contacts", "contact_date"),
                          ("clients", "first_intake_date"), ("followups", "response_date")]:
        types = {c["name"]: c["type"] for c in inspector.get_columns(table)}
        assert isinstance(types[column], sa.Date), (table, column, types[column])


def test_every_documented_key_is_the_primary_key(inspector):
    for table, key in KEYED_TABLES.items():
        assert inspector.get_pk_constraint(table)["constrained_columns"] == key, table
    for table in PUBLISHED_TABLES:
        assert inspector.get_pk_constraint(published_table_name(table))["constrained_columns"] == list(BY_NAME[table].key)


def test_the_join_columns_are_indexed(inspector):
    for table, column in [("trajectories", "client_key"), ("contacts", "trajectory_key"), ("referrals", "trajectory_key")]:
        assert [column] in [ix["column_names"] for ix in inspector.get_indexes(table)], table


def test_a_labelled_view_per_indicator_table(inspector, sample_run):
    assert {v.name for v in VIEWS} <= set(inspector.get_view_names())
    assert {f"v_{t}" for t in PUBLISHED_TABLES} <= set(inspector.get_view_names())
    engine = sa.create_engine(sample_run.database_url)
    with engine.connect() as conn:
        unlabelled = conn.execute(sa.text(
            "SELECT count(*) FROM v_ind_referrals WHERE partner_nl IS NULL OR partner_fr IS NULL OR leerwinkel_nl IS NULL"
        )).scalar_one()
        labels = dict(conn.execute(sa.text(
            "SELECT direction, min(partner_nl) FROM v_ind_referrals WHERE partner = 'unknown' GROUP BY direction"
        )).all())
        rows = {
            v.name: conn.execute(sa.text(f'SELECT count(*) FROM "{v.name}"')).scalar_one() for v in VIEWS
        }
        tables = {
            v.table: conn.execute(sa.text(f'SELECT count(*) FROM "{v.table}"')).scalar_one() for v in VIEWS
        }
        breakdown = conn.execute(sa.text(
            "SELECT count(*) FROM v_ind_reach_breakdown WHERE category_nl IS NULL"
        )).scalar_one()
    engine.dispose()
    assert unlabelled == 0
    assert set(labels) == {"in", "out"}
    assert breakdown == 0
    # a join adds labels, never rows
    assert {name.removeprefix("v_"): n for name, n in rows.items()} == tables


def test_pub_tables_hold_exactly_the_published_figures(sample_run):
    publication = sample_run.root / "publication"
    for table in PUBLISHED_TABLES:
        pub = sample_run.tables[published_table_name(table)]
        csv = pl.read_csv(publication / f"{table}.csv", schema=pub.schema)
        assert pub.sort(pub.columns).equals(csv.sort(csv.columns)), table


def test_unknown_guidance_hours_are_null_not_zero(sample_run):
    reach = sample_run.tables["ind_reach"]
    no_durations = reach.filter(pl.col("leerwinkel").is_in(["leuven", "mechelen"]) & (pl.col("contacts") > 0))
    assert no_durations.height and no_durations["guidance_hours"].null_count() == no_durations.height
    known = reach.filter(pl.col("leerwinkel").is_in(["genk", "all"]) & (pl.col("contacts") > 0))
    assert known["guidance_hours"].null_count() == 0
