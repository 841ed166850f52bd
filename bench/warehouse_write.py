"""Write throughput of the Warehouse fast paths.

    uv run python bench/warehouse_write.py [--rows 400000] [--repeats 3] [--pg-url URL]
    uv run python bench/warehouse_write.py --tables STAGING_DIR [--repeats 3]

Every measurement runs in its own process (median of --repeats); the time is the
``write_tables`` call alone (validation, DROP/CREATE, load, commit), the frames are built
or read before.

Default: one synthetic frame, 400,000 rows x 20 mixed columns, on SQLite and PostgreSQL
(--pg-url, else $LEERWINKELS_TEST_POSTGRES_URL, else a throw-away server from pgserver's
binaries, fsync on, like production). Compared in the same run:

  sqlite  fast    Warehouse: ADBC SQLite driver bulk ingest (sqlite_bulk="adbc")
  sqlite  sqlite3 Warehouse: sqlite3 executemany over tuples (sqlite_bulk="sqlite3")
  sqlite  core    SQLAlchemy Core insert with a list of dicts (the generic path)
  pg      fast    Warehouse: psycopg 3 COPY FROM STDIN, CSV written by polars
  pg      rows    psycopg 3 COPY FROM STDIN with copy.write_row() per row
  pg      core    SQLAlchemy Core insert with a list of dicts (psycopg executemany)

--tables STAGING_DIR: the pipeline's own warehouse write (SQLite only) -- every table of
``WAREHOUSE_TABLES`` read from a consolidation's staging folder (e.g. the Parquet files
under data/staging/), internal columns dropped, ``TABLE_KEYS`` as keys, all in one
``write_tables`` call as the ``warehouse_tables`` asset does it -- with the load time of
every table (the ``_insert`` step) and the total:

  sqlite3    sqlite_bulk="sqlite3": sqlite3 executemany (the path before ADBC)
  adbc       sqlite_bulk="adbc": ADBC bulk ingest (the default)
  adbc_keyed ADBC, rows of keyed tables sorted by the key first (an experiment, not
             the Warehouse: appends to the key's index instead of random inserts, but
             the table then reads back in key order instead of the frame's order)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_frame(rows: int):
    """A trajectories-like frame: 7 text, 3 date/time, 5 integer, 3 float, 2 boolean
    columns, with nulls. Built column-wise (numpy), so that building it does not set the
    process's peak memory."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(42)

    def pick(values: list[str]) -> pl.Series:
        return pl.Series(values)[pl.Series(rng.integers(0, len(values), rows))]

    def with_nulls(series: pl.Series, share: float = 0.1) -> pl.Series:
        mask = pl.Series(rng.random(rows) < share)
        return pl.select(pl.when(mask).then(None).otherwise(series)).to_series().alias(series.name)

    index = pl.int_range(0, rows, eager=True)
    days = pl.Series(rng.integers(0, 3650, rows))
    intake = pl.select(pl.lit(dt.date(2015, 1, 1)) + pl.duration(days=days)).to_series()
    frame = pl.DataFrame(
        {
            "trajectory_key": index.hash(1).cast(pl.String).str.zfill(64),
            "client_key": (index % 250_000).hash(2).cast(pl.String).str.zfill(64),
            "leerwinkel": pick(["brussel", "genk", "mechelen", "gent", "west_vlaanderen", "leuven"]),
            "status": pick(["open", "completed", "stopped"]),
            "gender": pick(["female", "male", "x", "unknown"]),
            "education_level": pick(["none", "primary", "higher", "foreign_unrecognised"]),
            "learning_question": pick(["training", "diploma", "dutch", "heroriëntatie, \"NT2\""]),
            "intake_date": intake,
            "closed_date": with_nulls(intake.dt.offset_by("90d").alias("closed_date")),
            "loaded_at": pl.select(
                pl.lit(dt.datetime(2026, 11, 1, 2)) + pl.duration(microseconds=index)
            ).to_series(),
            "birth_year": pl.Series(rng.integers(1940, 2008, rows), dtype=pl.Int32),
            "age_at_intake": pl.Series(rng.integers(16, 80, rows), dtype=pl.Int16),
            "postcode": pl.Series(rng.integers(1000, 9999, rows), dtype=pl.Int64),
            "contacts": pl.Series(rng.integers(0, 40, rows), dtype=pl.Int64),
            "guidance_minutes": with_nulls(pl.Series(rng.integers(0, 3000, rows), dtype=pl.Int64)),
            "satisfaction": pl.Series(rng.random(rows) * 10),
            "share": pl.Series(rng.random(rows)),
            "hours": with_nulls(pl.Series(rng.random(rows) * 100)),
            "vulnerable": pl.Series(rng.random(rows) < 0.4),
            "training_started": with_nulls(pl.Series(rng.random(rows) < 0.5)),
        }
    )
    assert frame.width == 20 and frame.height == rows
    return frame


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def pipeline_tables(staging: Path):
    """The frames (and keys) the warehouse_tables asset writes, from a staging folder."""
    from leerwinkels.defs.assets.publish import TABLE_KEYS, WAREHOUSE_TABLES
    from leerwinkels.defs.resources.staging_store import read_frames
    from leerwinkels.model.build import INTERNAL_COLUMNS

    frames = {}
    for name in WAREHOUSE_TABLES:
        frame = read_frames(staging / name)
        frames[name] = frame.drop([c for c in INTERNAL_COLUMNS if c in frame.columns])
    return frames, {k: v for k, v in TABLE_KEYS.items() if k in frames}


