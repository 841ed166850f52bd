"""The Warehouse behaviours of tests/test_warehouse.py against a real PostgreSQL server
(see conftest.py: pgserver's binaries, or $LEERWINKELS_TEST_POSTGRES_URL)."""

from __future__ import annotations

import datetime as dt
import decimal
import threading
import time
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal
from sqlalchemy.pool import NullPool

from leerwinkels.defs.resources.warehouse import (
    ADVISORY_LOCK_KEY,
    LOADS_TABLE,
    Warehouse,
    WarehouseBusy,
)
from tests.factories import (
    CrashingWarehouse,
    as_read_back,
    mixed_frame,
    run_concurrent_writers,
)


class CopyOnlyWarehouse(Warehouse):
    def _insert_generic(self, conn, table, df):  # type: ignore[no-untyped-def]
        raise AssertionError("PostgreSQL writes must go through COPY")


def test_uses_psycopg_copy_and_masks_password(pg_database_url: str) -> None:
    w = CopyOnlyWarehouse(url=pg_database_url)
    assert w.engine.dialect.name == "postgresql" and w.engine.dialect.driver == "psycopg"
    assert w.write_tables({"t": mixed_frame(10)}) == {"t": 10}
    password = sa.make_url(pg_database_url).password
    if password:
        assert password not in w.describe() and "***" in w.describe()


def test_round_trip_is_identical_to_sqlite(pg_database_url: str, tmp_path: Path) -> None:
    df = mixed_frame(60)
    pg = Warehouse(url=pg_database_url)
    lite = Warehouse(url=f"sqlite:///{tmp_path}/w.sqlite")
    assert pg.write_tables({"mixed": df}, run_id="r") == {"mixed": 60}
    lite.write_tables({"mixed": df}, run_id="r")
    from_pg = pg.read_table("mixed")
    assert_frame_equal(from_pg, lite.read_table("mixed"))
    assert_frame_equal(from_pg, as_read_back(df))
    assert from_pg.columns == df.columns


def test_round_trip_of_postgres_only_types(pg_database_url: str) -> None:
    """Types SQLite stores less faithfully: time, binary, decimal, aware timestamps,
    NaN (SQLite turns NaN into NULL)."""
    df = pl.DataFrame(
        {
            "k": [1, 2, 3],
            "t": [dt.time(1, 2, 3, 4), None, dt.time(23, 59, 59, 999999)],
            "bin": [b"\x00\xff,\"\n", None, b""],
            "dec": [decimal.Decimal("1.25"), None, decimal.Decimal("-3.50")],
            "aware": [dt.datetime(2024, 3, 31, 1, 30, tzinfo=dt.UTC)] * 3,
            "nan": [float("nan"), -float("inf"), None],
        },
        schema_overrides={"dec": pl.Decimal(10, 2)},
    ).with_columns(pl.col("aware").dt.convert_time_zone("Europe/Brussels"))
    w = Warehouse(url=pg_database_url)
    w.write_tables({"special": df})
    back = w.read_table("special")
    expected = df.with_columns(
        pl.col("dec").cast(pl.Float64), pl.col("aware").dt.convert_time_zone("UTC")
    )
    assert_frame_equal(back, expected)


def test_replaces_tables_and_leaves_others_alone(pg_database_url: str) -> None:
    w = Warehouse(url=pg_database_url)
    first = mixed_frame(10, "a")
    w.write_tables({"t1": first, "t2": first, "keep": first}, run_id="r1")
    new_t1 = pl.DataFrame({"other": ["schema", "changed"], "n": [1, 2]})
    new_t2 = mixed_frame(3, "b")
    assert w.write_tables({"t1": new_t1, "t2": new_t2}, run_id="r2") == {"t1": 2, "t2": 3}
    assert_frame_equal(w.read_table("t1"), new_t1)
    assert_frame_equal(w.read_table("t2"), as_read_back(new_t2))
    assert_frame_equal(w.read_table("keep"), as_read_back(first))
    assert w.table_names() == ["keep", "t1", "t2", LOADS_TABLE]
    loads = dict(w.read_table(LOADS_TABLE).select("table_name", "run_id").rows())
    assert loads == {"keep": "r1", "t1": "r2", "t2": "r2"}


def test_empty_frame_still_creates_its_table(pg_database_url: str, tmp_path: Path) -> None:
    empty = mixed_frame(5).clear()
    w = Warehouse(url=pg_database_url)
    assert w.write_tables({"empty": empty}, keys={"empty": ["u16"]}) == {"empty": 0}
    back = w.read_table("empty")
    assert back.height == 0
    lite = Warehouse(url=f"sqlite:///{tmp_path}/w.sqlite")
    lite.write_tables({"empty": empty})
    assert back.schema == lite.read_table("empty").schema == as_read_back(empty).schema


