"""Warehouse resource on SQLite files (tests/postgres/ runs the same against PostgreSQL).

SQLite files are written through the ADBC driver (the one SQLite insert path), which has
its own copy of the SQLite library, whose locks this process's ``sqlite3`` connections do
not see (see the module docstring of src/leerwinkels/warehouse/sqlite.py): whatever reads
or locks the file *while* a write runs does it from another process, as in production.
"""

from __future__ import annotations

import datetime as dt
import decimal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal

from leerwinkels.defs.resources.warehouse import (
    DEFAULT_DATABASE_URL,
    LOADS_TABLE,
    Warehouse,
    WarehouseBusy,
)
from leerwinkels.warehouse.types import frame_for_sqlite
from tests.factories import (
    CrashingWarehouse,
    as_read_back,
    mixed_frame,
    run_concurrent_writers,
    write_lock_held_by_another_process,
)


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(url=f"sqlite:///{tmp_path}/nested/dir/warehouse.sqlite")


def test_creates_parent_folder_and_describes_itself(tmp_path: Path) -> None:
    w = Warehouse(url=f"sqlite:///{tmp_path}/a/b/w.sqlite")
    assert w.table_names() == []
    assert (tmp_path / "a" / "b").is_dir()
    assert w.describe() == f"sqlite:///{tmp_path}/a/b/w.sqlite"
    pg = Warehouse(url="postgresql+psycopg://lw:s3cr3t@db.example:5432/leerwinkels")
    assert "s3cr3t" not in pg.describe()
    assert pg.describe() == "postgresql+psycopg://lw:***@db.example:5432/leerwinkels"
    assert Warehouse().url == DEFAULT_DATABASE_URL


def test_from_env_uses_env_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LEERWINKELS_DATABASE_URL", raising=False)
    assert Warehouse.from_env().url == DEFAULT_DATABASE_URL
    url = f"sqlite:///{tmp_path}/env.sqlite"
    monkeypatch.setenv("LEERWINKELS_DATABASE_URL", url)
    w = Warehouse.from_env()
    assert w.describe() == url
    w.write_tables({"t": pl.DataFrame({"a": [1]})})
    assert (tmp_path / "env.sqlite").exists()


def test_round_trip_of_every_dtype(warehouse: Warehouse) -> None:
    df = mixed_frame(60)
    counts = warehouse.write_tables({"mixed": df}, run_id="run-1")
    assert counts == {"mixed": 60}
    back = warehouse.read_table("mixed")
    assert back.columns == df.columns  # column order kept
    assert_frame_equal(back, as_read_back(df))
    loads = warehouse.read_table(LOADS_TABLE)
    assert loads.select("table_name", "rows", "run_id").rows() == [("mixed", 60, "run-1")]


def test_sqlite_storage_matches_sqlalchemy(warehouse: Warehouse, tmp_path: Path) -> None:
    """Dates/timestamps are stored as SQLAlchemy itself stores them on SQLite, so
    SQLAlchemy filters on them work and other SQLAlchemy writers agree."""
    df = pl.DataFrame(
        {"k": [1, 2], "day": [dt.date(2024, 1, 5), dt.date(2023, 12, 31)],
         "ts": [dt.datetime(2024, 1, 5, 8, 0), dt.datetime(2024, 1, 5, 8, 0, 0, 1)],
         "flag": [True, False]}
    )
    warehouse.write_tables({"fast": df})
    meta = sa.MetaData()
    slow = sa.Table("slow", meta, sa.Column("k", sa.BigInteger), sa.Column("day", sa.Date),
                    sa.Column("ts", sa.DateTime), sa.Column("flag", sa.Boolean))
    with warehouse.engine.begin() as conn:
        meta.create_all(conn)
        conn.execute(slow.insert(), df.to_dicts())
        fast = sa.Table("fast", sa.MetaData(), autoload_with=conn)
        hit = conn.execute(sa.select(fast.c.k).where(fast.c.day == dt.date(2024, 1, 5))).all()
        assert hit == [(1,)]
        later = conn.execute(sa.select(fast.c.k).where(fast.c.ts > dt.datetime(2024, 1, 5, 8))).all()
        assert later == [(2,)]
    raw = sqlite3.connect(warehouse.engine.url.database)
    try:
        assert raw.execute("SELECT day, ts, flag FROM fast ORDER BY k").fetchall() == raw.execute(
            "SELECT day, ts, flag FROM slow ORDER BY k"
        ).fetchall()
    finally:
        raw.close()