def run_tables(method: str, url: str, staging: Path) -> dict:
    """One --tables measurement, in this (fresh) process."""
    from leerwinkels.defs.resources.warehouse import Warehouse, _frame_for_adbc

    frames, keys = pipeline_tables(staging)
    load_seconds: dict[str, float] = {}

    class TimedWarehouse(Warehouse):
        def _insert(self, conn, table, df):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            n = super()._insert(conn, table, df)
            load_seconds[table.name] = time.perf_counter() - started
            return n

    class KeySortedWarehouse(TimedWarehouse):
        def _insert_adbc(self, conn, table, df):  # type: ignore[no-untyped-def]
            prepared = _frame_for_adbc(df)
            key = [c.name for c in table.primary_key.columns]
            conn.ingest(table.name, prepared.sort(key) if key else prepared)
            return df.height

    cls, bulk = {"adbc": (TimedWarehouse, "adbc"), "sqlite3": (TimedWarehouse, "sqlite3"),
                 "adbc_keyed": (KeySortedWarehouse, "adbc")}[method]
    w = cls(url=url, sqlite_bulk=bulk)
    w.write_tables({"warmup": frames["code_labels"]})
    started = time.perf_counter()
    counts = w.write_tables(frames, run_id="bench", keys=keys)
    elapsed = time.perf_counter() - started
    assert counts == {name: frame.height for name, frame in frames.items()}
    w.dispose()
    return {"seconds": elapsed, "tables": load_seconds, "rows": counts}


def main_tables(staging: Path, repeats: int) -> None:
    methods = ["sqlite3", "adbc", "adbc_keyed"]
    results: dict[str, list[dict]] = {m: [] for m in methods}
    with tempfile.TemporaryDirectory(prefix="lw-bench-") as tmp:
        for _ in range(repeats):
            for method in methods:  # interleaved: a busy machine hurts all alike
                url = f"sqlite:///{tmp}/{method}.sqlite"
                out = subprocess.run(
                    [sys.executable, __file__, "--one", method, "--url", url, "--tables", str(staging)],
                    check=True, capture_output=True, text=True,
                )
                results[method].append(json.loads(out.stdout.strip().splitlines()[-1]))
    rows = results[methods[0]][0]["rows"]
    med = {m: {t: statistics.median(r["tables"].get(t, 0.0) for r in results[m]) for t in rows} for m in methods}
    total = {m: statistics.median(r["seconds"] for r in results[m]) for m in methods}
    print(f"warehouse write of {staging}: load seconds per table (median of {repeats}, "
          "each run in its own process)")
    print(f"{'table':22} {'rows':>9} " + " ".join(f"{m:>10}" for m in methods))
    for table in sorted(rows, key=lambda t: -rows[t]):
        if max(med[m][table] for m in methods) >= 0.005:
            print(f"{table:22} {rows[table]:9,} " + " ".join(f"{med[m][table]:10.2f}" for m in methods))
    print(f"{'write_tables total':22} {sum(rows.values()):9,} " + " ".join(f"{total[m]:10.2f}" for m in methods))
    print("runs: " + "; ".join(f"{m} {[round(r['seconds'], 2) for r in results[m]]}" for m in methods))