def test_primary_key_and_indexes(pg_database_url: str) -> None:
    w = Warehouse(url=pg_database_url)
    df = pl.DataFrame({"leerwinkel": ["gent", "gent", "all"], "year": [2023, 2024, 2024],
                       "n": [1, 2, 3]})
    w.write_tables({"ind": df}, keys={"ind": ["leerwinkel", "year"]}, indexes={"ind": [["year"]]})
    inspector = sa.inspect(w.engine)
    pk = inspector.get_pk_constraint("ind")
    assert pk["constrained_columns"] == ["leerwinkel", "year"]
    assert [ix["column_names"] for ix in inspector.get_indexes("ind")] == [["year"]]
    # Writing again re-creates key and index (names reused inside one transaction).
    w.write_tables({"ind": df}, keys={"ind": ["leerwinkel", "year"]}, indexes={"ind": [["year"]]})
    assert_frame_equal(w.read_table("ind"), df)


def test_failure_on_third_table_leaves_previous_tables_identical(pg_database_url: str) -> None:
    old = {f"t{i}": mixed_frame(20 + i, f"old{i}") for i in range(1, 5)}
    Warehouse(url=pg_database_url).write_tables(old, run_id="old", keys={"t1": ["u16"]})

    new = {f"t{i}": mixed_frame(7, f"new{i}") for i in range(1, 5)}
    new["t2"] = pl.DataFrame({"changed": ["schema"]})
    new["brand_new"] = mixed_frame(2)
    with pytest.raises(RuntimeError, match="simulated crash while loading t3"):
        CrashingWarehouse(url=pg_database_url).write_tables(new, run_id="new")

    w = Warehouse(url=pg_database_url)
    assert w.table_names() == ["t1", "t2", "t3", "t4", LOADS_TABLE]
    for name, df in old.items():
        back = w.read_table(name)
        assert back.rows() == as_read_back(df).rows(), name
        assert_frame_equal(back, as_read_back(df))
    assert set(w.read_table(LOADS_TABLE)["run_id"]) == {"old"}
    assert sa.inspect(w.engine).get_pk_constraint("t1")["constrained_columns"] == ["u16"]
    # The advisory lock went with the rolled-back transaction: the next write works.
    assert w.write_tables(new, run_id="new")["t3"] == 7


def test_database_error_mid_write_rolls_back(pg_database_url: str) -> None:
    """A failure inside PostgreSQL itself (not a Python exception) mid-write."""
    w = Warehouse(url=pg_database_url)
    old = {"a": pl.DataFrame({"s": ["old"]}), "b": pl.DataFrame({"s": ["old"]})}
    w.write_tables(old)
    bad = {"a": pl.DataFrame({"s": ["new"]}), "b": pl.DataFrame({"s": ["nul \x00 byte"]})}
    with pytest.raises(sa.exc.DBAPIError):
        w.write_tables(bad)
    after = w.read_tables(["a", "b"])
    assert {name: f["s"].to_list() for name, f in after.items()} == {"a": ["old"], "b": ["old"]}


def test_second_writer_waits_then_fails_as_busy(pg_database_url: str) -> None:
    w = Warehouse(url=pg_database_url, lock_timeout_seconds=0.5)
    w.write_tables({"t": pl.DataFrame({"a": [1]})})
    other = sa.create_engine(pg_database_url, poolclass=NullPool)
    with other.connect() as conn, conn.begin():
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
        started = time.perf_counter()
        with pytest.raises(WarehouseBusy, match="another consolidation is writing"):
            w.write_tables({"t": pl.DataFrame({"a": [2]})})
        assert time.perf_counter() - started >= 0.4
        assert w.read_table("t")["a"].to_list() == [1]  # readers are not blocked
    w.write_tables({"t": pl.DataFrame({"a": [2]})})
    assert w.read_table("t")["a"].to_list() == [2]


def test_long_reader_makes_writer_busy_not_inconsistent(pg_database_url: str) -> None:
    w = Warehouse(url=pg_database_url, lock_timeout_seconds=0.5)
    w.write_tables({"t": pl.DataFrame({"a": [1]}), "u": pl.DataFrame({"a": [1]})})
    other = sa.create_engine(pg_database_url, poolclass=NullPool)
    with other.connect() as conn, conn.begin():
        conn.execute(sa.text('SELECT * FROM "u"')).all()  # holds ACCESS SHARE on u
        with pytest.raises(WarehouseBusy, match="in use by readers"):
            w.write_tables({"t": pl.DataFrame({"a": [2]}), "u": pl.DataFrame({"a": [2]})})
    assert w.read_tables(["t", "u"])["t"]["a"].to_list() == [1]


def test_waiting_writer_proceeds_when_first_commits(pg_database_url: str) -> None:
    w = Warehouse(url=pg_database_url)
    w.write_tables({"t": pl.DataFrame({"a": [1]})})
    other = sa.create_engine(pg_database_url, poolclass=NullPool)
    result: dict[str, object] = {}

    def second() -> None:
        result["counts"] = Warehouse(url=pg_database_url).write_tables({"t": pl.DataFrame({"a": [3]})})

    with other.connect() as conn, conn.begin():
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(1.0)
        assert thread.is_alive()  # waiting on the advisory lock
        waiting = conn.execute(sa.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        )).scalar_one()
        assert waiting == 1
    thread.join(timeout=30)
    assert result["counts"] == {"t": 1}
    assert w.read_table("t")["a"].to_list() == [3]


def test_two_concurrent_writers_end_with_one_consistent_set(pg_database_url: str) -> None:
    run_concurrent_writers(pg_database_url, rows=5_000)