def every_dtype_frame(n: int = 24) -> pl.DataFrame:
    """``mixed_frame`` plus every other dtype the warehouse accepts."""
    return mixed_frame(n).with_columns(
        i16=pl.Series([None if i % 4 == 0 else -(2**15) + i for i in range(n)], dtype=pl.Int16),
        u8=pl.Series([255 - i for i in range(n)], dtype=pl.UInt8),
        u32=pl.Series([2**32 - 1 - i for i in range(n)], dtype=pl.UInt32),
        u64=pl.Series([None if i % 3 == 0 else 2**63 - 1 - i for i in range(n)], dtype=pl.UInt64),
        i128=pl.Series([(-1) ** i * (2**63 - 1 - i) for i in range(n)], dtype=pl.Int128),
        f32nan=pl.Series([[float("nan"), 1.5, None, -float("inf")][i % 4] for i in range(n)], dtype=pl.Float32),
        f64nan=pl.Series([[float("nan"), 0.1, None][i % 3] for i in range(n)], dtype=pl.Float64),
        enum=pl.Series([["lo", "hi", None][i % 3] for i in range(n)], dtype=pl.Enum(["lo", "hi"])),
        t=pl.Series([[dt.time(0, 0), dt.time(23, 59, 59, 999999), None][i % 3] for i in range(n)]),
        dec=pl.Series([[decimal.Decimal("1.25"), None, decimal.Decimal("-3.50")][i % 3] for i in range(n)],
                      dtype=pl.Decimal(10, 2)),
        bin=pl.Series([[b"\x00\xff,\"\n", None, b""][i % 3] for i in range(n)], dtype=pl.Binary),
        aware=pl.Series([dt.datetime(2024, 3, 31, 1, 30, i, tzinfo=dt.UTC) for i in range(n)])
        .dt.convert_time_zone("Europe/Brussels"),
        ts_ms=pl.Series([dt.datetime(2024, 1, 1, 0, 0, 0, 1000 * i) for i in range(n)], dtype=pl.Datetime("ms")),
        ts_ns=pl.Series([dt.datetime(1999, 12, 31, 23, 59, 59, i) for i in range(n)], dtype=pl.Datetime("ns")),
        key=pl.Series([f"k{(i * 7) % n:03d}" for i in range(n)]),
    )


def stored(path: Path) -> tuple[list[tuple], dict[str, list[tuple]]]:
    """The schema (sqlite_master) and, per table, every value with its typeof()."""
    con = sqlite3.connect(path)
    try:
        master = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
        values = {}
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            columns = [row[1] for row in con.execute(f'PRAGMA table_info("{name}")')]
            if name == LOADS_TABLE:
                columns.remove("loaded_at")
            select = ", ".join(f'typeof("{c}"), "{c}"' for c in columns)
            values[name] = con.execute(f'SELECT {select} FROM "{name}" ORDER BY rowid').fetchall()
        return master, values
    finally:
        con.close()


def test_adbc_stores_what_sqlite3_stores(tmp_path: Path) -> None:
    """Same storage classes, same values -- every dtype -- as Python's sqlite3 module
    stores the same prepared rows (the executemany path the warehouse had before):
    the ADBC driver's bulk ingest changes no stored value."""
    df = every_dtype_frame()
    tables = {"plain": df, "keyed": df, "empty": df.clear()}
    options: dict[str, Any] = {"run_id": "r", "keys": {"keyed": ["key"]},
                               "indexes": {"keyed": [["ts", "i8"]], "plain": [["day"]]}}
    adbc_path, reference_path = tmp_path / "adbc.sqlite", tmp_path / "sqlite3.sqlite"
    Warehouse(url=f"sqlite:///{adbc_path}").write_tables(tables, **options)
    Warehouse(url=f"sqlite:///{reference_path}").write_tables(tables, **options)
    con = sqlite3.connect(reference_path)  # the same DDL; the rows again, through sqlite3
    try:
        for name, frame in tables.items():
            con.execute(f'DELETE FROM "{name}"')
            marks = ", ".join("?" * frame.width)
            con.executemany(f'INSERT INTO "{name}" VALUES ({marks})', frame_for_sqlite(frame).iter_rows())
        con.commit()
    finally:
        con.close()
    adbc_master, adbc_values = stored(adbc_path)
    sqlite3_master, sqlite3_values = stored(reference_path)
    assert adbc_master == sqlite3_master
    assert adbc_values == sqlite3_values
    classes = {c for row in adbc_values["plain"] for c in row[0::2]}
    assert classes == {"text", "integer", "real", "blob", "null"}
    back = Warehouse(url=f"sqlite:///{adbc_path}").read_tables()
    loaded_at = back[LOADS_TABLE]["loaded_at"]
    assert loaded_at.dtype == pl.Datetime("us") and loaded_at.null_count() == 0