def run_one(method: str, url: str, rows: int) -> dict:
    """One measurement, in this (fresh) process."""
    import sqlalchemy as sa

    from leerwinkels.defs.resources.warehouse import Warehouse

    df = make_frame(rows)

    class CoreWarehouse(Warehouse):
        def _insert(self, conn, table, df):  # type: ignore[no-untyped-def]
            return self._insert_generic(conn, table, df)

    class RowCopyWarehouse(Warehouse):
        def _insert(self, conn, table, df):  # type: ignore[no-untyped-def]
            from psycopg import sql

            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, df.columns))
            )
            raw = conn.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in df.iter_rows():
                    copy.write_row(row)
            return df.height

    cls = {"fast": Warehouse, "sqlite3": Warehouse, "core": CoreWarehouse,
           "rows": RowCopyWarehouse}[method]
    # The generic path needs SQLAlchemy's connection: sqlite3, not ADBC.
    w = cls(url=url, sqlite_bulk="adbc" if method == "fast" else "sqlite3")
    w.write_tables({"bench": df.head(10)})  # connect, create, warm up
    rss_before = _rss_mb()
    started = time.perf_counter()
    counts = w.write_tables({"bench": df}, run_id="bench")
    elapsed = time.perf_counter() - started
    assert counts == {"bench": rows}
    with w.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM bench")).scalar_one() == rows
    w.dispose()
    return {
        "seconds": elapsed,
        "rows_per_s": rows / elapsed,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss_before,
    }


def measure(method: str, url: str, rows: int, repeats: int) -> dict:
    results = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, __file__, "--one", method, "--url", url, "--rows", str(rows)],
            check=True, capture_output=True, text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "rows_per_s": statistics.median(r["rows_per_s"] for r in results),
        "peak_mb": max(r["peak_mb"] for r in results),
        "extra_mb": max(r["peak_mb"] - r["rss_before_mb"] for r in results),
        "all_seconds": [round(r["seconds"], 2) for r in results],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pg-url", default=os.environ.get("LEERWINKELS_TEST_POSTGRES_URL"))
    parser.add_argument("--skip-slow", action="store_true", help="only the fast paths")
    parser.add_argument("--tables", type=Path, metavar="STAGING_DIR",
                        help="write the pipeline's warehouse tables from this staging folder")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one and args.tables:
        print(json.dumps(run_tables(args.one, args.url, args.tables)))
        return
    if args.one:
        print(json.dumps(run_one(args.one, args.url, args.rows)))
        return
    if args.tables:
        main_tables(args.tables, args.repeats)
        return

    server = None
    if not args.pg_url:
        sys.path.insert(0, str(ROOT / "tests" / "postgres"))
        from conftest import start_local_postgres  # the test suite's pgserver helper

        server = start_local_postgres(fsync=True)
        args.pg_url = server.url()
    try:
        with tempfile.TemporaryDirectory(prefix="lw-bench-") as tmp:
            sqlite_url = f"sqlite:///{tmp}/bench.sqlite"
            plan = [("sqlite", "fast", sqlite_url), ("sqlite", "sqlite3", sqlite_url),
                    ("pg", "fast", args.pg_url)]
            if not args.skip_slow:
                plan += [("sqlite", "core", sqlite_url), ("pg", "rows", args.pg_url),
                         ("pg", "core", args.pg_url)]
            print(f"{args.rows:,} rows x 20 columns, median of {args.repeats} runs, each in its own process")
            print(f"{'target':8} {'path':7} {'seconds':>8} {'rows/s':>10} {'peak MB':>8} "
                  f"{'+MB':>6}  runs")
            for target, method, url in plan:
                r = measure(method, url, args.rows, args.repeats)
                print(f"{target:8} {method:7} {r['seconds']:8.2f} {r['rows_per_s']:10,.0f} "
                      f"{r['peak_mb']:8.0f} {r['extra_mb']:6.0f}  {r['all_seconds']}", flush=True)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
