"""Warehouse resource on SQLite files (tests/postgres/ runs the same against PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal

from pipelines.resources.warehouse import (
    DEFAULT_DATABASE_URL,
    LOADS_TABLE,
    Warehouse,
    WarehouseBusy,
)


def mixed_frame(n: int = 6, tag: str = "x") -> pl.DataFrame:
    """Every dtype the pipeline writes, with nulls, edge values and unicode."""
    texts = ["", None, "é ë ç — ß ñ ø 漢字 😀", 'comma, "quote"\nnew line\ttab', "\\.", tag]
    return pl.DataFrame(
        {
            "text": [texts[i % len(texts)] for i in range(n)],
            "code": pl.Series([f"{tag}{i}" for i in range(n)], dtype=pl.Categorical),
            "i8": pl.Series([None if i % 5 == 1 else (i % 100) - 50 for i in range(n)], dtype=pl.Int8),
            "i32": pl.Series([None if i % 4 == 2 else i * 1000 for i in range(n)], dtype=pl.Int32),
            "i64": pl.Series([(-1) ** i * (2**62 - i) if i % 3 else None for i in range(n)], dtype=pl.Int64),
            "u16": pl.Series([i for i in range(n)], dtype=pl.UInt16),
            "f32": pl.Series([i + 0.5 if i % 3 else None for i in range(n)], dtype=pl.Float32),
            "f64": [
                [0.1, None, -1e300, 5e-324, float("inf"), 1 / 3][i % 6] for i in range(n)
            ],
            "flag": [[True, False, None][i % 3] for i in range(n)],
            "day": [
                [dt.date(2024, 2, 29), None, dt.date(1, 1, 1), dt.date(9999, 12, 31)][i % 4]
                for i in range(n)
            ],
            "ts": [
                [dt.datetime(2024, 3, 31, 2, 30, 0, 123456), None, dt.datetime(1970, 1, 1)][i % 3]
                for i in range(n)
            ],
            "nothing": pl.Series([None] * n, dtype=pl.Null),
        }
    )


def as_read_back(df: pl.DataFrame) -> pl.DataFrame:
    """The frame ``read_table`` should return for ``df``: the warehouse's storage types."""
    casts = {}
    for name, dtype in df.schema.items():
        if dtype.is_integer():
            casts[name] = pl.Int64
        elif dtype.is_float():
            casts[name] = pl.Float64
        elif dtype in (pl.Categorical, pl.Null):
            casts[name] = pl.String
    return df.cast(casts)


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


class CrashingWarehouse(Warehouse):
    """Raises while loading the N-th table of a write (a crash mid-write)."""

    crash_on: int = 3

    def _insert(self, conn, table, df):  # type: ignore[no-untyped-def]
        calls = conn.info.setdefault("test_inserts", 0) + 1
        conn.info["test_inserts"] = calls
        if calls == self.crash_on:
            # Part of this table is already in, like a real crash halfway through.
            super()._insert(conn, table, df.head(1))
            raise RuntimeError(f"simulated crash while loading {table.name}")
        return super()._insert(conn, table, df)


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


def test_busy_when_another_writer_holds_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite"
    w = Warehouse(url=f"sqlite:///{path}", lock_timeout_seconds=0.5)
    w.write_tables({"t": pl.DataFrame({"a": [1]})})
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another consolidation mid-write
        started = time.perf_counter()
        with pytest.raises(WarehouseBusy, match="another consolidation is writing"):
            w.write_tables({"t": pl.DataFrame({"a": [2]})})
        assert time.perf_counter() - started >= 0.4
        # Readers are not blocked by the writer (WAL).
        assert w.read_table("t")["a"].to_list() == [1]
    finally:
        other.execute("ROLLBACK")
        other.close()
    w.write_tables({"t": pl.DataFrame({"a": [2]})})
    assert w.read_table("t")["a"].to_list() == [2]


#: (run_id, lock acquired, last statement done) of every SlowWarehouse write.
WRITE_WINDOWS: list[tuple[str | None, float, float]] = []


class SlowWarehouse(Warehouse):
    """Pauses after each table so that concurrent writes really overlap, and records
    when it held the write lock."""

    pause: float = 0.05

    def _lock_for_write(self, conn):  # type: ignore[no-untyped-def]
        super()._lock_for_write(conn)
        conn.info["lock_acquired"] = time.perf_counter()

    def _insert(self, conn, table, df):  # type: ignore[no-untyped-def]
        n = super()._insert(conn, table, df)
        time.sleep(self.pause)
        return n

    def _record_loads(self, conn, counts, run_id):  # type: ignore[no-untyped-def]
        super()._record_loads(conn, counts, run_id)
        WRITE_WINDOWS.append((run_id, conn.info["lock_acquired"], time.perf_counter()))


def writer_tables(writer: str, n: int) -> dict[str, pl.DataFrame]:
    return {
        f"tab{i}": mixed_frame(n + i, writer).with_columns(writer=pl.lit(writer))
        for i in range(5)
    }


def check_consistent_set(frames: dict[str, pl.DataFrame]) -> str:
    writers = {w for name, df in frames.items() if name != LOADS_TABLE for w in df["writer"]}
    assert len(writers) == 1, f"tables from different writers: {writers}"
    (writer,) = writers
    if LOADS_TABLE in frames:
        assert set(frames[LOADS_TABLE]["run_id"]) == {writer}
    return writer


def run_concurrent_writers(url: str, rows: int) -> None:
    """Two writers start at the same moment while a reader keeps reading all tables
    as one set; every set read, and the final set, comes from a single writer."""
    Warehouse(url=url).write_tables(writer_tables("seed", 3), run_id="seed")
    WRITE_WINDOWS.clear()
    contents = {w: writer_tables(w, rows) for w in ("A", "B")}
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []
    done = threading.Event()
    seen: list[str] = []

    def write(writer: str) -> None:
        try:
            barrier.wait()
            SlowWarehouse(url=url).write_tables(contents[writer], run_id=writer)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def read() -> None:
        try:
            barrier.wait()
            reader = Warehouse(url=url)
            while not done.is_set():
                seen.append(check_consistent_set(reader.read_tables()))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in ("A", "B")]
    reader_thread = threading.Thread(target=read)
    for t in [*threads, reader_thread]:
        t.start()
    for t in threads:
        t.join(timeout=120)
    done.set()
    reader_thread.join(timeout=120)
    assert not errors, errors
    # The writers held the lock one after the other, never at the same time.
    (_, start1, end1), (_, start2, end2) = sorted(WRITE_WINDOWS, key=lambda w: w[1])
    assert end1 <= start2, WRITE_WINDOWS

    final = Warehouse(url=url).read_tables()
    winner = check_consistent_set(final)
    assert winner in ("A", "B")
    for name, df in contents[winner].items():
        assert_frame_equal(final[name], as_read_back(df))
    assert seen and set(seen) <= {"seed", "A", "B"}


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