#: The kind of session each RecordingWarehouse table was loaded through.
LOADED_THROUGH: list[str] = []


class RecordingWarehouse(Warehouse):
    def _insert(self, conn, table, df):  # type: ignore[no-untyped-def]
        LOADED_THROUGH.append(type(conn).__name__)
        return super()._insert(conn, table, df)


def test_one_insert_path_per_backend(tmp_path: Path) -> None:
    """SQLite files: the ADBC session; an in-memory database cannot be written (the ADBC
    connection cannot share it) and says so before anything happens."""
    w = RecordingWarehouse(url=f"sqlite:///{tmp_path}/w.sqlite")
    LOADED_THROUGH.clear()
    w.write_tables({"t": pl.DataFrame({"a": [1, 2]})})
    assert LOADED_THROUGH == ["SqliteSession"]
    assert_frame_equal(w.read_table("t"), pl.DataFrame({"a": [1, 2]}))
    with pytest.raises(ValueError, match="must be a file path"):
        Warehouse(url="sqlite://").write_tables({"t": pl.DataFrame({"a": [1]})})
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):
        Warehouse(url="mysql://u@h/db").write_tables({"t": pl.DataFrame({"a": [1]})})


def test_awkward_file_names_and_rollback_journal(tmp_path: Path) -> None:
    """The ADBC driver opens URIs: a path with URI syntax in it is still the same file
    SQLAlchemy's sqlite3 connections open. And WAL off (sqlite_wal=False) works."""
    folder = tmp_path / "a b#c%20d é"
    url = sa.engine.URL.create("sqlite", database=str(folder / "w.sqlite"))
    w = Warehouse(url=url.render_as_string(), sqlite_wal=False)
    df = mixed_frame(5)
    w.write_tables({"t": df})
    assert [p.name for p in folder.iterdir()] == ["w.sqlite"]  # no -wal, no stray files
    assert_frame_equal(w.read_table("t"), as_read_back(df))
    con = sqlite3.connect(folder / "w.sqlite")
    try:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    finally:
        con.close()


def test_replaces_tables_and_leaves_others_alone(warehouse: Warehouse) -> None:
    first = mixed_frame(10, "a")
    warehouse.write_tables({"t1": first, "t2": first, "keep": first}, run_id="r1")
    new_t1 = pl.DataFrame({"other": ["schema", "changed"], "n": [1, 2]})
    new_t2 = mixed_frame(3, "b")
    counts = warehouse.write_tables({"t1": new_t1, "t2": new_t2}, run_id="r2")
    assert counts == {"t1": 2, "t2": 3}
    assert_frame_equal(warehouse.read_table("t1"), new_t1)
    assert_frame_equal(warehouse.read_table("t2"), as_read_back(new_t2))
    assert_frame_equal(warehouse.read_table("keep"), as_read_back(first))
    assert warehouse.table_names() == ["keep", "t1", "t2", LOADS_TABLE]
    loads = dict(warehouse.read_table(LOADS_TABLE).select("table_name", "run_id").rows())
    assert loads == {"keep": "r1", "t1": "r2", "t2": "r2"}


def test_empty_frame_still_creates_its_table(warehouse: Warehouse) -> None:
    empty = mixed_frame(5).clear()
    assert warehouse.write_tables({"empty": empty}, keys={"empty": ["u16"]}) == {"empty": 0}
    back = warehouse.read_table("empty")
    assert back.height == 0
    assert back.schema == as_read_back(empty).schema


def test_primary_key_and_indexes(warehouse: Warehouse) -> None:
    df = pl.DataFrame({"leerwinkel": ["gent", "gent", "all"], "year": [2023, 2024, 2024],
                       "n": [1, 2, 3]})
    warehouse.write_tables({"ind": df}, keys={"ind": ["leerwinkel", "year"]},
                           indexes={"ind": [["year"]]})
    inspector = sa.inspect(warehouse.engine)
    assert inspector.get_pk_constraint("ind")["constrained_columns"] == ["leerwinkel", "year"]
    assert [ix["column_names"] for ix in inspector.get_indexes("ind")] == [["year"]]
    # Key problems are found before anything is touched.
    dup = df.with_columns(year=pl.lit(2024))
    with pytest.raises(ValueError, match="duplicate"):
        warehouse.write_tables({"ind": dup, "other": df}, keys={"ind": ["leerwinkel", "year"]})
    with pytest.raises(ValueError, match="nulls"):
        warehouse.write_tables({"ind": df.with_columns(year=None)}, keys={"ind": ["year"]})
    with pytest.raises(ValueError, match="unknown columns"):
        warehouse.write_tables({"ind": df}, keys={"ind": ["nope"]})
    assert "other" not in warehouse.table_names()
    assert_frame_equal(warehouse.read_table("ind"), df)


def test_rows_read_back_in_the_frames_order(warehouse: Warehouse) -> None:
    """Also with a primary key: the pipeline sorts its tables, and SQLite and PostgreSQL
    return them in that order (tests/postgres/test_graph_postgres.py)."""
    keys = [f"{(i * 7919) % 1000:03d}-é" for i in range(1000)]  # shuffled, unique
    df = pl.DataFrame({"n": range(1000), "key": keys})
    warehouse.write_tables({"keyed": df, "plain": df}, keys={"keyed": ["key"]})
    back = warehouse.read_tables(["keyed", "plain"])
    assert_frame_equal(back["keyed"], df)
    assert_frame_equal(back["plain"], df)


def test_failure_on_third_table_leaves_previous_tables_identical(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/w.sqlite"
    old = {f"t{i}": mixed_frame(20 + i, f"old{i}") for i in range(1, 5)}
    Warehouse(url=url).write_tables(old, run_id="old", keys={"t1": ["u16"]})

    new = {f"t{i}": mixed_frame(7, f"new{i}") for i in range(1, 5)}
    new["t2"] = pl.DataFrame({"changed": ["schema"]})
    new["brand_new"] = mixed_frame(2)
    with pytest.raises(RuntimeError, match="simulated crash while loading t3"):
        CrashingWarehouse(url=url).write_tables(new, run_id="new")

    w = Warehouse(url=url)
    assert w.table_names() == ["t1", "t2", "t3", "t4", LOADS_TABLE]
    for name, df in old.items():
        back = w.read_table(name)
        assert back.rows() == as_read_back(df).rows(), name  # row by row
        assert_frame_equal(back, as_read_back(df))
    assert set(w.read_table(LOADS_TABLE)["run_id"]) == {"old"}
    assert sa.inspect(w.engine).get_pk_constraint("t1")["constrained_columns"] == ["u16"]
    # And the warehouse is not left locked: the next write goes through.
    assert w.write_tables(new, run_id="new")["t3"] == 7


class DuplicatingWarehouse(Warehouse):
    """Loads the rows of table ``u`` twice: a failure inside the database mid-write."""

    def _insert(self, conn, table, df):  # type: ignore[no-untyped-def]
        n = super()._insert(conn, table, df)
        if table.name == "u":
            super()._insert(conn, table, df)
        return n


def test_database_error_mid_write_rolls_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/w.sqlite"
    old = {"t": pl.DataFrame({"k": [1]}), "u": pl.DataFrame({"k": [1]})}
    Warehouse(url=url).write_tables(old, run_id="old", keys={"u": ["k"]})
    new = {"t": pl.DataFrame({"k": [2, 3]}), "u": pl.DataFrame({"k": [2, 3]})}
    # the ADBC driver raises InternalError (a DBAPIError), not IntegrityError
    with pytest.raises(sa.exc.DBAPIError, match="UNIQUE constraint failed"):
        DuplicatingWarehouse(url=url).write_tables(new, keys={"u": ["k"]})
    after = Warehouse(url=url).read_tables()
    assert {name: f["k"].to_list() for name, f in after.items() if name != LOADS_TABLE} == {
        "t": [1], "u": [1]
    }
    assert set(after[LOADS_TABLE]["run_id"]) == {"old"}


def test_integers_beyond_int64_fail_and_change_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/w.sqlite"
    w = Warehouse(url=url)
    w.write_tables({"t": pl.DataFrame({"a": [1]})})
    fits = pl.Series("a", [0, 2**63 - 1], dtype=pl.UInt64)
    w.write_tables({"u": fits.to_frame()})
    assert w.read_table("u")["a"].to_list() == [0, 2**63 - 1]
    too_big = pl.Series("a", [1, 2**64 - 1], dtype=pl.UInt64).to_frame()
    # refused when the frame is prepared for the ADBC driver
    with pytest.raises(pl.exceptions.InvalidOperationError):
        w.write_tables({"t": pl.DataFrame({"a": [2]}), "u": too_big})
    assert w.read_table("t")["a"].to_list() == [1]
    assert w.read_table("u")["a"].to_list() == [0, 2**63 - 1]


# A process that takes the SQLite write lock of a file (Python's sqlite3, so also a
# different SQLite library than the ADBC driver's) and holds it until its stdin closes.
def test_busy_when_another_writer_holds_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite"
    w = Warehouse(url=f"sqlite:///{path}", lock_timeout_seconds=0.5)
    w.write_tables({"t": pl.DataFrame({"a": [1]})})
    with write_lock_held_by_another_process(path):
        started = time.perf_counter()
        with pytest.raises(WarehouseBusy, match="another consolidation is writing"):
            w.write_tables({"t": pl.DataFrame({"a": [2]})})
        assert time.perf_counter() - started >= 0.4
        # Readers are not blocked by the writer (WAL).
        assert w.read_table("t")["a"].to_list() == [1]
    w.write_tables({"t": pl.DataFrame({"a": [2]})})
    assert w.read_table("t")["a"].to_list() == [2]


def test_waiting_writer_proceeds_when_the_other_commits(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite"
    w = Warehouse(url=f"sqlite:///{path}", lock_timeout_seconds=30)
    w.write_tables({"t": pl.DataFrame({"a": [1]})})
    result: dict[str, object] = {}

    def second() -> None:
        try:
            result["counts"] = w.write_tables({"t": pl.DataFrame({"a": [3]})})
        except BaseException as exc:
            result["error"] = exc

    with write_lock_held_by_another_process(path):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(1.0)
        assert thread.is_alive(), result  # waiting for the write lock
    thread.join(timeout=30)
    assert result == {"counts": {"t": 1}}
    assert w.read_table("t")["a"].to_list() == [3]


#: (run_id, lock acquired, last statement done) of every SlowWarehouse write.


def test_two_concurrent_writers_end_with_one_consistent_set(tmp_path: Path) -> None:
    run_concurrent_writers(f"sqlite:///{tmp_path}/w.sqlite", rows=2_000)


def test_rejects_what_it_cannot_store(warehouse: Warehouse) -> None:
    with pytest.raises(TypeError, match="lists"):
        warehouse.write_tables({"t": pl.DataFrame({"a": [[1, 2]]})})
    with pytest.raises(ValueError, match="at least one column"):
        warehouse.write_tables({"t": pl.DataFrame()})
    with pytest.raises(ValueError, match="bookkeeping"):
        warehouse.write_tables({LOADS_TABLE: pl.DataFrame({"a": [1]})})
    assert warehouse.write_tables({}) == {}
    assert warehouse.table_names() == []


def test_catalogue_key_is_the_default_primary_key(warehouse: Warehouse) -> None:
    """A catalogue table written without ``keys`` still gets the catalogue's key, checked
    before anything is written."""
    frame = pl.DataFrame({"leerwinkel": ["gent", "genk"], "year": [2024, 2024], "clients": [3, 4]})
    warehouse.write_tables({"ind_reach": frame})
    assert sa.inspect(warehouse.engine).get_pk_constraint("ind_reach")["constrained_columns"] == ["leerwinkel", "year"]
    with pytest.raises(ValueError, match="duplicate"):
        warehouse.write_tables({"ind_reach": pl.concat([frame, frame])})
    assert_frame_equal(warehouse.read_table("ind_reach"), frame)
